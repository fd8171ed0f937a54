import type { Registry } from "../store/registry.js";

/**
 * Which caller a token hash belongs to, kept from the registry: built from
 * listCallers, then followed through its change events (registration,
 * rotation, unregistration, the config file).
 *
 * A hash-keyed lookup does not leak the token: the key is the SHA-256 of the
 * token the client presented, so whatever the map's timing could reveal is
 * about that digest, not about a stored token, and learning bits of a stored
 * token's digest does not help find the token (256 random bits, and SHA-256
 * has no known preimage attack).
 */
export interface CallerTokenIndex {
  callerOf(tokenHash: string): string | undefined;
  /** Called with every hash that stopped being valid (rotated, caller unregistered); returns a remover. */
  onRevoked(listener: (tokenHash: string) => void): () => void;
  close(): void;
}

export function createCallerTokenIndex(registry: Pick<Registry, "listCallers" | "onChange">): CallerTokenIndex {
  const byHash = new Map<string, string>();
  for (const caller of registry.listCallers()) {
    if (caller.tokenHash !== undefined) byHash.set(caller.tokenHash, caller.id);
  }
  const listeners = new Set<(tokenHash: string) => void>();
  const revoke = (hash: string | undefined) => {
    if (hash === undefined || !byHash.delete(hash)) return;
    for (const listener of listeners) listener(hash);
  };
  const stop = registry.onChange((change) => {
    switch (change.kind) {
      case "caller_added":
        if (change.caller.tokenHash !== undefined) byHash.set(change.caller.tokenHash, change.caller.id);
        return;
      case "caller_updated":
        if (change.previous.tokenHash !== change.caller.tokenHash) revoke(change.previous.tokenHash);
        if (change.caller.tokenHash !== undefined) byHash.set(change.caller.tokenHash, change.caller.id);
        return;
      case "caller_removed":
        revoke(change.caller.tokenHash);
        return;
      default:
        return;
    }
  });
  return {
    callerOf: (tokenHash) => byHash.get(tokenHash),
    onRevoked(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: stop,
  };
}
