import { Code, ConnectError, type UnaryRequest } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { clientGoneError, isClientGone } from "../../server/rpc/client-gone.js";
import { createErrorInterceptor } from "../../server/rpc/error-interceptor.js";

const open = new AbortController().signal;
const nodeError = (code: string) => Object.assign(new Error(code), { code });

describe("isClientGone", () => {
  it("takes Node's errors for a write to a closed or reset stream as the client leaving", () => {
    for (const code of ["ERR_STREAM_PREMATURE_CLOSE", "ERR_HTTP2_INVALID_STREAM", "ERR_HTTP2_STREAM_ERROR", "ECONNRESET", "EPIPE"]) {
      expect(isClientGone(nodeError(code), open), code).toBe(true);
    }
  });

  it("takes any failure once the call's signal is aborted as the client leaving", () => {
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    expect(isClientGone(new TypeError("x is undefined"), controller.signal)).toBe(true);
  });

  it("leaves a bug a bug: other errors, other codes, non-errors", () => {
    expect(isClientGone(new TypeError("x is undefined"), open)).toBe(false);
    expect(isClientGone(nodeError("ENOENT"), open)).toBe(false);
    expect(isClientGone({ code: 42 }, open)).toBe(false);
    expect(isClientGone(undefined, open)).toBe(false);
    expect(isClientGone("ECONNRESET", open)).toBe(false);
  });
});

describe("clientGoneError", () => {
  it("ends the call with the signal's reason when there is one, CANCELED otherwise", () => {
    const controller = new AbortController();
    controller.abort(new ConnectError("shutting down", Code.Unavailable));
    expect(clientGoneError(controller.signal).code).toBe(Code.Unavailable);
    expect(clientGoneError(open).code).toBe(Code.Canceled);
  });
});

describe("the error interceptor and a client that left", () => {
  // Only the fields the interceptor reads; a real request comes from connect.
  const request = { method: { name: "Watch", input: { typeName: "monitor.v1.WatchRequest" } }, signal: open } as unknown as UnaryRequest;

  it("answers a request body cut off by its client with CANCELED and logs nothing", async () => {
    const logged: unknown[] = [];
    const call = createErrorInterceptor((error) => logged.push(error))(() => Promise.reject(nodeError("ERR_STREAM_PREMATURE_CLOSE")));
    await expect(call(request)).rejects.toMatchObject({ code: Code.Canceled });
    expect(logged).toEqual([]);
  });

  it("still logs a bug as one, and answers INTERNAL", async () => {
    const logged: unknown[] = [];
    const call = createErrorInterceptor((error) => logged.push(error))(() => Promise.reject(new TypeError("x is undefined")));
    await expect(call(request)).rejects.toMatchObject({ code: Code.Internal });
    expect(logged).toHaveLength(1);
  });
});
