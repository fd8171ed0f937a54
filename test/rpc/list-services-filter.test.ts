import { Code } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ServiceStatusFilter } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { refusalMessage } from "../support/refusal.js";

/** ListServices' filter and status_filter, alone, together and across pages. */

let m: InMemoryMonitor;
beforeEach(async () => {
  m = await createInMemoryMonitor();
});
afterEach(async () => {
  await m.close();
});

const refusal = (call: Promise<unknown>) => refusalMessage(call, Code.InvalidArgument);

/** Display names of the services ListServices answers, all pages of `pageSize`. */
async function names(filter: string, statusFilter = ServiceStatusFilter.UNSPECIFIED, pageSize = 0): Promise<string[]> {
  const seen: string[] = [];
  let pageToken = "";
  do {
    const res = await m.management.listServices({ filter, statusFilter, pageSize, pageToken });
    seen.push(...res.services.map((s) => s.displayName));
    pageToken = res.nextPageToken;
  } while (pageToken !== "");
  return seen;
}

/**
 * up-db (TCP 127.0.0.1:5432, up), down-cache (TCP cache.internal:6379, down),
 * new-queue (TCP [::1]:5672, never checked: its checks wait on a long interval),
 * Shop (HTTP https://shop.example/Health, up), paused-web (HTTP, up before it was paused).
 */
async function fleet() {
  m.answers.set(5432, "up");
  m.answers.set(443, "up");
  m.answers.set(8443, "up");
  const add = async (req: Parameters<typeof m.management.registerService>[0]) => (await m.management.registerService(req)).service!;
  await add({ displayName: "up-db", host: "127.0.0.1", port: 5432 });
  await add({ displayName: "down-cache", host: "cache.internal", port: 6379 });
  await add({ displayName: "Shop", probe: { case: "http", value: { url: "https://shop.example/Health" } } });
  const paused = await add({ displayName: "paused-web", probe: { case: "http", value: { url: "https://web.example:8443/" } } });
  await m.time.advance(0); // every service checked once
  await add({ displayName: "new-queue", host: "::1", port: 5672 });
  await m.management.pauseService({ serviceId: paused.id });
}

describe("ListServices filter", () => {
  beforeEach(fleet);

  it("matches display name, host, host:port or URL as a substring, ignoring case", async () => {
    expect(await names("")).toHaveLength(5);
    expect(await names("DB")).toEqual(["up-db"]);
    expect(await names("cache.INTERNAL")).toEqual(["down-cache"]);
    expect(await names("127.0.0.1:5432")).toEqual(["up-db"]);
    expect(await names("[::1]:5672")).toEqual(["new-queue"]);
    // The URL as stored (host lower case, path as given) and its host.
    expect(await names("/health")).toEqual(["Shop"]);
    expect(await names("shop.example/h")).toEqual(["Shop"]);
    expect(await names("example")).toEqual(["Shop", "paused-web"]);
    expect(await names("nothing-like-this")).toEqual([]);
  });

  it("status_filter: UP, DOWN and UNKNOWN leave paused services out; PAUSED selects them", async () => {
    expect(await names("", ServiceStatusFilter.UP)).toEqual(["up-db", "Shop"]);
    expect(await names("", ServiceStatusFilter.DOWN)).toEqual(["down-cache"]);
    expect(await names("", ServiceStatusFilter.UNKNOWN)).toEqual(["new-queue"]);
    expect(await names("", ServiceStatusFilter.PAUSED)).toEqual(["paused-web"]);
  });

  it("combines filter and status_filter", async () => {
    expect(await names("example", ServiceStatusFilter.UP)).toEqual(["Shop"]);
    expect(await names("example", ServiceStatusFilter.PAUSED)).toEqual(["paused-web"]);
    expect(await names("db", ServiceStatusFilter.DOWN)).toEqual([]);
  });

  it("pages through a filtered list, every match once", async () => {
    for (let port = 1; port <= 7; port++) await m.management.registerService({ displayName: `extra-${port}`, host: "extra.internal", port });
    const all = await names("extra", ServiceStatusFilter.UNSPECIFIED, 0);
    expect(all).toHaveLength(7);
    expect(await names("EXTRA", ServiceStatusFilter.UNSPECIFIED, 2)).toEqual(all);
    expect(await names("extra", ServiceStatusFilter.UNKNOWN, 3)).toEqual(all);
  });

  it("refuses a page token made with another filter or status_filter", async () => {
    for (let port = 1; port <= 3; port++) await m.management.registerService({ displayName: `extra-${port}`, host: "extra.internal", port });
    const first = await m.management.listServices({ filter: "extra", pageSize: 1 });
    expect(first.nextPageToken).not.toBe("");
    const message = "page_token: was made for another filter or status_filter; start again without it";
    expect(await refusal(m.management.listServices({ filter: "other", pageToken: first.nextPageToken }))).toBe(message);
    expect(await refusal(m.management.listServices({ pageToken: first.nextPageToken }))).toBe(message);
    expect(
      await refusal(m.management.listServices({ filter: "extra", statusFilter: ServiceStatusFilter.UP, pageToken: first.nextPageToken })),
    ).toBe(message);
    // Case does not change the selection, so it does not change the token either.
    const next = await m.management.listServices({ filter: "EXTRA", pageSize: 1, pageToken: first.nextPageToken });
    expect(next.services.map((s) => s.displayName)).toEqual(["extra-2"]);
    // And an unfiltered token is not accepted with a filter.
    const plain = await m.management.listServices({ pageSize: 1 });
    expect(await refusal(m.management.listServices({ filter: "extra", pageToken: plain.nextPageToken }))).toBe(message);
  });

  it("refuses a filter over 256 characters and a status_filter it does not know", async () => {
    expect(await refusal(m.management.listServices({ filter: "x".repeat(257) }))).toBe("filter: must be at most 256 characters, got 257");
    expect(await names("x".repeat(256))).toEqual([]);
    expect(await refusal(m.management.listServices({ statusFilter: 9 as ServiceStatusFilter }))).toBe(
      "status_filter: is not a ServiceStatusFilter this server knows, got 9",
    );
  });
});
