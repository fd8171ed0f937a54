/**
 * The check itself: one TCP connect to host:port (docs/architecture.md, checking rule 3).
 *
 * Connected means up; the connection is then closed at once, by default with
 * an ordinary close (FIN), so the monitored application sees a client that
 * connects and hangs up rather than a "connection reset" at every check. The
 * side that closes first keeps the connection in TIME_WAIT for a minute; with
 * FIN that is the monitor, which is why a service (or the server, with
 * `--tcp-close reset`) can choose an abortive close (RST) instead: no
 * TIME_WAIT anywhere, at the cost of the reset the application sees. The
 * figures for both are in docs/benchmarks.md.
 *
 * Refused, reset, unreachable, unresolvable or timed out means down, with a
 * `detail` saying which. So is a self-connect: on loopback, a connect to a
 * closed port inside the ephemeral range can be given that same port as its
 * local port and "connect" to itself (TCP simultaneous open), which would
 * otherwise read as up. A failure is a value: the probe never rejects, so the
 * scheduler needs no try/catch per check.
 *
 * The name is resolved by the injected resolver (the TTL-honouring DNS
 * cache), and `net.connect` is given the resulting address, so no
 * `getaddrinfo` runs per check (checking rule 5).
 *
 * Per-check cost is kept small: one state object per check, shared listener
 * functions (`this` is the socket, which points back at its check), and
 * timers that receive their check or socket as an argument, so no closures
 * are created per check beyond the promise executor.
 */

import { connect, type Socket, type TcpNetConnectOpts } from "node:net";
import { performance } from "node:perf_hooks";
import type { CheckResult, Millis, TcpCloseMode } from "../domain/types.js";
import type { ResolveResult } from "./dns-cache.js";

/** What to check. `timeoutMs` bounds resolution and connect together. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  /**
   * How to close once connected: the service's `probe.closeMode`. Absent or
   * undefined: the probe's default (the server's `--tcp-close`).
   */
  readonly closeMode?: TcpCloseMode | undefined;
}

/** Seams: name resolution (normally the DNS cache), the wall clock for `at`, the server's default close. */
export interface TcpProbeOptions {
  /** Must not reject; a rejection is still caught and reported as down. */
  readonly resolve: (host: string) => Promise<ResolveResult>;
  /** Wall clock for `CheckResult.at`. Default `Date.now`. */
  readonly now?: () => Millis;
  /** Close mode of targets that name none (`--tcp-close`). Default "fin". */
  readonly closeMode?: TcpCloseMode;
  /**
   * Opens the socket. Default `net.connect`; a seam for tests, e.g. to bind
   * the local port to the target port and so provoke a real self-connect.
   */
  readonly connect?: (options: TcpNetConnectOpts) => Socket;
}

/** The `detail` of a check that connected to itself: nothing listens there. */
export const SELF_CONNECT_DETAIL = "connection refused (self-connect)";

/**
 * How long a FIN-closed connection may wait for the peer's own FIN before the
 * socket is destroyed anyway. Ordinary servers answer EOF with a close at once;
 * the bound keeps one that does not from holding a file descriptor per check.
 * Destroying then still sends no RST (nothing unread is left: the socket
 * discards what the peer sends), the kernel finishes the close on its own.
 */
export const FIN_CLOSE_BOUND_MS = 1_000;

/**
 * True when a connected socket's two ends are the same address and port: a
 * TCP simultaneous open with itself, which only happens when nothing listens
 * on that port (a listener would hold it, so the kernel could not pick it as
 * the local port). Exported so the rule is tested on its own as well.
 */
export function isSelfConnect(socket: {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}): boolean {
  return (
    socket.localPort !== undefined &&
    socket.localPort === socket.remotePort &&
    socket.localAddress !== undefined &&
    socket.localAddress === socket.remoteAddress
  );
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
/** The bound on a FIN close in progress (FIN_CLOSE_BOUND_MS). */
const kCloseTimer = Symbol("probe.closeTimer");

interface ProbeSocket extends Socket {
  [kCheck]?: Check | undefined;
  [kCloseTimer]?: NodeJS.Timeout | undefined;
}

/**
 * What to do with the socket when a check ends: "fin" and "reset" close a
 * connected one, "destroy" drops one that never connected (or failed).
 */
type SocketEnd = TcpCloseMode | "destroy";

/**
 * An ordinary close: FIN now, then read and discard whatever the peer still
 * sends (a banner, say: unread data would turn the close into an RST) until
 * its FIN arrives and the socket closes by itself (allowHalfOpen is off), or
 * until FIN_CLOSE_BOUND_MS.
 */
function closeWithFin(socket: ProbeSocket): void {
  socket.on("close", onClosed);
  socket.end();
  socket.resume();
  const timer = setTimeout(destroyLingering, FIN_CLOSE_BOUND_MS, socket);
  timer.unref();
  socket[kCloseTimer] = timer;
}

function onClosed(this: ProbeSocket): void {
  const timer = this[kCloseTimer];
  if (timer !== undefined) {
    clearTimeout(timer);
    this[kCloseTimer] = undefined;
  }
}

function destroyLingering(socket: ProbeSocket): void {
  socket[kCloseTimer] = undefined;
  socket.destroy();
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
    readonly closeMode: TcpCloseMode,
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
  finish(status: "up" | "down", detail: string, end: SocketEnd = "destroy"): void {
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
      if (end === "fin") closeWithFin(socket);
      else if (end === "reset") socket.resetAndDestroy();
      else socket.destroy();
    }
    this.settle({ status, at: this.at, latencyMs, detail });
  }
}

function onConnect(this: ProbeSocket): void {
  const check = this[kCheck];
  if (check === undefined) {
    // Finished meanwhile (timer; normally the socket is destroyed then, so
    // this does not fire): close as an up check would.
    this.destroy();
    return;
  }
  // Reset, never FIN: the socket holds the very port the service should
  // listen on, and an RST frees it at once, with no TIME_WAIT on it.
  if (isSelfConnect(this)) check.finish("down", SELF_CONNECT_DETAIL, "reset");
  else check.finish("up", "", check.closeMode);
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
type Connect = (options: TcpNetConnectOpts) => Socket;

async function run(check: Check, resolve: (host: string) => Promise<ResolveResult>, open: Connect): Promise<void> {
  try {
    await resolveAndConnect(check, resolve, open);
  } catch (error) {
    // Not expected (every known failure is handled below); keeps the promise
    // from rejecting unhandled and the check from hanging until its timer.
    check.finish("down", describeConnectError(error, check.timeoutMs));
  }
}

async function resolveAndConnect(
  check: Check,
  resolve: (host: string) => Promise<ResolveResult>,
  open: Connect,
): Promise<void> {
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
    socket = open({ host: resolved.address, port: check.port, family: resolved.family, noDelay: true });
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
  const defaultClose = options.closeMode ?? "fin";
  const open = options.connect ?? connect;
  return (target) => {
    const closeMode = target.closeMode ?? defaultClose;
    const check = new Check(target.host, target.port, target.timeoutMs, closeMode, now(), performance.now());
    check.timer = setTimeout(onTimeout, target.timeoutMs, check);
    void run(check, resolve, open);
    return check.result;
  };
}
