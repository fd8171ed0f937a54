import { describe, expect, it } from "vitest";
import { applyConfigChanges } from "../../server/config/apply-config-changes.js";
import { parseConfigFile } from "../../server/config/parse-config-file.js";
import { planConfigChanges, type ConfigChange } from "../../server/config/plan-config-changes.js";
import { formatConfigIssues } from "../../server/config/format-config-issues.js";
import type { RegistryData } from "../../server/store/registry.js";
import { apiCaller, apiService, apiSubscription, createFakeRegistry } from "../support/fake-registry.js";

const NOW = Date.parse("2030-01-01T00:00:00Z");
const EMPTY: RegistryData = { services: [], callers: [], subscriptions: [], outages: [] };

function desiredOf(file: unknown, current: RegistryData) {
  const parsed = parseConfigFile(file, current);
  if (!parsed.ok) throw new Error(formatConfigIssues("test.json", parsed.issues));
  return parsed.desired;
}

const plan = (file: unknown, current: RegistryData, now = NOW) => planConfigChanges(desiredOf(file, current), current, now);

/** "add_service payments-db", … : what a plan does, readable in an assertion. */
const steps = (changes: readonly ConfigChange[]) =>
  changes.map((c) => {
    switch (c.kind) {
      case "add_service":
      case "update_service":
      case "remove_service":
        return `${c.kind} ${c.service.id}`;
      case "add_caller":
      case "update_caller":
      case "remove_caller":
        return `${c.kind} ${c.caller.id}`;
      case "set_subscription":
      case "remove_subscription":
        return `${c.kind} ${c.subscription.callerId}/${c.subscription.serviceId}`;
      default:
        return `${c.kind} ${c.outage.id}`;
    }
  });

/** Applies the file to the fake registry as the sync does, and returns what the plan was. */
async function applyFile(fake: ReturnType<typeof createFakeRegistry>, file: unknown, now = NOW) {
  const changes = plan(file, fake.data(), now);
  const { failed } = await applyConfigChanges(fake.registry, changes);
  expect(failed).toEqual([]);
  return steps(changes);
}

const FULL = {
  version: 1,
  services: [
    { id: "payments-db", host: "10.0.0.5", port: 5432, checkInterval: "1m", probe: { tcp: { close: "reset" } } },
    { id: "web", host: "10.0.0.6", port: 443 },
  ],
  callers: [{ id: "pager" }, { id: "dashboard", displayName: "Dashboard" }],
  subscriptions: [
    { caller: "pager", service: "payments-db", pollingInterval: "5s", gracePeriod: "30s" },
    { caller: "dashboard", service: "web" },
  ],
  outages: [{ id: "db-upgrade", service: "payments-db", start: "2030-01-01T22:00:00Z", end: "2030-01-01T23:00:00Z" }],
};

describe("planConfigChanges", () => {
  it("adds everything a file declares to an empty registry, services and callers before what names them", () => {
    const changes = plan(FULL, EMPTY);
    expect(steps(changes)).toEqual([
      "add_service payments-db",
      "add_service web",
      "add_caller pager",
      "add_caller dashboard",
      "set_subscription pager/payments-db",
      "set_subscription dashboard/web",
      "add_outage db-upgrade",
    ]);
    expect(changes[0]).toEqual({
      kind: "add_service",
      service: {
        id: "payments-db",
        host: "10.0.0.5",
        port: 5432,
        displayName: "",
        checkIntervalMs: 60_000,
        checkTimeoutMs: 2_000,
        probe: { kind: "tcp", closeMode: "reset" },
        managedBy: "config",
        createdAt: NOW,
      },
    });
  });

  it("is idempotent: after applying a plan, planning again gives nothing", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FULL);
    expect(plan(FULL, fake.data())).toEqual([]);
    expect(plan(FULL, fake.data(), NOW + 3_600_000)).toEqual([]);
  });

  it("plans nothing when the registry already matches, however the file is ordered", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FULL);
    const reordered = {
      outages: FULL.outages,
      subscriptions: [...FULL.subscriptions].reverse(),
      callers: [...FULL.callers].reverse(),
      services: [...FULL.services].reverse(),
      version: 1,
    };
    expect(plan(reordered, fake.data())).toEqual([]);
  });

  it("updates what changed, keeping creation times, and nothing else", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FULL, NOW - 1000);
    const edited = {
      ...FULL,
      services: [{ ...FULL.services[0], checkTimeout: "1s" }, FULL.services[1]],
      callers: [FULL.callers[0], { id: "dashboard", displayName: "Wall display" }],
      subscriptions: [{ ...FULL.subscriptions[0], gracePeriod: "10s" }, FULL.subscriptions[1]],
      outages: [{ ...FULL.outages[0], reason: "longer", end: "2030-01-02T01:00:00Z" }],
    };
    const changes = plan(edited, fake.data());
    expect(steps(changes)).toEqual([
      "update_service payments-db",
      "update_caller dashboard",
      "set_subscription pager/payments-db",
      "replace_outage db-upgrade",
    ]);
    expect(changes[0]).toMatchObject({ service: { checkTimeoutMs: 1_000, createdAt: NOW - 1000 }, previous: { checkTimeoutMs: 2_000 } });
    await applyConfigChanges(fake.registry, changes);
    expect(fake.registry.getOutage("db-upgrade")).toMatchObject({ reason: "longer", endMs: Date.parse("2030-01-02T01:00:00Z"), managedBy: "config" });
    expect(plan(edited, fake.data())).toEqual([]);
  });

  it("removes managed objects the file no longer has; a removed service takes its subscriptions and outages with it", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FULL);
    const smaller = {
      version: 1,
      services: [FULL.services[1]],
      callers: [FULL.callers[1]],
      subscriptions: [],
    };
    // pager/payments-db and db-upgrade go with their service and caller (their callers hear "service unregistered").
    expect(await applyFile(fake, smaller)).toEqual([
      "remove_subscription dashboard/web",
      "remove_service payments-db",
      "remove_caller pager",
    ]);
    expect(fake.data()).toMatchObject({ services: [{ id: "web" }], callers: [{ id: "dashboard" }], subscriptions: [], outages: [] });
    expect(plan(smaller, fake.data())).toEqual([]);
  });

  it("never removes objects created through the API, even when they hang off managed ones", async () => {
    const fake = createFakeRegistry({
      services: [apiService("svc_api", 7000)],
      callers: [apiCaller("api-caller")],
      subscriptions: [apiSubscription("api-caller", "svc_api")],
    });
    await applyFile(fake, FULL);
    await fake.registry.setSubscription(apiSubscription("api-caller", "web"));
    expect(await applyFile(fake, { version: 1 })).toEqual([
      "remove_service payments-db",
      "remove_service web",
      "remove_caller dashboard",
      "remove_caller pager",
    ]);
    // api-caller → web went with the managed service web, as UnregisterService would end it.
    expect(fake.data()).toMatchObject({
      services: [{ id: "svc_api" }],
      callers: [{ id: "api-caller" }],
      subscriptions: [{ callerId: "api-caller", serviceId: "svc_api" }],
    });
    expect(plan({ version: 1 }, fake.data())).toEqual([]);
  });

  it("removes a managed outage whose service stays", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FULL);
    expect(await applyFile(fake, { ...FULL, outages: [] })).toEqual(["remove_outage db-upgrade"]);
  });

  it("adopts an API-created object the file declares: updated to match and marked managed", async () => {
    const fake = createFakeRegistry({
      services: [apiService("svc_9a2a", 5432, { host: "10.0.0.5", displayName: "db" })],
      callers: [apiCaller("pager", { createdAt: 42 })],
      subscriptions: [apiSubscription("pager", "svc_9a2a", { pollingIntervalMs: 5_000 })],
      outages: [{ id: "out_1", serviceId: "svc_9a2a", startMs: NOW, endMs: NOW + 60_000, reason: "" }],
    });
    const file = {
      version: 1,
      services: [{ id: "svc_9a2a", host: "10.0.0.5", port: 5432, displayName: "db" }],
      callers: [{ id: "pager" }],
      subscriptions: [{ caller: "pager", service: "svc_9a2a", pollingInterval: "5s" }],
      outages: [{ id: "out_1", service: "svc_9a2a", start: new Date(NOW).toISOString(), end: new Date(NOW + 60_000).toISOString() }],
    };
    expect(await applyFile(fake, file)).toEqual([
      "update_service svc_9a2a",
      "update_caller pager",
      "set_subscription pager/svc_9a2a",
      "replace_outage out_1",
    ]);
    expect(fake.registry.getService("svc_9a2a")).toMatchObject({ managedBy: "config", createdAt: 1_000 });
    expect(fake.registry.getCaller("pager")).toEqual({ id: "pager", displayName: "", createdAt: 42, managedBy: "config" });
    expect(fake.registry.getSubscription("pager", "svc_9a2a")?.managedBy).toBe("config");
    expect(fake.registry.getOutage("out_1")?.managedBy).toBe("config");
    // Adopted, it is the file's: leaving the file removes it.
    expect(await applyFile(fake, { version: 1 })).toEqual(["remove_service svc_9a2a", "remove_caller pager"]);
  });

  it("moves an address from a removed service to a new one: the removal comes first", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, { version: 1, services: [{ id: "db", host: "10.0.0.5", port: 5432 }] });
    expect(await applyFile(fake, { version: 1, services: [{ id: "payments-db", host: "10.0.0.5", port: 5432 }] })).toEqual([
      "remove_service db",
      "add_service payments-db",
    ]);
  });

  it("leaves alone an outage of the file that has already ended: not scheduled, not changed", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FULL);
    const later = Date.parse("2030-01-02T00:00:00Z");
    // Ended in the registry and still in the file: nothing, even though the file's reason differs.
    const edited = { ...FULL, outages: [{ ...FULL.outages[0], reason: "changed" }] };
    expect(plan(edited, fake.data(), later)).toEqual([]);
    // A past outage the registry never had is not added.
    const past = { ...FULL, outages: [...FULL.outages, { id: "old", service: "web", start: "2029-01-01T00:00:00Z", end: "2029-01-02T00:00:00Z" }] };
    expect(plan(past, fake.data(), later)).toEqual([]);
  });

  it("an outage the file moves off a service it removes is added afresh, not replaced", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FULL);
    const moved = {
      version: 1,
      services: [FULL.services[1]],
      outages: [{ ...FULL.outages[0], service: "web" }],
    };
    const changes = await applyFile(fake, moved);
    expect(changes).toContain("add_outage db-upgrade");
    expect(fake.registry.getOutage("db-upgrade")?.serviceId).toBe("web");
  });
});

describe("applyConfigChanges", () => {
  it("reports a refused change and what failed because of it, and still applies the rest", async () => {
    const fake = createFakeRegistry();
    fake.failNext("addService", new Error("disk full"));
    const changes = plan(FULL, EMPTY);
    const { applied, failed } = await applyConfigChanges(fake.registry, changes);
    expect(steps(failed.map((f) => f.change))).toEqual(["add_service payments-db", "set_subscription pager/payments-db", "add_outage db-upgrade"]);
    expect(String(failed[0]!.error)).toContain("disk full");
    expect(steps(applied)).toEqual(["add_service web", "add_caller pager", "add_caller dashboard", "set_subscription dashboard/web"]);
    // Planning again retries exactly what did not happen.
    expect(steps(plan(FULL, fake.data()))).toEqual(["add_service payments-db", "set_subscription pager/payments-db", "add_outage db-upgrade"]);
  });
});

describe("planConfigChanges, HTTP checks", () => {
  const shop = (http: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id: "shop", probe: { http }, ...extra });
  const URL_A = "https://shop.example.com/health";
  const FILE = {
    version: 1,
    services: [shop({ url: URL_A, expect: "200-299", bodyKeyword: "ok" }), { id: "db", host: "10.0.0.5", port: 5432 }],
    callers: [{ id: "pager" }],
    subscriptions: [{ caller: "pager", service: "shop", gracePeriod: "10s" }],
  };

  it("adds an HTTP service with its URL's host and port, and plans nothing more once applied (its body bytes included)", async () => {
    const fake = createFakeRegistry();
    const withBody = { ...FILE, services: [...FILE.services, { id: "hook", probe: { http: { url: "http://127.0.0.1:9/hook", method: "POST", bodyBase64: "AP8=" } } }] };
    const changes = plan(withBody, EMPTY);
    expect(steps(changes)).toEqual(["add_service shop", "add_service db", "add_service hook", "add_caller pager", "set_subscription pager/shop"]);
    expect(changes[0]).toMatchObject({ service: { host: "shop.example.com", port: 443, probe: { kind: "http", url: URL_A, bodyKeyword: "ok" } } });
    await applyConfigChanges(fake.registry, changes);
    expect(plan(withBody, fake.data())).toEqual([]);
    // A store may hand the body back as a Buffer: the same bytes are the same settings.
    const data = fake.data();
    const services = data.services.map((s) => (s.probe?.kind === "http" ? { ...s, probe: { ...s.probe, body: Buffer.from(s.probe.body) } } : s));
    expect(plan(withBody, { ...data, services })).toEqual([]);
  });

  it("updates an HTTP service in place when its settings change, keeping its creation time and subscriptions", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FILE, NOW - 1000);
    const edited = { ...FILE, services: [shop({ url: URL_A, expect: "200-299,304", bodyRegex: "ok|fine", maxRedirects: 0 }), FILE.services[1]] };
    const changes = plan(edited, fake.data());
    expect(steps(changes)).toEqual(["update_service shop"]);
    expect(changes[0]).toMatchObject({
      service: {
        createdAt: NOW - 1000,
        probe: { acceptedStatuses: [{ min: 200, max: 299 }, { min: 304, max: 304 }], bodyRegex: "ok|fine", bodyKeyword: "", maxRedirects: 0 },
      },
      previous: { probe: { bodyKeyword: "ok" } },
    });
    await applyConfigChanges(fake.registry, changes);
    expect(fake.mutations.slice(-1)).toEqual(["updateService"]);
    expect(fake.registry.getSubscription("pager", "shop")).toMatchObject({ gracePeriodMs: 10_000 });
    expect(plan(edited, fake.data())).toEqual([]);

    // A new URL, or a switch to TCP, is an update of the same service too (the engine starts its observation over).
    const moved = { ...FILE, services: [shop({ url: "http://127.0.0.1:8080/" }), FILE.services[1]] };
    expect(await applyFile(fake, moved)).toEqual(["update_service shop"]);
    expect(fake.registry.getService("shop")).toMatchObject({ host: "127.0.0.1", port: 8080 });
    expect(await applyFile(fake, { ...FILE, services: [{ id: "shop", host: "127.0.0.1", port: 8081 }, FILE.services[1]] })).toEqual(["update_service shop"]);
    expect(fake.registry.getService("shop")?.probe).toBeUndefined();
  });

  it("removes an HTTP service the file no longer has, with its subscriptions", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FILE);
    expect(await applyFile(fake, { ...FILE, services: [FILE.services[1]], subscriptions: [] })).toEqual(["remove_service shop"]);
    expect(fake.data()).toMatchObject({ services: [{ id: "db" }], subscriptions: [] });
  });

  it("never resumes nor pauses: a paused service keeps its pause through an unchanged file and through an update", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FILE);
    const pausedAt = NOW + 5_000;
    await fake.registry.pauseService("shop", pausedAt);
    // Pausing is runtime state: the file still matches.
    expect(plan(FILE, fake.data())).toEqual([]);
    const edited = { ...FILE, services: [shop({ url: URL_A, expect: "200" }, { displayName: "Shop" }), FILE.services[1]] };
    const changes = plan(edited, fake.data());
    expect(changes).toMatchObject([{ kind: "update_service", service: { displayName: "Shop", pausedAt } }]);
    await applyConfigChanges(fake.registry, changes);
    expect(fake.registry.getService("shop")).toMatchObject({ displayName: "Shop", pausedAt });
    // And a service that is not paused is not paused by an update.
    expect(await applyFile(fake, { ...edited, services: [edited.services[0], { ...FILE.services[1], displayName: "DB" }] })).toEqual(["update_service db"]);
    expect(fake.registry.getService("db")).not.toHaveProperty("pausedAt");
  });

  it("adopts an API-created HTTP check the file declares under its id, and matches targets by method and URL", async () => {
    const created = plan({ version: 1, services: [shop({ url: URL_A, method: "HEAD" })] }, EMPTY)[0];
    if (created?.kind !== "add_service") throw new Error("expected an add_service");
    const { managedBy: _managed, ...apiMade } = created.service;
    const fake = createFakeRegistry({ services: [{ ...apiMade, id: "svc_shop", createdAt: 42 }] });
    const file = { version: 1, services: [shop({ url: URL_A, method: "HEAD" }, { id: "svc_shop" })] };
    expect(await applyFile(fake, file)).toEqual(["update_service svc_shop"]);
    expect(fake.registry.getService("svc_shop")).toMatchObject({ managedBy: "config", createdAt: 42 });
    // A GET of the same URL is another target: a new service beside it.
    expect(await applyFile(fake, { version: 1, services: [...file.services, shop({ url: URL_A })] })).toEqual(["add_service shop"]);
  });

  it("moves a URL from a service the file removes to one it adds: the removal frees the target first", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, { version: 1, services: [shop({ url: URL_A })] });
    expect(await applyFile(fake, { version: 1, services: [shop({ url: URL_A }, { id: "storefront" })] })).toEqual([
      "remove_service shop",
      "add_service storefront",
    ]);
  });
});

describe("planConfigChanges, availability alerts", () => {
  const withRule = (rule: Record<string, unknown> | undefined) => ({
    ...FULL,
    subscriptions: [{ ...FULL.subscriptions[0], ...(rule === undefined ? {} : { availabilityAlert: rule }) }, FULL.subscriptions[1]],
  });

  it("sets a rule the file adds, changes or removes, and plans nothing once it matches", async () => {
    const fake = createFakeRegistry();
    await applyFile(fake, FULL);
    const added = withRule({ window: "10m" });
    expect(await applyFile(fake, added)).toEqual(["set_subscription pager/payments-db"]);
    expect(fake.registry.getSubscription("pager", "payments-db")).toMatchObject({
      gracePeriodMs: 30_000,
      availabilityAlert: { windowMs: 600_000, threshold: 0.8 },
      managedBy: "config",
    });
    expect(plan(added, fake.data())).toEqual([]);
    // The defaults written out are the same rule: nothing to do.
    expect(plan(withRule({ window: "10m", threshold: 0.8 }), fake.data())).toEqual([]);

    expect(await applyFile(fake, withRule({ window: "10m", threshold: 0.95 }))).toEqual(["set_subscription pager/payments-db"]);
    expect(fake.registry.getSubscription("pager", "payments-db")?.availabilityAlert).toEqual({ windowMs: 600_000, threshold: 0.95 });
    expect(await applyFile(fake, withRule({ window: "1h", threshold: 0.95 }))).toEqual(["set_subscription pager/payments-db"]);

    const changes = plan(FULL, fake.data());
    expect(steps(changes)).toEqual(["set_subscription pager/payments-db"]);
    await applyConfigChanges(fake.registry, changes);
    expect(fake.registry.getSubscription("pager", "payments-db")).not.toHaveProperty("availabilityAlert");
    expect(plan(FULL, fake.data())).toEqual([]);
  });

  it("adopts an API-made subscription's rule as the file says, a rule the file does not give included", async () => {
    const fake = createFakeRegistry({
      callers: [apiCaller("pager")],
      services: [apiService("payments-db", 5432, { host: "10.0.0.5" })],
      subscriptions: [{ ...apiSubscription("pager", "payments-db"), availabilityAlert: { windowMs: 120_000, threshold: 0.8 } }],
    });
    const file = {
      version: 1,
      subscriptions: [{ caller: "pager", service: "payments-db", pollingInterval: "30s" }],
    };
    const changes = plan(file, fake.data());
    expect(steps(changes)).toEqual(["set_subscription pager/payments-db"]);
    await applyConfigChanges(fake.registry, changes);
    expect(fake.registry.getSubscription("pager", "payments-db")).toEqual({
      callerId: "pager",
      serviceId: "payments-db",
      pollingIntervalMs: 30_000,
      gracePeriodMs: 0,
      managedBy: "config",
    });
  });
});
