import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { MonitorError, type MonitorErrorKind } from "../domain/monitor-error.js";
import { StoreError } from "../store/store.js";
import { asBodyDecodeError } from "./decode-error.js";

const CODES: Record<MonitorErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

/**
 * Maps a domain refusal to its gRPC code; leaves ConnectErrors as they are.
 * A store failure never shows its message (it names files and hosts): an
 * unavailable store is UNAVAILABLE, anything else INTERNAL; the cause is the
 * caller's to log.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof MonitorError) return new ConnectError(error.message, CODES[error.kind], undefined, undefined, error);
  if (error instanceof StoreError) {
    return error.kind === "unavailable"
      ? new ConnectError("the store is unavailable; try again", Code.Unavailable, undefined, undefined, error)
      : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
  }
  if (error instanceof ConnectError) return error;
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}

/** Whether an error is one the client is meant to see as it is (a refusal), not a failure to log. */
export function isRefusal(error: unknown): boolean {
  return error instanceof MonitorError || error instanceof ConnectError;
}

/**
 * The boundary where every error becomes one ConnectError. An error that is
 * neither a MonitorError nor a ConnectError is a bug: it is reported to
 * `onInternal` (logged with its stack) and the client sees INTERNAL without
 * the server's internals.
 *
 * A request message protobuf could not decode reaches this interceptor only
 * for streaming calls (connect decodes a unary request before interceptors
 * run; server/http/unary-decode-errors.ts covers those): it is the client's
 * INVALID_ARGUMENT, not our INTERNAL.
 */
export function createErrorInterceptor(onInternal: (error: unknown, procedure: string) => void): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      const undecodable = asBodyDecodeError(error, req.method.input.typeName);
      if (undecodable !== undefined) throw undecodable;
      if (isRefusal(error)) throw toConnectError(error);
      onInternal(error, req.method.name);
      throw toConnectError(error);
    }
  };
}
