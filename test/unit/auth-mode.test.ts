import { describe, expect, it } from "vitest";
import { decideAuthMode } from "../../server/auth/auth-mode.js";

describe("decideAuthMode", () => {
  it("uses auth whenever tokens are configured, whatever the address", () => {
    for (const host of ["127.0.0.1", "0.0.0.0", "::", "10.1.2.3"]) {
      for (const insecureNoAuth of [false, true]) {
        expect(decideAuthMode({ host, authConfigured: true, insecureNoAuth })).toEqual({ kind: "auth" });
      }
    }
  });

  it("serves loopback without auth", () => {
    for (const host of ["127.0.0.1", "127.8.9.10", "::1", "localhost"]) {
      expect(decideAuthMode({ host, authConfigured: false, insecureNoAuth: false }), host).toEqual({ kind: "open_loopback" });
    }
  });

  it("refuses a reachable address without auth, saying how to fix it", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.5"]) {
      const mode = decideAuthMode({ host, authConfigured: false, insecureNoAuth: false });
      expect(mode.kind, host).toBe("refuse");
      if (mode.kind !== "refuse") continue;
      expect(mode.message).toContain(`refusing to listen on ${host} without authentication`);
      for (const way of ["MONITOR_ADMIN_TOKENS", "--admin-tokens-file", "--insecure-no-auth", "loopback"]) expect(mode.message).toContain(way);
    }
  });

  it("serves a reachable address without auth only with --insecure-no-auth, with a warning", () => {
    const mode = decideAuthMode({ host: "0.0.0.0", authConfigured: false, insecureNoAuth: true });
    expect(mode).toEqual({ kind: "open_insecure", warning: expect.stringContaining("serving 0.0.0.0 without authentication") });
  });
});
