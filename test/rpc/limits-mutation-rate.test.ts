import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { refusalOf } from "../support/refusal.js";

/** --max-mutation-rate over the RPCs, on the manual clock: per client, mutations only. */

let m: InMemoryMonitor | undefined;
afterEach(() => m?.close());


const ADMIN_A = "admin-token-a-for-the-rate-test";
const ADMIN_B = "admin-token-b-for-the-rate-test";
const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe("mutation rate limit", () => {
  it("refuses mutations past the burst with RESOURCE_EXHAUSTED and a retry delay, never reads, and refills with time", async () => {
    m = await createInMemoryMonitor({ mutationRate: { ratePerSecond: 2, burst: 3 } });
    for (const port of [1, 2, 3]) await m.management.registerService({ host: "db.internal", port });
    const error = await refusalOf(m.management.registerService({ host: "db.internal", port: 4 }));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toBe("mutation rate limit: 2 per second (burst 3) per client; retry after 500 ms");
    expect(m.registry.listServices()).toHaveLength(3);
    // Reads are not counted.
    for (let i = 0; i < 10; i++) await m.management.listServices({});
    await m.time.advance(500);
    await m.management.registerService({ host: "db.internal", port: 4 });
    expect(m.registry.listServices()).toHaveLength(4);
  });

  it("gives each authenticated principal its own budget", async () => {
    m = await createInMemoryMonitor({ auth: { adminTokens: [ADMIN_A, ADMIN_B] }, mutationRate: { ratePerSecond: 1, burst: 1 } });
    await m.management.registerCaller({ callerId: "a" }, as(ADMIN_A));
    expect((await refusalOf(m.management.registerCaller({ callerId: "a2" }, as(ADMIN_A)))).code).toBe(Code.ResourceExhausted);
    await m.management.registerCaller({ callerId: "b" }, as(ADMIN_B));
    // A call refused by auth costs no budget: it never reaches the limiter.
    expect((await refusalOf(m.management.registerCaller({ callerId: "x" }))).code).toBe(Code.Unauthenticated);
    expect(m.registry.listCallers().map((c) => c.id)).toEqual(["a", "b"]);
  });
});
