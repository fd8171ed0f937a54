import { Code, ConnectError, type Interceptor, type StreamRequest, type StreamResponse } from "@connectrpc/connect";
import type { AdminTokenSet } from "./admin-token-set.js";
import type { AuthFailureLog } from "./auth-failure-log.js";
import { authenticate, AUTH_FAILURE_MESSAGES } from "./authenticate.js";
import type { CallerTokenIndex } from "./caller-token-index.js";
import type { CredentialHolds } from "./credential-holds.js";
import { principalKey, type Principal } from "./principal.js";
import { remoteAddressKey } from "./remote-address.js";
import { authorise, policyFor } from "./rpc-policy.js";

export interface AuthInterceptorDeps {
  /** The admin tokens in force now (the file may change them). */
  readonly admins: () => AdminTokenSet;
  readonly callers: Pick<CallerTokenIndex, "callerOf">;
  /** Where Watch streams hold their credential, to be ended when it is revoked. */
  readonly holds: CredentialHolds;
  readonly onFailure: AuthFailureLog;
}

/**
 * Authenticates every call but the open ones (health, reflection) and checks
 * the RPC's policy before its handler runs; the principal is handed to
 * handlers as `principalKey`.
 *
 * connect decodes a unary request before interceptors run, so an
 * unauthenticated unary call costs a decode (bounded by the request size
 * limit); that is acceptable, and it lets the policy read `caller_id`. A
 * streaming request is read here only once the header authenticated.
 */
export function createAuthInterceptor(deps: AuthInterceptorDeps): Interceptor {
  return (next) => async (req) => {
    const policy = policyFor(req.service.typeName, req.method.localName);
    if (policy.kind === "open") return next(req);
    const rpc = req.method.name;
    const remoteAddress = req.contextValues.get(remoteAddressKey);
    const auth = authenticate(req.header.get("authorization"), deps.admins(), deps.callers);
    if (!auth.ok) {
      deps.onFailure({ reason: auth.reason, rpc, remoteAddress });
      throw new ConnectError(`${rpc}: ${AUTH_FAILURE_MESSAGES[auth.reason]}`, Code.Unauthenticated);
    }
    const { principal } = auth;
    req.contextValues.set(principalKey, principal);
    const refuse = (request: unknown) => {
      const denied = authorise(policy, principal, request, rpc);
      if (denied === undefined) return;
      deps.onFailure({ reason: "permission_denied", rpc, remoteAddress });
      throw new ConnectError(denied, Code.PermissionDenied);
    };
    if (!req.stream) {
      refuse(req.message);
      return next(req);
    }
    return nextStream(req, principal, refuse, deps.holds, next as (req: StreamRequest) => Promise<StreamResponse>);
  };
}

/**
 * A streaming call (Watch): its one request message is read to check the
 * policy, then handed on; the call runs with a signal that also aborts when
 * its credential is revoked, so the handler ends the stream with
 * UNAUTHENTICATED as it ends one at shutdown.
 */
async function nextStream(
  req: StreamRequest,
  principal: Principal,
  refuse: (request: unknown) => void,
  holds: CredentialHolds,
  next: (req: StreamRequest) => Promise<StreamResponse>,
): Promise<StreamResponse> {
  let messages: AsyncIterable<unknown> = req.message;
  // An admin may make any call: only a caller's request is read before the handler.
  if (principal.kind === "caller") {
    const it = req.message[Symbol.asyncIterator]();
    const first = await it.next();
    refuse(first.done === true ? undefined : first.value);
    messages = replay(first, it);
  }
  const hold = holds.hold(principal);
  const signal = AbortSignal.any([req.signal, hold.signal]);
  req.signal.addEventListener("abort", hold.release, { once: true });
  let res: StreamResponse;
  try {
    res = await next({ ...req, message: messages as StreamRequest["message"], signal });
  } catch (error) {
    hold.release();
    throw error;
  }
  return { ...res, message: releasing(res.message, hold.release) };
}

async function* replay<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncGenerator<T> {
  if (first.done === true) return;
  yield first.value;
  for (;;) {
    const item = await rest.next();
    if (item.done === true) return;
    yield item.value;
  }
}

async function* releasing<T>(messages: AsyncIterable<T>, release: () => void): AsyncGenerator<T> {
  try {
    yield* messages;
  } finally {
    release();
  }
}
