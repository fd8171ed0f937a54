import { quoteInput } from "./quote-input.js";

/**
 * Why an operation was refused, in the domain's words. The rpc layer maps each
 * kind to one gRPC code, so stores and rules never depend on the transport.
 */
export type MonitorErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "resource_exhausted"
  | "permission_denied"
  | "unavailable";

/**
 * The one error type thrown below the rpc layer for a refusal the caller can
 * act on. Anything else that escapes is a bug and becomes INTERNAL.
 */
export class MonitorError extends Error {
  override readonly name = "MonitorError";
  constructor(
    readonly kind: MonitorErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** `field: rule` — every invalid-argument message names the field it is about. */
export function invalidArgument(field: string, rule: string): MonitorError {
  return new MonitorError("invalid_argument", `${field}: ${rule}`);
}

/** `service "svc_x" not found`; the id is quoted with {@link quoteInput}, as it comes from the client. */
export function notFound(what: string, id: string): MonitorError {
  return new MonitorError("not_found", `${what} ${quoteInput(id)} not found`);
}
