/**
 * The attacker of scenario 7, in its own process so its CPU (thousands of
 * streams opened, framed and parsed by hand) does not share an event loop
 * with the client that measures ListServices. Driven over IPC by
 * bench/scenarios/watch-attacks.ts; every time it reports is its own performance.now()
 * difference, never compared with another process's clock.
 */
import type { ClientHttp2Session } from "node:http2";
import { serveRequests } from "./child-worker.js";
import { openRawSession, openRawWatch, type RawWatch, type RawWatchEnd } from "./raw-watch.js";

export type WatchAttackerRequest =
  /** Opens `streams` Watch streams of one caller, round-robin over `connections` sessions, all at once. */
  | { readonly id: number; readonly op: "flood"; readonly baseUrl: string; readonly callerId: string; readonly streams: number; readonly connections: number }
  /**
   * Opens `streamsPerCaller` paused streams per caller (they never read a
   * byte), `streamsPerConnection` to a session whose per-stream window is
   * `windowBytes`; answers once every stream has its headers (or was refused).
   */
  | {
      readonly id: number;
      readonly op: "slow";
      readonly baseUrl: string;
      readonly callerIds: readonly string[];
      readonly streamsPerCaller: number;
      readonly streamsPerConnection: number;
      readonly windowBytes: number;
    }
  /**
   * Answers once every slow stream has ended (the driver makes the events
   * that fill their buffers), or after `timeoutMs`.
   */
  | { readonly id: number; readonly op: "cuts"; readonly timeoutMs: number }
  /** Closes every session (and so every stream) opened so far. */
  | { readonly id: number; readonly op: "release" };

/** How the flood was answered. */
export interface FloodResult {
  readonly admitted: number;
  /** RESOURCE_EXHAUSTED naming the per-caller limit (refused by the handler). */
  readonly refusedByCaller: number;
  /** RESOURCE_EXHAUSTED naming the per-connection limit (refused before connect). */
  readonly refusedByConnection: number;
  /** Any other status, e.g. RESOURCE_EXHAUSTED from HTTP/2's stream limit; by "status: message". */
  readonly refusedOther: Readonly<Record<string, number>>;
  /** Streams that closed without a status or a message (reset). */
  readonly closedUnanswered: number;
  /** From the first request to the last answer, ms. */
  readonly allAnsweredMs: number;
  /** Each stream's answer time from the first request, ms. */
  readonly answerMs: readonly number[];
}

export interface SlowResult {
  readonly opened: number;
  readonly refused: number;
  readonly connections: number;
}

export interface CutsResult {
  /** Slow streams cut as the server should: RST_STREAM(ENHANCE_YOUR_CALM), or grpc-status RESOURCE_EXHAUSTED. */
  readonly cut: number;
  /** Slow streams that ended any other way, by how. */
  readonly otherEnds: Readonly<Record<string, number>>;
  /** Slow streams still open when the wait ended (only on timeout). */
  readonly notCut: number;
  /** Each cut stream's end, ms after the request arrived (when the driver started the events). */
  readonly cutAfterMs: readonly number[];
  readonly waitedMs: number;
}

export interface WatchAttackerResults {
  readonly flood: FloodResult;
  readonly slow: SlowResult;
  readonly cuts: CutsResult;
  readonly release: null;
}

const RESOURCE_EXHAUSTED = 8;
const NGHTTP2_ENHANCE_YOUR_CALM = 11;

const sessions: ClientHttp2Session[] = [];
let slowStreams: RawWatch[] = [];

async function flood(baseUrl: string, callerId: string, streams: number, connections: number): Promise<FloodResult> {
  const opened = await Promise.all(Array.from({ length: connections }, () => openRawSession(baseUrl)));
  sessions.push(...opened);
  const begun = performance.now();
  // Admitted streams read (they are live watchers); all are opened in one burst.
  const watches = Array.from({ length: streams }, (_, i) => openRawWatch(opened[i % connections]!, callerId, { read: true }));
  const answers = await Promise.all(watches.map((w) => w.answered));
  let admitted = 0;
  let refusedByCaller = 0;
  let refusedByConnection = 0;
  let closedUnanswered = 0;
  const refusedOther: Record<string, number> = {};
  for (const a of answers) {
    if (a.kind === "admitted") admitted++;
    else if (a.kind === "closed") closedUnanswered++;
    else if (a.grpcStatus === RESOURCE_EXHAUSTED && a.grpcMessage.startsWith(`caller "${callerId}" already has`)) refusedByCaller++;
    else if (a.grpcStatus === RESOURCE_EXHAUSTED && a.grpcMessage.startsWith("this connection already has")) refusedByConnection++;
    else {
      const key = `${a.grpcStatus}: ${a.grpcMessage.slice(0, 80)}`;
      refusedOther[key] = (refusedOther[key] ?? 0) + 1;
    }
  }
  const answerMs = answers.map((a) => a.at - begun);
  return {
    admitted,
    refusedByCaller,
    refusedByConnection,
    refusedOther,
    closedUnanswered,
    allAnsweredMs: Math.max(...answerMs),
    answerMs,
  };
}

async function slow(request: Extract<WatchAttackerRequest, { op: "slow" }>): Promise<SlowResult> {
  const { baseUrl, callerIds, streamsPerCaller, streamsPerConnection, windowBytes } = request;
  const streams: RawWatch[] = [];
  let session: ClientHttp2Session | undefined;
  let connections = 0;
  for (const callerId of callerIds) {
    for (let i = 0; i < streamsPerCaller; i++) {
      if (streams.length % streamsPerConnection === 0) {
        session = await openRawSession(baseUrl, windowBytes);
        sessions.push(session);
        connections++;
      }
      streams.push(openRawWatch(session!, callerId, { read: false }));
    }
  }
  const answers = await Promise.all(streams.map((w) => w.answered));
  slowStreams = streams.filter((_, i) => answers[i]!.kind === "admitted");
  return { opened: slowStreams.length, refused: streams.length - slowStreams.length, connections };
}

async function cuts(timeoutMs: number): Promise<CutsResult> {
  const begun = performance.now();
  const ends: RawWatchEnd[] = [];
  const all = Promise.all(slowStreams.map((w) => w.ended.then((end) => void ends.push(end))));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  let cut = 0;
  const otherEnds: Record<string, number> = {};
  const cutAfterMs: number[] = [];
  for (const end of ends) {
    if (end.rstCode === NGHTTP2_ENHANCE_YOUR_CALM || end.grpcStatus === RESOURCE_EXHAUSTED) {
      cut++;
      cutAfterMs.push(end.at - begun);
    } else {
      const key = `rst ${end.rstCode}, status ${end.grpcStatus}: ${end.grpcMessage.slice(0, 80)}`;
      otherEnds[key] = (otherEnds[key] ?? 0) + 1;
    }
  }
  return { cut, otherEnds, notCut: slowStreams.length - ends.length, cutAfterMs, waitedMs: performance.now() - begun };
}

serveRequests<WatchAttackerRequest>(async (request) => {
  switch (request.op) {
    case "flood":
      return flood(request.baseUrl, request.callerId, request.streams, request.connections);
    case "slow":
      return slow(request);
    case "cuts":
      return cuts(request.timeoutMs);
    case "release":
      for (const session of sessions.splice(0)) session.destroy();
      slowStreams = [];
      return null;
  }
});
