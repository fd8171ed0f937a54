import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { WatchResponse } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createResumingWatch, type ReconnectInfo, type ResumingWatchDeps, type WatchOptions } from "../../sdk/resuming-watch.js";
import { changeAt, label, pauseAt, snapshotAt } from "./watch-responses.js";

/** How one scripted stream goes: what it sends, then how it ends ("hang": open until aborted). */
interface Connection {
  readonly send: readonly WatchResponse[];
  readonly end?: ConnectError | "hang";
}

const fromServer = (code: Code, message = "server says no") =>
  new ConnectError(message, code, new Headers({ "content-type": "application/grpc" }));
const broken = (code: Code) => new ConnectError("http/2 stream closed with error code CANCEL (0x8)", code);

/**
 * Streams that follow a script, one connection per open; a sleep that
 * records its delay and returns at once (or, with `holdSleep`, waits for the
 * abort); a fixed random. Nothing here waits for real time.
 */
function scripted(connections: Connection[], options: { holdSleep?: boolean } = {}) {
  /** Each request's after_sequence, as "0 from start" if it also asks for replay_from_start. */
  const requests: Array<bigint | string> = [];
  const delays: number[] = [];
  let open = 0;
  let sleeping = 0;
  const waitForAbort = (signal: AbortSignal) =>
    new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
  const deps: ResumingWatchDeps = {
    openStream(request, signal) {
      requests.push(request.replayFromStart ? `${request.afterSequence} from start` : request.afterSequence);
      const connection = connections.shift() ?? { send: [], end: "hang" as const };
      return (async function* () {
        open++;
        try {
          for (const response of connection.send) yield response;
          if (connection.end === "hang") {
            await waitForAbort(signal);
            throw new ConnectError("operation was aborted", Code.Canceled);
          }
          if (connection.end !== undefined) throw connection.end;
        } finally {
          open--;
        }
      })();
    },
    async sleep(ms, signal) {
      delays.push(ms);
      if (options.holdSleep !== true) return;
      sleeping++;
      await waitForAbort(signal);
      sleeping--;
    },
    random: () => 0.5,
  };
  return { deps, requests, delays, openStreams: () => open, sleeping: () => sleeping };
}

const backoff = { initialMs: 100, maxMs: 1000 };

/** Lets the scripted streams and the watch run as far as they can without the test. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function take(watch: AsyncIterable<WatchResponse>, count: number): Promise<string[]> {
  const seen: string[] = [];
  if (count === 0) return seen;
  for await (const response of watch) {
    seen.push(label(response));
    if (seen.length === count) break;
  }
  return seen;
}

describe("createResumingWatch", () => {
  it("resumes after the last yielded sequence and passes each event once, in order", async () => {
    const script = scripted([
      { send: [snapshotAt(0), changeAt(1), changeAt(2)], end: broken(Code.Canceled) },
      { send: [changeAt(2), changeAt(3)], end: fromServer(Code.ResourceExhausted) }, // #2 replayed once too often
      { send: [changeAt(4)], end: fromServer(Code.Unavailable, "server is shutting down") },
      { send: [changeAt(5)] }, // ended cleanly: reconnect too
      { send: [changeAt(6)], end: "hang" },
    ]);
    const reconnects: ReconnectInfo[] = [];
    const watch = createResumingWatch(script.deps, "bot", { backoff, onReconnect: (info) => reconnects.push(info) });
    expect(await take(watch, 7)).toEqual(["#0 snapshot", "#1 statusChange", "#2 statusChange", "#3 statusChange", "#4 statusChange", "#5 statusChange", "#6 statusChange"]);
    expect(script.requests).toEqual([0n, 2n, 3n, 4n, 5n]);
    expect(reconnects.map((r) => [r.error?.code, r.afterSequence, r.attempt])).toEqual([
      [Code.Canceled, 2n, 1],
      [Code.ResourceExhausted, 3n, 1],
      [Code.Unavailable, 4n, 1],
      [undefined, 5n, 1],
    ]);
    expect(script.openStreams()).toBe(0);
  });

  it("passes ServicePaused and ServiceResumed on like any event: once each, in order, resumed after", async () => {
    const script = scripted([
      { send: [snapshotAt(0), changeAt(1), pauseAt(2)], end: broken(Code.Canceled) },
      { send: [pauseAt(2), pauseAt(3, true), changeAt(4)], end: "hang" }, // #2 replayed once too often
    ]);
    const watch = createResumingWatch(script.deps, "bot", { backoff });
    expect(await take(watch, 5)).toEqual(["#0 snapshot", "#1 statusChange", "#2 servicePaused", "#3 serviceResumed", "#4 statusChange"]);
    expect(script.requests).toEqual([0n, 2n]);
  });

  it("backs off further for each stream that delivered nothing, and starts over after one that did", async () => {
    const unavailable = { send: [], end: broken(Code.Unavailable) };
    const script = scripted([unavailable, unavailable, unavailable, { send: [snapshotAt(0)], end: broken(Code.Unavailable) }, unavailable, unavailable]);
    const watch = createResumingWatch(script.deps, "bot", { backoff: { initialMs: 100, maxMs: 300 } });
    expect(label((await watch.next()).value!)).toBe("#0 snapshot");
    // It came on the fourth stream, after waits of 50, 100, 150 (ceilings 100, 200, capped 300, × 0.5).
    expect(script.delays).toEqual([50, 100, 150]);
    const next = watch.next(); // the fourth stream fails, then two more; the seventh stays open
    await settle();
    expect(script.delays).toEqual([50, 100, 150, 50, 100, 150]);
    expect(script.requests).toHaveLength(7);
    await watch.return();
    await expect(next).resolves.toEqual({ done: true, value: undefined });
  });

  it.each([
    ["NOT_FOUND", fromServer(Code.NotFound, 'caller "ghost" not found')],
    ["INVALID_ARGUMENT", fromServer(Code.InvalidArgument)],
    ["PERMISSION_DENIED", fromServer(Code.PermissionDenied)],
    ["UNAUTHENTICATED", fromServer(Code.Unauthenticated)],
    ["FAILED_PRECONDITION", fromServer(Code.FailedPrecondition)],
    ["UNIMPLEMENTED", fromServer(Code.Unimplemented)],
    ["INTERNAL sent by the server", fromServer(Code.Internal)],
  ])("ends by throwing %s, which retrying cannot fix", async (_name, error) => {
    const script = scripted([{ send: [], end: broken(Code.Unavailable) }, { send: [snapshotAt(0)], end: error }]);
    const watch = createResumingWatch(script.deps, "ghost", { backoff });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const response of watch) seen.push(label(response));
      })(),
    ).rejects.toBe(error);
    expect(seen).toEqual(["#0 snapshot"]);
    expect(script.requests).toEqual([0n, 0n]);
    await expect(watch.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it("retries INTERNAL and UNKNOWN raised by a broken connection", async () => {
    const script = scripted([
      { send: [], end: broken(Code.Internal) },
      { send: [], end: broken(Code.Unknown) },
      { send: [snapshotAt(3)], end: "hang" },
    ]);
    expect(await take(createResumingWatch(script.deps, "bot", { backoff }), 1)).toEqual(["#3 snapshot"]);
    expect(script.requests).toEqual([0n, 0n, 0n]);
  });

  it("after a snapshot at sequence 0 and nothing since, resumes with replay_from_start, so the missed events come as events", async () => {
    const script = scripted([
      { send: [], end: broken(Code.Unavailable) }, // nothing yielded: start over with a snapshot
      { send: [snapshotAt(0)], end: broken(Code.Unavailable) }, // the log was empty; #1 and #2 are raised meanwhile
      { send: [changeAt(1), changeAt(2)], end: broken(Code.Unavailable) },
      { send: [changeAt(3)], end: "hang" },
    ]);
    const reconnects: ReconnectInfo[] = [];
    const watch = createResumingWatch(script.deps, "bot", { backoff, onReconnect: (info) => reconnects.push(info) });
    expect(await take(watch, 4)).toEqual(["#0 snapshot", "#1 statusChange", "#2 statusChange", "#3 statusChange"]);
    expect(script.requests).toEqual([0n, 0n, "0 from start", 2n]);
    expect(reconnects.map((r) => [r.afterSequence, r.replayFromStart])).toEqual([
      [0n, false],
      [0n, true],
      [2n, false],
    ]);

    // The same after a resync snapshot at 0 (the server's log was reset).
    const reset = scripted([{ send: [snapshotAt(0, true)], end: broken(Code.Unavailable) }, { send: [changeAt(1)], end: "hang" }]);
    expect(await take(createResumingWatch(reset.deps, "bot", { afterSequence: 7, backoff }), 2)).toEqual(["#0 snapshot resync", "#1 statusChange"]);
    expect(reset.requests).toEqual([7n, "0 from start"]);
  });

  it("passes a resync snapshot on and continues from its sequence, even a lower one", async () => {
    const script = scripted([
      { send: [changeAt(8), changeAt(9)], end: broken(Code.Unavailable) },
      { send: [snapshotAt(2, true), changeAt(3)], end: broken(Code.Unavailable) }, // the server lost its log
      { send: [changeAt(4)], end: "hang" },
    ]);
    const watch = createResumingWatch(script.deps, "bot", { afterSequence: 7, backoff });
    expect(await take(watch, 5)).toEqual(["#8 statusChange", "#9 statusChange", "#2 snapshot resync", "#3 statusChange", "#4 statusChange"]);
    expect(script.requests).toEqual([7n, 9n, 3n]);
  });

  it("break closes the open stream", async () => {
    const script = scripted([{ send: [snapshotAt(0), changeAt(1)], end: "hang" }]);
    expect(await take(createResumingWatch(script.deps, "bot"), 1)).toEqual(["#0 snapshot"]);
    expect(script.openStreams()).toBe(0);
  });

  it("return() ends a next() that waits for the server, and closes the stream", async () => {
    const script = scripted([{ send: [], end: "hang" }]);
    const watch = createResumingWatch(script.deps, "bot");
    const pending = watch.next();
    await settle();
    expect(script.openStreams()).toBe(1);
    await expect(watch.return()).resolves.toEqual({ done: true, value: undefined });
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    expect(script.openStreams()).toBe(0);
  });

  it.each([
    ["while a stream is open", { send: [snapshotAt(0)], end: "hang" } as Connection, false],
    ["while waiting to reconnect", { send: [snapshotAt(0)], end: broken(Code.Unavailable) } as Connection, true],
  ])("aborting the signal %s ends the iteration without an error", async (_when, connection, inBackoff) => {
    const script = scripted([connection], { holdSleep: true });
    const abort = new AbortController();
    const watch = createResumingWatch(script.deps, "bot", { signal: abort.signal });
    expect(label((await watch.next()).value!)).toBe("#0 snapshot");
    const pending = watch.next();
    await settle();
    expect(script.sleeping()).toBe(inBackoff ? 1 : 0);
    abort.abort();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    expect(script.openStreams()).toBe(0);
    expect(script.sleeping()).toBe(0);
  });

  it("the owner's signal (a client's close()) ends it too, and an aborted signal opens nothing", async () => {
    const closed = new AbortController();
    const script = scripted([{ send: [], end: "hang" }]);
    const watch = createResumingWatch({ ...script.deps, closed: closed.signal }, "bot");
    const pending = watch.next();
    await settle();
    closed.abort();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });

    const late = scripted([]);
    await expect(createResumingWatch(late.deps, "bot", { signal: AbortSignal.abort() }).next()).resolves.toEqual({ done: true, value: undefined });
    expect(late.requests).toEqual([]);
  });

  it("an exception from onReconnect ends the watch with it", async () => {
    const script = scripted([{ send: [], end: broken(Code.Unavailable) }]);
    const oops = new Error("logger broke");
    const watch = createResumingWatch(script.deps, "bot", {
      onReconnect: () => {
        throw oops;
      },
    });
    await expect(watch.next()).rejects.toBe(oops);
  });

  it.each<[WatchOptions, string]>([
    [{ afterSequence: -1 }, "afterSequence: must be a whole number ≥ 0, got -1"],
    [{ afterSequence: 1.5 }, "afterSequence: must be a whole number ≥ 0, got 1.5"],
    [{ afterSequence: 2n ** 64n }, "afterSequence: must be a whole number ≥ 0, got 18446744073709551616"],
    [{ backoff: { initialMs: 10, maxMs: 5 } }, "backoff.maxMs: must be a finite number ≥ initialMs (10), got 5"],
  ])("refuses %o at once", (options, message) => {
    expect(() => createResumingWatch(scripted([]).deps, "bot", options)).toThrow(
      expect.objectContaining({ code: Code.InvalidArgument, rawMessage: message }),
    );
  });
});
