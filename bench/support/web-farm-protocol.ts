/**
 * Messages between the bench driver and its web farm (a child process of
 * simulated HTTP and HTTPS services, web-farm-child.ts), over Node's IPC
 * channel. The farm's windows are the TCP farm's {@link FarmWindow}, with
 * one entry per *service* (a path on a shared listener) instead of per
 * listener, so measure.ts reads both alike.
 */
import type { FarmWindow } from "./farm-protocol.js";

export type WebFarmRequest =
  /** Opens `count` more listeners of `protocol` (up, 200 "ok"); answers with their origins. */
  | { readonly id: number; readonly op: "open"; readonly protocol: "http" | "https"; readonly count: number }
  /**
   * Starts a measurement window: requests for service paths
   * (`servicePath(0 … services − 1)`) are counted per service, with gaps
   * against checks `intervalMs` apart, from now on.
   */
  | { readonly id: number; readonly op: "window"; readonly intervalMs: number; readonly services: number }
  /** Ends the window (starting the next one) and answers with a {@link WebFarmWindow}. */
  | { readonly id: number; readonly op: "collect" }
  | { readonly id: number; readonly op: "close" };

/** Listeners just opened. */
export interface WebListenersOpened {
  /** `http://127.0.0.1:PORT` per listener, in order. */
  readonly origins: readonly string[];
  /** The HTTPS listeners' self-signed certificates (PEM), to be trusted by a client; empty for HTTP. */
  readonly certificates: readonly string[];
}

/**
 * One window: `accepts` counts every request at every listener (whatever
 * its path); `perListener` and `lateness` are per service path.
 */
export interface WebFarmWindow extends FarmWindow {
  /** TCP connections accepted in the window, all listeners together (TLS ones before their handshake). */
  readonly connections: number;
}

export interface WebFarmResults {
  readonly open: WebListenersOpened;
  readonly window: null;
  readonly collect: WebFarmWindow;
  readonly close: null;
}

/** The path that stands for service `index` on a shared listener: unique method + URL per service. */
export function servicePath(index: number): string {
  return `/s/${index}`;
}

/** The service index of a request target, or -1 for any other path. */
export function serviceIndexOfPath(path: string): number {
  if (!path.startsWith("/s/")) return -1;
  const index = Number(path.slice(3));
  return Number.isInteger(index) && index >= 0 ? index : -1;
}
