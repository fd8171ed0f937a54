import { describe, expect, it } from "vitest";
import { parseServerArgs, USAGE } from "../../server/server-args.js";

/** --tls-cert/--tls-key (both or neither) and --tls-client-ca, from flags or the environment. */
describe("TLS flags", () => {
  it("default to no TLS", () => {
    expect(parseServerArgs([], {})).toMatchObject({ kind: "run", args: { tlsCert: undefined, tlsKey: undefined, tlsClientCa: undefined } });
  });

  it("take the files from flags, or the environment, flags first", () => {
    expect(parseServerArgs(["--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-client-ca", "ca.pem"], {})).toMatchObject({
      args: { tlsCert: "c.pem", tlsKey: "k.pem", tlsClientCa: "ca.pem" },
    });
    const env = { MONITOR_TLS_CERT: "env-c.pem", MONITOR_TLS_KEY: "env-k.pem", MONITOR_TLS_CLIENT_CA: "env-ca.pem" };
    expect(parseServerArgs([], env)).toMatchObject({ args: { tlsCert: "env-c.pem", tlsKey: "env-k.pem", tlsClientCa: "env-ca.pem" } });
    expect(parseServerArgs(["--tls-cert=flag-c.pem"], env)).toMatchObject({ args: { tlsCert: "flag-c.pem", tlsKey: "env-k.pem" } });
  });

  it.each([
    [["--tls-cert", "c.pem"], {}, "--tls-cert needs --tls-key (MONITOR_TLS_KEY): the certificate's private key"],
    [["--tls-key", "k.pem"], {}, "--tls-key needs --tls-cert (MONITOR_TLS_CERT): the certificate of that key"],
    [[], { MONITOR_TLS_KEY: "k.pem" }, "--tls-key needs --tls-cert (MONITOR_TLS_CERT): the certificate of that key"],
    [["--tls-client-ca", "ca.pem"], {}, "--tls-client-ca needs --tls-cert and --tls-key: client certificates are asked for over TLS only"],
    [["--tls-cert"], {}, "--tls-cert needs a value"],
  ])("refuses %j %j naming the missing half", (argv, env, message) => {
    expect(parseServerArgs(argv, env)).toMatchObject({ kind: "error", message });
  });

  it("are in the usage text with their variables", () => {
    for (const [flag, env] of [
      ["--tls-cert FILE", "MONITOR_TLS_CERT"],
      ["--tls-key FILE", "MONITOR_TLS_KEY"],
      ["--tls-client-ca FILE", "MONITOR_TLS_CLIENT_CA"],
    ]) {
      expect(USAGE).toContain(flag);
      expect(USAGE).toContain(`env: ${env}`);
    }
  });
});
