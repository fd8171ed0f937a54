import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimListener } from "../../simulator/index.js";
import { monitorctlAgainst } from "../support/run-monitorctl-in-process.js";
import { createReservedPortListener } from "../support/reserved-port-listener.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * monitorctl history and stats end to end: the real server checks a real
 * listener every second, its history writer keeps the results, and the
 * commands read them back.
 */

let server: SpawnedServer;
let listener: SimListener;
let port: number;
beforeAll(async () => {
  server = await spawnServer();
  ({ listener, port } = await createReservedPortListener());
});
afterAll(async () => {
  await server.stop("SIGKILL");
  await listener.close();
});

const { ctl, ok } = monitorctlAgainst(() => `127.0.0.1:${server.port}`);
const ndjson = (text: string) => text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

describe("monitorctl history and stats against the server", () => {
  it("lists a service's checks newest first and reports its stats; subscribe sets an availability alert rule", async () => {
    const id = /svc_\w+/.exec(await ok(["services", "add", `127.0.0.1:${port}`, "--interval", "1s"]))![0];
    expect(await ctl(["history", id])).toMatchObject({ code: 0, stderr: "" });

    await ok(["callers", "add", "e2e"]);
    expect(await ok(["subscribe", "e2e", id, "--interval", "1s", "--alert-window", "10s", "--alert-threshold", "50%"])).toBe(
      `e2e subscribed to ${id}: every 1s, grace 0s, availability alert below 50% over 10s\n`,
    );
    expect(await ok(["subscriptions", "ls", "--caller", "e2e"])).toMatch(new RegExp(`e2e +${id} +1s +0s +below 50% over 10s\n$`));

    // The writer appends about once a second: wait for a few checks to be kept.
    await waitUntil(async () => ndjson(await ok(["history", id, "--json"])).length >= 3, 15_000, "3 checks in the history");
    const limited = await ctl(["history", id, "--json", "--limit", "2"]);
    expect(limited).toMatchObject({ code: 0, stderr: "the 2 newest shown; --limit N shows more, --start/--end a narrower window\n" });
    const rows = ndjson(limited.stdout);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ status: "SERVICE_STATUS_UP" });
    expect(Date.parse(rows[0]!["checkTime"] as string)).toBeGreaterThan(Date.parse(rows[1]!["checkTime"] as string));
    expect(await ok(["history", id, "--since", "1h", "--status", "down"])).toBe("TIME  STATUS  LATENCY  DETAIL\n");
    expect((await ctl(["history", id, "--limit", "1"])).stdout).toMatch(/^TIME +STATUS +LATENCY +DETAIL\n\S+Z +UP +\d+(\.\d\d)?ms\n$/);

    const { stats } = JSON.parse(await ok(["stats", id, "--window", "1h", "--json"])) as { stats: Record<string, unknown> };
    expect(stats).toMatchObject({ serviceId: id, availability: 1 });
    expect(Number(stats["checks"])).toBeGreaterThanOrEqual(3);
    const page = await ok(["stats", id, "--window", "1h"]);
    expect(page).toContain(`Service:       ${id}\n`);
    expect(page).toContain("Availability:  100.000%\n");
    expect(page).toMatch(/\nNow: +up for \S+, no failure in the history\n/);

    expect(await ctl(["stats", "svc_nope"])).toMatchObject({ code: 1, stderr: expect.stringContaining("monitorctl: NOT_FOUND:") });
  });
});
