import { configFileFromRegistry, formatConfigFile } from "@service-monitor/sdk";
import { describe, expect, it } from "vitest";
import { formatConfigIssues } from "../../server/config/format-config-issues.js";
import { parseConfigFile } from "../../server/config/parse-config-file.js";
import type { HttpProbeConfig, ServiceConfig } from "../../server/domain/types.js";
import type { SubscriptionConfig } from "../../server/domain/types.js";
import { callerToProto, serviceToProto, subscriptionToProto } from "../../server/rpc/to-proto.js";

/**
 * `monitorctl export` then `--config`: services as the API answers them
 * (serviceToProto), written by the export (configFileFromRegistry), read back
 * by the server (parseConfigFile) are the same settings. Pure: the
 * end-to-end version against real servers is in test/integration/config-file.test.ts.
 */

const http = (url: string, extra: Partial<HttpProbeConfig> = {}): HttpProbeConfig => ({
  kind: "http",
  url,
  method: "GET",
  headers: {},
  body: new Uint8Array(),
  acceptedStatuses: [{ min: 200, max: 399 }],
  bodyRegex: "",
  bodyKeyword: "",
  invertBodyMatch: false,
  maxRedirects: 10,
  skipTlsVerify: false,
  ...extra,
});

const service = (id: string, host: string, port: number, extra: Partial<ServiceConfig> = {}): ServiceConfig => ({
  id,
  host,
  port,
  displayName: "",
  checkIntervalMs: 30_000,
  checkTimeoutMs: 2_000,
  createdAt: 1_000,
  ...extra,
});

const SERVICES: readonly ServiceConfig[] = [
  service("db", "10.0.0.5", 5432, { displayName: "DB", probe: { kind: "tcp", closeMode: "reset" } }),
  service("plain", "::1", 6379, { checkIntervalMs: 1_500, checkTimeoutMs: 100 }),
  service("shop", "shop.example.com", 443, {
    displayName: "Shop",
    checkIntervalMs: 10_000,
    checkTimeoutMs: 5_000,
    probe: http("https://shop.example.com/health?full=1", {
      method: "POST",
      headers: { "X-Token": "s3cret", Accept: "application/json" },
      body: new TextEncoder().encode('{"ping":"héllo"}'),
      acceptedStatuses: [
        { min: 200, max: 299 },
        { min: 304, max: 304 },
      ],
      bodyRegex: "status: (?<status>\\w+)",
      invertBodyMatch: true,
      maxRedirects: 0,
      skipTlsVerify: true,
    }),
  }),
  // Bytes that are not UTF-8 text, and a paused service (pausing is not configuration: not exported).
  service("hook", "127.0.0.1", 8080, {
    probe: http("http://127.0.0.1:8080/hook", { method: "POST", body: new Uint8Array([0x00, 0xff, 0xfe, 0x80]) }),
    pausedAt: 5_000,
  }),
  service("head", "::1", 80, { probe: http("http://[::1]/ready", { method: "HEAD" }) }),
];

function exportThenLoad(services: readonly ServiceConfig[]) {
  const listing = { services: services.map((s) => serviceToProto(s, undefined)), callers: [], subscriptions: [], outages: [] };
  const text = formatConfigFile(configFileFromRegistry(listing));
  const parsed = parseConfigFile(JSON.parse(text), { services: [], callers: [], subscriptions: [], outages: [] });
  if (!parsed.ok) throw new Error(`the export was refused: ${formatConfigIssues("exported.json", parsed.issues)}`);
  return { text, services: parsed.desired.services };
}

describe("export then --config", () => {
  it("gives back every setting of every kind of service, pause state aside", () => {
    const { services } = exportThenLoad(SERVICES);
    const expected = [...SERVICES]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map(({ createdAt: _created, pausedAt: _paused, ...settings }) => ({ ...settings, managedBy: "config" }));
    expect(services).toEqual(expected);
  });

  it("writes HTTP checks in the file's own format: no host or port, the URL, text or base64 bodies, ranges as monitorctl's --expect", () => {
    const { text } = exportThenLoad(SERVICES);
    const file = JSON.parse(text) as { services: Record<string, unknown>[] };
    expect(file.services.find((s) => s["id"] === "shop")).toEqual({
      id: "shop",
      displayName: "Shop",
      checkInterval: "10s",
      checkTimeout: "5s",
      probe: {
        http: {
          url: "https://shop.example.com/health?full=1",
          method: "POST",
          // Sorted by name, so two exports of one registry are byte-identical.
          headers: { Accept: "application/json", "X-Token": "s3cret" },
          body: '{"ping":"héllo"}',
          expect: "200-299,304",
          bodyRegex: "status: (?<status>\\w+)",
          invert: true,
          maxRedirects: 0,
          skipTlsVerify: true,
        },
      },
    });
    expect(file.services.find((s) => s["id"] === "hook")).toEqual({
      id: "hook",
      checkInterval: "30s",
      checkTimeout: "2s",
      probe: { http: { url: "http://127.0.0.1:8080/hook", method: "POST", bodyBase64: "AP/+gA==", expect: "200-399", maxRedirects: 10, skipTlsVerify: false } },
    });
    expect(file.services.find((s) => s["id"] === "head")).toMatchObject({
      probe: { http: { url: "http://[::1]/ready", method: "HEAD" } },
    });
    expect(Object.keys(file.services.find((s) => s["id"] === "db")!)).toEqual(["id", "host", "port", "displayName", "checkInterval", "checkTimeout", "probe"]);
  });

  it("is stable: exporting what was loaded prints the same file", () => {
    const first = exportThenLoad(SERVICES);
    const again = exportThenLoad(first.services.map((s) => ({ ...s, createdAt: 1_000 })));
    expect(again.text).toBe(first.text);
  });
});

describe("export then --config, subscriptions", () => {
  const subscriptions: readonly SubscriptionConfig[] = [
    { callerId: "pager", serviceId: "db", pollingIntervalMs: 5_000, gracePeriodMs: 30_000, availabilityAlert: { windowMs: 600_000, threshold: 0.99 } },
    { callerId: "pager", serviceId: "plain", pollingIntervalMs: 1_500, gracePeriodMs: 0, availabilityAlert: { windowMs: 10_000, threshold: 2 / 3 } },
    { callerId: "wall", serviceId: "db", pollingIntervalMs: 30_000, gracePeriodMs: 0 },
  ];

  function exportThenLoadSubscriptions() {
    const listing = {
      services: SERVICES.map((s) => serviceToProto(s, undefined)),
      callers: ["pager", "wall"].map((id) => callerToProto({ id, displayName: "", createdAt: 1_000 })),
      subscriptions: subscriptions.map(subscriptionToProto),
      outages: [],
    };
    const text = formatConfigFile(configFileFromRegistry(listing));
    const parsed = parseConfigFile(JSON.parse(text), { services: [], callers: [], subscriptions: [], outages: [] });
    if (!parsed.ok) throw new Error(`the export was refused: ${formatConfigIssues("exported.json", parsed.issues)}`);
    return { text, subscriptions: parsed.desired.subscriptions };
  }

  it("gives back every subscription's availability alert rule, exactly, and no rule where there was none", () => {
    const { text, subscriptions: loaded } = exportThenLoadSubscriptions();
    expect(loaded).toEqual(subscriptions.map((s) => ({ ...s, managedBy: "config" })));
    const file = JSON.parse(text) as { subscriptions: Record<string, unknown>[] };
    expect(file.subscriptions).toEqual([
      { caller: "pager", service: "db", pollingInterval: "5s", gracePeriod: "30s", availabilityAlert: { window: "10m", threshold: 0.99 } },
      { caller: "pager", service: "plain", pollingInterval: "1.5s", gracePeriod: "0s", availabilityAlert: { window: "10s", threshold: 2 / 3 } },
      { caller: "wall", service: "db", pollingInterval: "30s", gracePeriod: "0s" },
    ]);
  });
});
