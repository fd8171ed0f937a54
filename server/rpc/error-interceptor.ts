import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { MonitorError, type MonitorErrorKind } from "../domain/monitor-error.js";
import { asBodyDecodeError } from "./decode-error.js";

const CODES: Record<MonitorErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

/** Maps a domain refusal to its gRPC code; leaves ConnectErrors as they are. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof MonitorError) return new ConnectError(error.message, CODES[error.kind], undefined, undefined, error);
  return ConnectError.from(error);
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
      if (error instanceof MonitorError || error instanceof ConnectError) throw toConnectError(error);
      onInternal(error, req.method.name);
      throw new ConnectError("internal error", Code.Internal);
    }
  };
}
