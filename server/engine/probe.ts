/**
 * The check itself: one TCP connect to host:port (DESIGN.md, checking rule 3).
 *
 * Connected means up; the connection is then closed at once with a reset
 * (RST) rather than a FIN, because the side that closes with FIN keeps the
 * socket in TIME_WAIT for a minute, and thousands of checks per second would
 * pile up tens of thousands of those and exhaust ephemeral ports. Refused,
 * reset, unreachable, unresolvable or timed out means down, with a `detail`
 * saying which. A failure is a value: the probe never rejects, so the
 * scheduler needs no try/catch per check.
 *
 * The name is resolved by the injected resolver (the TTL-honouring DNS
 * cache), and `net.connect` is given the resulting address, so no
 * `getaddrinfo` runs per check (checking rule 5).
 *
 * Per-check cost is kept small: one state object per check, shared listener
 * functions (`this` is the socket, which points back at its check), and a
 * timer that receives its check as an argument, so no closures are created
 * per check beyond the promise executor.
 */

import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { CheckResult, Millis } from "../domain/types.js";
import type { ResolveResult } from "./dns-cache.js";

/** What to check. `timeoutMs` bounds resolution and connect together. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
}

/** Seams: name resolution (normally the DNS cache) and the wall clock for `at`. */
export interface TcpProbeOptions {
  /** Must not reject; a rejection is still caught and reported as down. */
  readonly resolve: (host: string) => Promise<ResolveResult>;
  /** Wall clock for `CheckResult.at`. Default `Date.now`. */
  readonly now?: () => Millis;
}

/** Runs one check. Never rejects. */
export type TcpProbe = (target: ProbeTarget) => Promise<CheckResult>;

/**
 * Turns a connect error into the check's `detail`. Exported so the wording,
 * which callers see in notifications, is tested for codes a loopback test
 * cannot provoke (reset, unreachable).
 */
export function describeConnectError(error: unknown, timeoutMs: number): string {
  const code =
    typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
      ? error.code
      : undefined;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "EHOSTUNREACH":
      return "host unreachable";
    case "ENETUNREACH":
      return "network unreachable";
    case "EADDRNOTAVAIL":
      return "address not available";
    case "ETIMEDOUT":
      return timedOut(timeoutMs);
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return code === undefined ? message : `${code}: ${message}`;
    }
  }
}

function timedOut(timeoutMs: number): string {
  return `timed out after ${timeoutMs} ms`;
}

/** Where a socket finds its check, without a closure per socket. */
const kCheck = Symbol("probe.check");

interface ProbeSocket extends Socket {
  [kCheck]?: Check | undefined;
}

/** The state of one check, from start to its single result. */
class Check {
  done = false;
  socket: ProbeSocket | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  readonly result: Promise<CheckResult>;
  private settle!: (result: CheckResult) => void;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly timeoutMs: number,
    readonly at: Millis,
    readonly started: number,
  ) {
    this.result = new Promise<CheckResult>((resolve) => {
      this.settle = resolve;
    });
  }

  /**
   * The only way a check ends: exactly once, whichever of connect, error,
   * DNS failure or timer comes first. Clears the timer and unlinks the socket;
   * the socket keeps its (shared) listeners, which ignore a finished check, so
   * a late 'error' after destroy is swallowed instead of crashing the process.
   */
  finish(status: "up" | "down", detail: string): void {
    if (this.done) return;
    this.done = true;
    const latencyMs = performance.now() - this.started;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const socket = this.socket;
    if (socket !== undefined) {
      this.socket = undefined;
      socket[kCheck] = undefined;
      if (status === "up") socket.resetAndDestroy();
      else socket.destroy();
    }
    this.settle({ status, at: this.at, latencyMs, detail });
  }
}

function onConnect(this: ProbeSocket): void {
  const check = this[kCheck];
  if (check === undefined) {
    // Finished meanwhile (timer): still close with RST, never with FIN.
    this.resetAndDestroy();
    return;
  }
  check.finish("up", "");
}

function onError(this: ProbeSocket, error: Error): void {
  const check = this[kCheck];
  if (check !== undefined) check.finish("down", describeConnectError(error, check.timeoutMs));
}

function onTimeout(check: Check): void {
  check.timer = undefined;
  check.finish("down", timedOut(check.timeoutMs));
}

/** Resolves, then connects; every outcome ends in `check.finish`. Never rejects. */
async function run(check: Check, resolve: (host: string) => Promise<ResolveResult>): Promise<void> {
  try {
    await resolveAndConnect(check, resolve);
  } catch (error) {
    // Not expected (every known failure is handled below); keeps the promise
    // from rejecting unhandled and the check from hanging until its timer.
    check.finish("down", describeConnectError(error, check.timeoutMs));
  }
}

async function resolveAndConnect(check: Check, resolve: (host: string) => Promise<ResolveResult>): Promise<void> {
  let resolved: ResolveResult;
  try {
    resolved = await resolve(check.host);
  } catch (error) {
    check.finish("down", `cannot resolve ${check.host}: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  if (check.done) return; // timed out while resolving
  if (!resolved.ok) {
    check.finish("down", resolved.detail);
    return;
  }
  let socket: ProbeSocket;
  try {
    // An IP address as host: net does no lookup of its own.
    socket = connect({ host: resolved.address, port: check.port, family: resolved.family, noDelay: true });
  } catch (error) {
    // Synchronous argument errors, e.g. a port out of range.
    check.finish("down", describeConnectError(error, check.timeoutMs));
    return;
  }
  socket[kCheck] = check;
  check.socket = socket;
  socket.on("connect", onConnect);
  socket.on("error", onError);
}

/**
 * Creates the probe. Stateless between checks, so one probe serves every
 * service and any number of concurrent checks.
 */
export function createTcpProbe(options: TcpProbeOptions): TcpProbe {
  const resolve = options.resolve;
  const now = options.now ?? Date.now;
  return (target) => {
    const check = new Check(target.host, target.port, target.timeoutMs, now(), performance.now());
    check.timer = setTimeout(onTimeout, target.timeoutMs, check);
    void run(check, resolve);
    return check.result;
  };
}
