import { describe, expect, it } from "vitest";
import type { CheckRecord } from "../../server/domain/history-types.js";
import { createListener } from "../../simulator/index.js";
import { listAllCheckResults, msOf, type GrpcCheckResult, type GrpcCheckResultsPage } from "../support/history-rows.js";
import { seedHistory } from "../support/seed-history.js";
import { forEachBackend, startMonitorOn } from "../support/store-backends.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * ListCheckResults paging end to end (issue 11): 100,000 rows seeded into
 * the store before the server starts (through the backend's own history
 * store, in batches of 1,000), three to a millisecond timestamp so ties are
 * broken by id across page boundaries, then walked through grpc-js 1,000 at a
 * time while the server keeps checking the same service every second. Every
 * seeded row comes back exactly once, newest first, with no gap; rows written
 * during the walk are newer than the end the first page pinned and never
 * show up in it.
 */

const SEEDED = 100_000;
const PAGE_SIZE = 1000;
/** Seeded rows share timestamps in threes (1000 is not a multiple of 3: ties straddle pages). */
const PER_TIMESTAMP = 3;

const seedIndex = (r: GrpcCheckResult): number | undefined => {
  const match = /^seed-(\d+)$/.exec(r.detail);
  return match === null ? undefined : Number(match[1]);
};

describe.concurrent("ListCheckResults paging end to end", () => forEachBackend((backend) => {
  it("walks 100,000 seeded rows page by page while new rows arrive: each once, newest first, no gap, nothing past the pinned end", { timeout: 120_000 }, async ({ onTestFinished, onTestFailed }) => {
    const store = await backend.freshStore(onTestFinished);
    const listener = createListener({ name: "svc" });
    const port = await listener.up();
    onTestFinished(() => listener.close());

    // A first run makes the store (monitor.db, or the schema) and the service the rows belong to.
    const first = await startMonitorOn(store);
    onTestFinished(async () => void (await first.close()));
    const serviceId = await first.registerService(port, 1000);
    await waitUntil(async () => (await first.management.getService({ serviceId })).service?.state?.lastCheckTime !== undefined, 10_000, "a first check");
    expect(await first.close("SIGTERM")).toBe(0);

    // Older than anything the server wrote: a day ago, three rows a second-step timestamp.
    const baseMs = Date.now() - 86_400_000;
    const seededAt = (i: number) => baseMs + Math.floor(i / PER_TIMESTAMP) * 1000;
    const seedStarted = performance.now();
    await seedHistory(store, SEEDED, (i): CheckRecord => ({
      kind: "check",
      serviceId,
      at: seededAt(i),
      status: i % 7 === 0 ? "down" : "up",
      latencyMs: (i % 50) + 0.5,
      detail: `seed-${i}`,
      inOutage: false,
      maxSpanMs: 4000,
    }));
    console.log(`${backend.name}: seeded ${SEEDED} rows in ${Math.round(performance.now() - seedStarted)} ms`);

    const second = await startMonitorOn(store, ["--log-level", "debug"]);
    onTestFinished(async () => void (await second.close()));
    onTestFailed(() => console.log(`${backend.name} server log:\n${second.server.output().slice(-20_000)}`));
    const request = { service_id: serviceId, page_size: PAGE_SIZE };
    const walked: GrpcCheckResult[] = [];
    let pages = 0;
    const callMs: number[] = [];
    let token = "";
    const walkStarted = performance.now();
    do {
      const callStarted = performance.now();
      const page = await second.grpcJs.unary<GrpcCheckResultsPage>("management", "ListCheckResults", { ...request, page_token: token });
      callMs.push(Math.round(performance.now() - callStarted));
      expect(page.results.length).toBeLessThanOrEqual(PAGE_SIZE);
      walked.push(...page.results);
      token = page.next_page_token;
      pages += 1;
      if (pages === 1) {
        // Let the server write rows newer than this page's end before walking on.
        const newestSeen = msOf(page.results[0]!.check_time);
        await waitUntil(async () => {
          const newest = await second.grpcJs.unary<GrpcCheckResultsPage>("management", "ListCheckResults", { ...request, page_size: 1 });
          return newest.results.length === 1 && msOf(newest.results[0]!.check_time) > newestSeen + 1000;
        }, 15_000, "rows newer than the first page");
      }
    } while (token !== "");
    console.log(`${backend.name}: walked ${walked.length} rows in ${pages} pages in ${Math.round(performance.now() - walkStarted)} ms, slowest page ${Math.max(...callMs)} ms`);

    // Checked in plain loops, one expect per property: 100,000 expects (or a deep toEqual of 100,000
    // objects) keep this worker's event loop busy for seconds, long enough for the other backend's
    // concurrent calls to miss their deadlines.
    // Newest first throughout; the seeded rows exactly once each, in reverse order of insertion (ties by id, descending).
    const times = walked.map((r) => msOf(r.check_time));
    const newerThanBefore = times.findIndex((t, i) => i > 0 && t > times[i - 1]!);
    expect(newerThanBefore, `row ${newerThanBefore} is newer than the row before it`).toBe(-1);
    const seeded = walked.flatMap((r) => {
      const i = seedIndex(r);
      return i === undefined ? [] : [i];
    });
    expect(seeded.length).toBe(SEEDED);
    const outOfPlace = seeded.findIndex((i, k) => i !== SEEDED - 1 - k);
    expect(outOfPlace, `seeded row ${seeded[outOfPlace]} at position ${outOfPlace}`).toBe(-1);
    const wrongTime = walked.find((r) => {
      const i = seedIndex(r);
      return i !== undefined && msOf(r.check_time) !== seededAt(i);
    });
    expect(wrongTime).toBeUndefined();
    // The server's own rows of both runs are newer than the seeded ones, so they come first.
    const ownCount = walked.length - SEEDED;
    expect(ownCount).toBeGreaterThan(0);
    expect(walked.slice(0, ownCount).every((r) => seedIndex(r) === undefined)).toBe(true);
    expect(pages).toBe(Math.ceil(walked.length / PAGE_SIZE));

    // Listed afresh: rows past the walk's first row have been written since, and none of them was in the walk;
    // up to it, the fresh listing is exactly the walk.
    const { results: fresh } = await listAllCheckResults(second.grpcJs, request);
    const pinned = times[0]!;
    const newer = fresh.filter((r) => msOf(r.check_time) > pinned);
    expect(newer.length).toBeGreaterThan(0);
    const key = (r: GrpcCheckResult) => `${r.check_time.seconds}.${r.check_time.nanos} ${r.status} ${r.detail}`;
    const rest = fresh.slice(newer.length).map(key);
    expect(rest.length).toBe(walked.length);
    const differs = rest.findIndex((k, i) => k !== key(walked[i]!));
    expect(differs, `the fresh listing differs at ${differs}: ${rest[differs]} vs ${walked[differs] === undefined ? "" : key(walked[differs])}`).toBe(-1);
  });
}));
