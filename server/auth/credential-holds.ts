import { Code, ConnectError } from "@connectrpc/connect";
import type { Principal } from "./principal.js";

/** A long call's hold on the credential it was admitted with. */
export interface CredentialHold {
  /** Aborted with UNAUTHENTICATED when the credential is revoked. */
  readonly signal: AbortSignal;
  /** The call has ended; idempotent. */
  release(): void;
}

/**
 * The credentials open Watch streams were admitted with, so that a stream
 * ends when its token stops being valid instead of outliving a rotation or an
 * admin token's removal.
 */
export interface CredentialHolds {
  hold(principal: Principal): CredentialHold;
  /** Ends every held call whose principal `revoked` picks, with `message` (UNAUTHENTICATED). */
  revoke(revoked: (principal: Principal) => boolean, message: string): number;
  size(): number;
}

export function createCredentialHolds(): CredentialHolds {
  const held = new Map<AbortController, Principal>();
  return {
    hold(principal) {
      const controller = new AbortController();
      held.set(controller, principal);
      return { signal: controller.signal, release: () => void held.delete(controller) };
    },
    revoke(revoked, message) {
      let ended = 0;
      for (const [controller, principal] of [...held]) {
        if (!revoked(principal)) continue;
        held.delete(controller);
        controller.abort(new ConnectError(message, Code.Unauthenticated));
        ended++;
      }
      return ended;
    },
    size: () => held.size,
  };
}
