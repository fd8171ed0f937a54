import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { isRetryable, isTransportFailure } from "../../sdk/retry-policy.js";

/** As decoded from a response: it carries the response's headers/trailers. */
const fromServer = (code: Code) => new ConnectError("from the server", code, new Headers({ "content-type": "application/grpc" }));
/** As raised by the client over a broken connection: no metadata. */
const fromTransport = (code: Code) => new ConnectError("connection broke", code);

describe("isTransportFailure", () => {
  it("tells an error raised by the client from one read from a response", () => {
    expect(isTransportFailure(fromTransport(Code.Internal))).toBe(true);
    expect(isTransportFailure(fromServer(Code.Internal))).toBe(false);
  });
});

describe("isRetryable", () => {
  it.each([Code.Unavailable, Code.ResourceExhausted, Code.Aborted, Code.DeadlineExceeded])(
    "retries code %s whoever raised it",
    (code) => {
      expect(isRetryable(fromServer(code))).toBe(true);
      expect(isRetryable(fromTransport(code))).toBe(true);
    },
  );

  it.each([Code.Internal, Code.Unknown, Code.Canceled])("retries code %s only from a broken connection", (code) => {
    expect(isRetryable(fromTransport(code))).toBe(true);
    expect(isRetryable(fromServer(code))).toBe(false);
  });

  it.each([
    Code.NotFound,
    Code.InvalidArgument,
    Code.PermissionDenied,
    Code.Unauthenticated,
    Code.FailedPrecondition,
    Code.Unimplemented,
    Code.AlreadyExists,
    Code.OutOfRange,
    Code.DataLoss,
  ])("never retries code %s", (code) => {
    expect(isRetryable(fromServer(code))).toBe(false);
    expect(isRetryable(fromTransport(code))).toBe(false);
  });
});
