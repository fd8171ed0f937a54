import { ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";
import { grpcCodeName } from "../../sdk/cli/grpc-code-name.js";
import type { SimListener } from "../../simulator/index.js";
import type { LiveMonitor } from "./live-monitor.js";
import { readEventLog } from "./read-event-log.js";
import { sleep } from "./wait-until.js";
import type { WatchRecorder } from "./watch-recorder.js";

/**
 * The load a store-fault test keeps on a running server while its database
 * fails and returns: a RegisterCaller every 50 ms, each id new, and a service
 * that goes up and down every 1.5 s, so that there are both mutations to
 * refuse and status changes to log (or not announce) at every moment.
 */
export interface StoreFaultLoad {
  /** Answers so far, by gRPC code name ("OK", "UNAVAILABLE", ...). */
  readonly answers: Map<string, number>;
  /** Caller ids whose registration was acknowledged (OK), in order. */
  readonly acknowledged: string[];
  /** Caller ids whose registration was refused, whatever the code. */
  readonly refused: string[];
  /** Ends both loops once their current step is done. */
  stop(): Promise<void>;
}

export function startStoreFaultLoad(monitor: LiveMonitor, flapping: SimListener): StoreFaultLoad {
  let stopped = false;
  const answers = new Map<string, number>();
  const acknowledged: string[] = [];
  const refused: string[] = [];
  const count = (code: string) => answers.set(code, (answers.get(code) ?? 0) + 1);
  const mutations = (async () => {
    for (let i = 0; !stopped; i++) {
      const callerId = `load-${i}`;
      try {
        await monitor.management.registerCaller({ callerId });
        acknowledged.push(callerId);
        count("OK");
      } catch (error) {
        refused.push(callerId);
        count(grpcCodeName(ConnectError.from(error).code));
      }
      await sleep(50);
    }
  })();
  const flaps = (async () => {
    while (!stopped) {
      await sleep(1_500);
      if (flapping.state() === "up") await flapping.down();
      else await flapping.up();
    }
  })();
  return {
    answers,
    acknowledged,
    refused,
    async stop() {
      stopped = true;
      await Promise.all([mutations, flaps]);
    },
  };
}

/**
 * Each caller's log, read back from `monitor`, is continuous (1..last, no
 * gap, no duplicate), and every status change `recorders[i]` delivered to
 * `callers[i]` is in it, alike: nothing was announced that was not logged.
 */
export async function expectLogsHoldWhatWasAnnounced(monitor: LiveMonitor, callers: readonly string[], recorders: readonly WatchRecorder[]): Promise<void> {
  for (const [i, caller] of callers.entries()) {
    const log = await readEventLog(monitor.watch, caller);
    expect(log.entries.map((e) => e.sequence)).toEqual(Array.from({ length: log.lastSequence }, (_, k) => k + 1));
    const delivered = recorders[i]!.changes();
    expect(new Set(delivered.map((e) => e.sequence)).size).toBe(delivered.length);
    for (const event of delivered) {
      const entry = log.entries[event.sequence - 1];
      expect(entry, `${caller}'s event ${event.sequence}`).toMatchObject({ kind: "status_change", serviceId: event.serviceId, what: event.status });
    }
  }
}

/** Every caller id the server lists, page by page. */
export async function callerIds(monitor: LiveMonitor): Promise<Set<string>> {
  const ids = new Set<string>();
  let pageToken = "";
  do {
    const page = await monitor.management.listCallers({ pageSize: 1_000, pageToken });
    for (const caller of page.callers) ids.add(caller.id);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return ids;
}
