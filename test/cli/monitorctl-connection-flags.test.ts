import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOptions } from "../../sdk/cli/connection-options.js";
import { runMonitorctl } from "../../sdk/cli/run-monitorctl.js";

/** monitorctl's global connection flags: flag over environment, TLS files, and a token that is never echoed. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "monitorctl-flags-"));
  await writeFile(join(dir, "ca.pem"), "CA PEM");
  await writeFile(join(dir, "cert.pem"), "CERT PEM");
  await writeFile(join(dir, "key.pem"), "KEY PEM");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const flags = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe("connectionOptions", () => {
  it("takes --token over MONITOR_TOKEN, MONITOR_TOKEN without the flag, and an empty variable as unset", async () => {
    expect((await connectionOptions(flags({ token: "from-flag" }), { MONITOR_TOKEN: "from-env" })).token).toBe("from-flag");
    expect((await connectionOptions(flags({}), { MONITOR_TOKEN: "from-env" })).token).toBe("from-env");
    expect(await connectionOptions(flags({}), { MONITOR_TOKEN: "" })).not.toHaveProperty("token");
  });

  it("reads the TLS files for an https:// server, flags over MONITOR_TLS_* variables", async () => {
    const options = await connectionOptions(flags({ server: "https://127.0.0.1:50051", "tls-ca": join(dir, "ca.pem") }), {
      MONITOR_TLS_CA: join(dir, "missing.pem"),
      MONITOR_TLS_CLIENT_CERT: join(dir, "cert.pem"),
      MONITOR_TLS_CLIENT_KEY: join(dir, "key.pem"),
    });
    expect(options.baseUrl).toBe("https://127.0.0.1:50051");
    expect(options.tls).toEqual({ ca: Buffer.from("CA PEM"), cert: Buffer.from("CERT PEM"), key: Buffer.from("KEY PEM") });
  });

  it("refuses TLS files with an http:// server, half a client certificate, and unreadable files, naming the flag", async () => {
    await expect(connectionOptions(flags({ "tls-ca": join(dir, "ca.pem") }), {})).rejects.toThrow(/--tls-ca: TLS needs an https:\/\/ server, got --server http:\/\/127\.0\.0\.1:50051/);
    await expect(connectionOptions(flags({ server: "https://h:1", "tls-cert": join(dir, "cert.pem") }), {})).rejects.toThrow(/--tls-cert: needs --tls-key too/);
    await expect(connectionOptions(flags({ server: "https://h:1", "tls-ca": join(dir, "nope.pem") }), {})).rejects.toThrow(/--tls-ca: cannot read ".*nope\.pem" \(ENOENT\)/);
    await expect(connectionOptions(flags({ server: "ftp://h:1" }), {})).rejects.toThrow(/--server: expected http:\/\/ or https:\/\//);
  });
});

describe("monitorctl with a token", () => {
  it("never prints the token, even in an error, and hints at --token on UNAUTHENTICATED", async () => {
    let out = "";
    // A bad token fails before anything is sent: no server needed.
    const code = await runMonitorctl(["--token", "bad token-SECRET", "callers", "ls"], {
      stdout: (t) => void (out += t),
      stderr: (t) => void (out += t),
      env: { MONITOR_SERVER: "127.0.0.1:1" },
      isTty: false,
      signal: new AbortController().signal,
    });
    expect(code).toBe(1);
    expect(out).toMatch(/^monitorctl: INVALID_ARGUMENT: token: must be visible ASCII/);
    expect(out).not.toContain("SECRET");
  });

  it("says how to pass a token when the server refuses one", async () => {
    const { createRouterTransport, Code, ConnectError } = await import("@connectrpc/connect");
    const { ManagementService } = await import("../../sdk/gen/monitor/v1/management_service_pb.js");
    const seen: Array<string | null> = [];
    const transport = createRouterTransport((router) =>
      router.service(ManagementService, {
        listCallers(_request, ctx) {
          seen.push(ctx.requestHeader.get("authorization"));
          throw new ConnectError("a valid admin token is required", Code.Unauthenticated);
        },
      }),
    );
    let stderr = "";
    const code = await runMonitorctl(["callers", "ls"], {
      stdout: () => undefined,
      stderr: (t) => void (stderr += t),
      env: { MONITOR_TOKEN: "wrong-SECRET" },
      isTty: false,
      signal: new AbortController().signal,
      transport,
    });
    expect(code).toBe(1);
    expect(seen).toEqual(["Bearer wrong-SECRET"]);
    expect(stderr).toBe(
      "monitorctl: UNAUTHENTICATED: a valid admin token is required\nHint: pass --token or set MONITOR_TOKEN: an admin token for management, the caller's own token for its watch\n",
    );
  });
});
