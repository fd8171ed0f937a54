import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { asBodyDecodeError, bodyDecodeMessage } from "../../server/rpc/decode-error.js";
import { parseServerArgs } from "../../server/server-args.js";

describe("transport limits on the command line", () => {
  it("defaults to 1 MiB requests, 4096 connections and a 5 minute idle timeout", () => {
    expect(parseServerArgs([], {})).toMatchObject({
      kind: "run",
      args: { maxRequestBytes: 1_048_576, maxConnections: 4096, idleTimeout: 300_000 },
    });
  });

  it("takes flags over the environment", () => {
    const env = { MONITOR_MAX_REQUEST_BYTES: "2048", MONITOR_MAX_CONNECTIONS: "10", MONITOR_IDLE_TIMEOUT: "30s" };
    expect(parseServerArgs([], env)).toMatchObject({ args: { maxRequestBytes: 2048, maxConnections: 10, idleTimeout: 30_000 } });
    expect(parseServerArgs(["--max-request-bytes", "100", "--max-connections=50", "--idle-timeout", "1500ms"], env)).toMatchObject({
      args: { maxRequestBytes: 100, maxConnections: 50, idleTimeout: 1500 },
    });
  });

  it.each([
    [["--max-request-bytes", "0"], /^--max-request-bytes: expected a whole number of at least 1, got "0"/],
    // connect itself refuses more than 4 GiB, as an internal error at start-up: refuse it as usage.
    [["--max-request-bytes", "5000000000"], /^--max-request-bytes: must be at most 67108864 \(64 MiB\), got 5000000000$/],
    [["--max-connections", "many"], /^--max-connections: expected a whole number/],
    [["--idle-timeout", "0s"], /^--idle-timeout: must be more than 0, got "0s"/],
    [["--idle-timeout", "soon"], /^--idle-timeout: expected a duration like "5s"/],
  ])("rejects %j", (argv, message) => {
    const parsed = parseServerArgs(argv, {});
    expect(parsed.kind).toBe("error");
    expect(parsed.kind === "error" && parsed.message).toMatch(message);
  });
});

describe("body decode errors", () => {
  it("turn connect's INTERNAL \"parse binary\" into INVALID_ARGUMENT naming the message type", () => {
    const error = asBodyDecodeError(new ConnectError("parse binary: premature EOF", Code.Internal), "monitor.v1.WatchRequest");
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toBe("request body could not be decoded as monitor.v1.WatchRequest: premature EOF");
  });

  it("leave every other error alone", () => {
    expect(asBodyDecodeError(new ConnectError("parse binary: x", Code.Unknown), "T")).toBeUndefined();
    expect(asBodyDecodeError(new ConnectError("internal error", Code.Internal), "T")).toBeUndefined();
    expect(asBodyDecodeError(new Error("parse binary: x"), "T")).toBeUndefined();
  });

  it("keep a long or unprintable reason short and printable", () => {
    const message = bodyDecodeMessage("T", `parse binary: ${"\u0000\u001b".repeat(100)}`);
    expect(message).toMatch(/^request body could not be decoded as T: \?+…$/);
    expect(message.length).toBeLessThan(130);
  });
});
