import { isLoopbackHost } from "../metrics/is-loopback-host.js";

export type AuthMode =
  | { readonly kind: "auth" }
  /** No auth, on loopback: only this machine can reach the port. */
  | { readonly kind: "open_loopback" }
  /** No auth on a reachable address, as --insecure-no-auth asked: warn at every start. */
  | { readonly kind: "open_insecure"; readonly warning: string }
  | { readonly kind: "refuse"; readonly message: string };

/**
 * Whether the server may start: an address reachable from the network
 * without auth would let anyone who reaches it unregister every service or
 * read every caller's stream, so that needs --insecure-no-auth, said out loud.
 */
export function decideAuthMode(input: { readonly host: string; readonly authConfigured: boolean; readonly insecureNoAuth: boolean }): AuthMode {
  if (input.authConfigured) return { kind: "auth" };
  if (isLoopbackHost(input.host)) return { kind: "open_loopback" };
  if (input.insecureNoAuth) {
    return {
      kind: "open_insecure",
      warning: `--insecure-no-auth: serving ${input.host} without authentication; anyone who reaches this address can manage every service and read every caller's stream`,
    };
  }
  return {
    kind: "refuse",
    message:
      `refusing to listen on ${input.host} without authentication: that address is reachable from the network. ` +
      "Set admin tokens with MONITOR_ADMIN_TOKENS or --admin-tokens-file FILE, listen on a loopback address, " +
      "or pass --insecure-no-auth to serve it unauthenticated anyway",
  };
}
