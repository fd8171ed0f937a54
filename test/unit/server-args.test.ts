import { describe, expect, it } from "vitest";
import { specEncodeGrpcMessage } from "../../server/grpc-message-encoding.js";
import { parseServerArgs } from "../../server/server-args.js";

describe("server arguments", () => {
  it("defaults to 127.0.0.1:50051 and ./data", () => {
    expect(parseServerArgs([], {})).toMatchObject({ kind: "run", args: { listen: { host: "127.0.0.1", port: 50051 }, dataDir: "./data" } });
  });

  it("takes the environment, and flags over the environment", () => {
    const env = { MONITOR_LISTEN: "0.0.0.0:6000", MONITOR_DATA_DIR: "/var/lib/monitor" };
    expect(parseServerArgs([], env)).toMatchObject({
      kind: "run",
      args: { listen: { host: "0.0.0.0", port: 6000 }, dataDir: "/var/lib/monitor" },
    });
    expect(parseServerArgs(["--listen", "127.0.0.1:0", "--data-dir=/tmp/x"], env)).toMatchObject({
      kind: "run",
      args: { listen: { host: "127.0.0.1", port: 0 }, dataDir: "/tmp/x" },
    });
    expect(parseServerArgs(["--listen=[::1]:7000"], {})).toMatchObject({ args: { listen: { host: "::1", port: 7000 } } });
  });

  it.each([
    [["--listen", "nope"], '--listen: expected HOST:PORT, got "nope"'],
    [["--listen", "h:70000"], "--listen: port must be 0-65535, got 70000"],
    [["--listen"], "--listen needs a value"],
    [["--frobnicate"], 'unknown argument "--frobnicate"'],
    [["stray"], 'unknown argument "stray"'],
    [["--data-dir="], "--data-dir needs a value"],
  ])("rejects %j", (argv, message) => {
    expect(parseServerArgs(argv, {})).toMatchObject({ kind: "error", message });
  });

  it("names the variable when a bad value came from the environment", () => {
    expect(parseServerArgs([], { MONITOR_LISTEN: "nope" })).toMatchObject({
      kind: "error",
      message: '--listen: expected HOST:PORT, got "nope" (from MONITOR_LISTEN)',
    });
  });

  it("prints help listing every flag with its variable and default", () => {
    const help = parseServerArgs(["--help"], {});
    expect(help).toMatchObject({ kind: "help" });
    const text = help.kind === "help" ? help.text : "";
    expect(text).toMatch(/--listen HOST:PORT +address to serve gRPC on.*\(default 127\.0\.0\.1:50051\)\n +env: MONITOR_LISTEN/);
    expect(text).toMatch(/--data-dir DIR .*\(default \.\/data\)\n +env: MONITOR_DATA_DIR/);
  });
});

describe("grpc-message encoding", () => {
  it("leaves printable ASCII as is and escapes only % and the rest", () => {
    expect(specEncodeGrpcMessage(encodeURIComponent("port: must be 1-65535, got 0"))).toBe("port: must be 1-65535, got 0");
    expect(specEncodeGrpcMessage(encodeURIComponent("100% é\n"))).toBe("100%25 %C3%A9%0A");
    expect(decodeURI(specEncodeGrpcMessage(encodeURIComponent("a: b, c/d?")))).toBe("a: b, c/d?");
  });
});
