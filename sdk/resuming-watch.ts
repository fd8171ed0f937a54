import { Code, ConnectError } from "@connectrpc/connect";
import { acceptResponse, resumeRequest, type ResumePosition, type ResumeRequest } from "./accept-response.js";
import { backoffDelay, checkBackoff, type BackoffOptions } from "./backoff.js";
import type { WatchResponse } from "./gen/monitor/v1/watch_service_pb.js";
import { isRetryable } from "./retry-policy.js";
import { tlsVerificationFailure } from "./tls-verification-failure.js";

/** Options of {@link MonitorClient.watch}. */
export interface WatchOptions {
  /**
   * Resume after this sequence: the `sequence` of the last event the consumer
   * handled (e.g. saved before a restart). 0 (the default) starts with a
   * Snapshot of every subscription.
   */
  readonly afterSequence?: bigint | number;
  /** Aborting it closes the stream and ends the iteration (without an error). */
  readonly signal?: AbortSignal;
  /** Waits between reconnects; {@link DEFAULT_BACKOFF} unless given. */
  readonly backoff?: BackoffOptions;
  /**
   * Called before each wait to reconnect, e.g. to log it. An exception
   * thrown here ends the watch with that exception.
   */
  readonly onReconnect?: (info: ReconnectInfo) => void;
}

/** What {@link WatchOptions.onReconnect} is told. */
export interface ReconnectInfo {
  /** Why the stream ended; `undefined` if the server closed it without an error. */
  readonly error: ConnectError | undefined;
  /** 1 for the first reconnect after a stream that delivered something, then 2, 3, … */
  readonly attempt: number;
  /** How long the watch waits before reconnecting. */
  readonly delayMs: number;
  /** The `after_sequence` the next stream asks for. */
  readonly afterSequence: bigint;
  /** Whether it asks for every event from #1 (after a snapshot at sequence 0, and nothing since). */
  readonly replayFromStart: boolean;
}

/**
 * A watch that survives reconnects: an async iterable (and iterator) of
 * WatchResponse, each event exactly once and in order. Single use: iterate it
 * once; `break` or `return()` closes the stream.
 */
export interface ResumingWatch extends AsyncIterable<WatchResponse> {
  next(): Promise<IteratorResult<WatchResponse, undefined>>;
  /** Closes the stream and ends the iteration at once, even while a `next()` is pending. */
  return(): Promise<IteratorResult<WatchResponse, undefined>>;
  [Symbol.asyncIterator](): ResumingWatch;
}

/** The I/O a resuming watch needs; tests replace each part. */
export interface ResumingWatchDeps {
  /** Opens one Watch stream; aborting `signal` must end it. */
  openStream(request: { readonly callerId: string } & ResumeRequest, signal: AbortSignal): AsyncIterable<WatchResponse>;
  /** Waits `ms`, or less if `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** [0, 1), for the backoff jitter. */
  random(): number;
  /** The owner's signal (a client's close()): aborting it ends the watch like the consumer's signal. */
  readonly closed?: AbortSignal;
}

/**
 * Watches `callerId`'s events across reconnects. A stream that ends with a
 * retryable error ({@link isRetryable}) or without one is reopened after a
 * backoff with `after_sequence` = the last sequence yielded, so the server
 * replays what was missed (after a snapshot at sequence 0, with
 * `replay_from_start`: see {@link resumeRequest}); the backoff restarts from
 * its first step after a stream that delivered something. Any other error ends the iteration by
 * being thrown. See {@link acceptResponse} for what is passed on.
 *
 * @throws ConnectError (INVALID_ARGUMENT), at once, for a bad afterSequence or backoff.
 */
export function createResumingWatch(deps: ResumingWatchDeps, callerId: string, options: WatchOptions = {}): ResumingWatch {
  const backoff = checkBackoff(options.backoff);
  const start = checkAfterSequence(options.afterSequence);
  const stop = new AbortController();
  const sources = [options.signal, deps.closed].filter((s): s is AbortSignal => s !== undefined);
  const dispose = () => {
    for (const source of sources) source.removeEventListener("abort", onAbort);
  };
  // Also unhooks from the other signal: a long-lived client's must not keep an abandoned watch alive.
  const onAbort = () => {
    stop.abort();
    dispose();
  };
  for (const source of sources) source.addEventListener("abort", onAbort, { once: true });
  if (sources.some((s) => s.aborted)) onAbort();

  async function* run(): AsyncGenerator<WatchResponse, undefined, undefined> {
    let position: ResumePosition = { sequence: start, yielded: false };
    let failures = 0;
    try {
      while (!stop.signal.aborted) {
        let delivered = false;
        let error: ConnectError | undefined;
        const stream = deps.openStream({ callerId, ...resumeRequest(position) }, stop.signal)[Symbol.asyncIterator]();
        let finished = false;
        try {
          for (;;) {
            const result = await stream.next();
            if (result.done === true) break;
            delivered = true;
            if (!acceptResponse(position, result.value)) continue;
            position = { sequence: result.value.sequence, yielded: true };
            yield result.value;
          }
          finished = true;
        } catch (thrown) {
          finished = true;
          if (stop.signal.aborted) return undefined;
          error = ConnectError.from(thrown);
          if (!isRetryable(error)) throw withTlsReason(error);
        } finally {
          if (!finished) closeStream(stream);
        }
        if (stop.signal.aborted) return undefined;
        if (delivered) failures = 0;
        const delayMs = backoffDelay(failures, backoff, deps.random);
        failures++;
        options.onReconnect?.({ error, attempt: failures, delayMs, ...resumeRequest(position) });
        await deps.sleep(delayMs, stop.signal);
      }
      return undefined;
    } finally {
      dispose();
    }
  }

  const generator = run();
  const watch: ResumingWatch = {
    next: () => generator.next(),
    async return() {
      // Abort first: a pending next() (waiting for the server or in a
      // backoff) then finishes at once, and the queued return() right after.
      stop.abort();
      dispose();
      return generator.return(undefined);
    },
    [Symbol.asyncIterator]: () => watch,
  };
  return watch;
}

/**
 * Ends a stream the consumer left (break, return()) after `stop` aborted its
 * call. connect's stream iterators have no return(): only the signal cancels
 * the call, and its in-memory transport notices the abort only on a read, so
 * one more read (which fails with CANCELED) is made. Other iterators get
 * return(), as a for-await would call.
 */
function closeStream(stream: AsyncIterator<WatchResponse>): void {
  const settled = stream.return === undefined ? stream.next() : stream.return();
  settled.catch(() => undefined);
}

/**
 * A failed certificate check, said as one: "TLS: the certificate check
 * failed (CERT_HAS_EXPIRED): certificate has expired", the code kept. Other
 * errors unchanged.
 */
function withTlsReason(error: ConnectError): ConnectError {
  const code = tlsVerificationFailure(error);
  if (code === undefined) return error;
  return new ConnectError(`TLS: the certificate check failed (${code}): ${error.rawMessage}`, error.code, error.metadata, undefined, error.cause);
}

function checkAfterSequence(value: bigint | number | undefined): bigint {
  if (value === undefined) return 0n;
  if (typeof value === "number" ? Number.isSafeInteger(value) && value >= 0 : value >= 0n && value < 2n ** 64n) {
    return BigInt(value);
  }
  throw new ConnectError(`afterSequence: must be a whole number ≥ 0, got ${String(value)}`, Code.InvalidArgument);
}
