import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { MonitorError, type MonitorErrorKind } from "../domain/monitor-error.js";
import { StoreError } from "../store/store.js";
import { clientGoneError, isClientGone } from "./client-gone.js";
import { asBodyDecodeError } from "./decode-error.js";

const CODES: Record<MonitorErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  permission_denied: Code.PermissionDenied,
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
 * INVALID_ARGUMENT, not our INTERNAL. A bidi or client-streaming handler
 * (reflection) decodes its requests while its response is read, after
 * `next` returned, so a streaming response's messages pass the same mapping.
 */
export function createErrorInterceptor(onInternal: (error: unknown, procedure: string) => void): Interceptor {
  return (next) => async (req) => {
    const asConnectError = (error: unknown): ConnectError => {
      const undecodable = asBodyDecodeError(error, req.method.input.typeName);
      if (undecodable !== undefined) return undecodable;
      // A request body cut off by its client (reset, disconnect) fails the
      // read with Node's premature-close error: the client's doing, not a bug.
      if (!isRefusal(error) && isClientGone(error, req.signal)) return clientGoneError(req.signal);
      if (!isRefusal(error)) onInternal(error, req.method.name);
      return toConnectError(error);
    };
    try {
      const res = await next(req);
      return res.stream ? { ...res, message: mapErrors(res.message, asConnectError) } : res;
    } catch (error) {
      throw asConnectError(error);
    }
  };
}

async function* mapErrors<T>(messages: AsyncIterable<T>, map: (error: unknown) => ConnectError): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw map(error);
  }
}
