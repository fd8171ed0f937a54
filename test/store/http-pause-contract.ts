import { describe, expect, it } from "vitest";
import type { CallerEvent, HttpCheckDetails, HttpProbeConfig, Observation, ServiceConfig } from "../../server/domain/types.js";
import type { Store, StoreOp } from "../../server/store/store.js";
import {
  T0,
  announced,
  append,
  caller,
  change,
  contents,
  logged,
  observation,
  put,
  service,
  sorted,
  subscription,
} from "./contract-fixtures.js";

/**
 * The store contract's part for issue 10 (HTTP checks, PauseService,
 * UpdateService), run by describeStoreContract for every backend: HTTP
 * probes, paused services, HTTP check details and notes on observations,
 * and the events that carry them, each kept exactly across close and reopen.
 */

/** What the contract hands this suite: fresh stores, cleaned up after each test. */
export interface ContractStores {
  fresh(): Promise<{ store: Store; reopen(): Promise<Store> }>;
  withBasics(): Promise<{ store: Store; reopen(): Promise<Store> }>;
}

/** Every byte value, so no encoding step may treat the body as text. */
const BINARY_BODY = Uint8Array.from({ length: 256 }, (_, i) => (i * 37 + 11) % 256);

/** An HTTP probe with every field set away from its default. */
function httpProbe(over: Partial<HttpProbeConfig> = {}): HttpProbeConfig {
  return {
    kind: "http",
    url: "https://127.0.0.1:8443/health?full=1",
    method: "POST",
    headers: { Authorization: "Bearer t0ken", "X-Trace": "a=b; c=\"d\"", "Accept-Language": "fr-CH, de;q=0.8 ✓" },
    body: BINARY_BODY,
    acceptedStatuses: [
      { min: 200, max: 204 },
      { min: 301, max: 302 },
      { min: 418, max: 418 },
    ],
    bodyRegex: String.raw`"status":\s*"(?P<state>ok|degraded)"`,
    bodyKeyword: "",
    invertBodyMatch: true,
    maxRedirects: 5,
    skipTlsVerify: true,
    ...over,
  };
}

function httpService(id: string, probe: HttpProbeConfig, over: Partial<ServiceConfig> = {}): ServiceConfig {
  const url = new URL(probe.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  return service(id, { host, port, probe, ...over });
}

/** Details of a check that got an answer, with a TLS expiry and captures (one group took no part). */
const ANSWERED: HttpCheckDetails = {
  statusCode: 503,
  phases: { dnsMs: 0, connectMs: 0.25, tlsMs: 3.5, firstByteMs: 12.125, totalMs: 20.0625 },
  tlsExpiresAt: T0 + 86_400_000.5,
  captures: ["degraded", null, ""],
  // Computed, so it is an own key (a literal `__proto__:` would set the prototype).
  namedCaptures: { state: "degraded", missing: null, ["__proto__"]: "a group may be named so" },
};

/** Details of a check that got no response over plain HTTP: no status code, no expiry, no captures. */
const UNANSWERED: HttpCheckDetails = {
  statusCode: undefined,
  phases: { dnsMs: 1, connectMs: 2, tlsMs: 0, firstByteMs: 0, totalMs: 2000 },
  tlsExpiresAt: undefined,
  captures: [],
  namedCaptures: {},
};

function httpChange(serviceId: string, status: "up" | "down", http: HttpCheckDetails): CallerEvent {
  return {
    kind: "status_change",
    serviceId,
    host: "127.0.0.1",
    port: 8443,
    url: "https://127.0.0.1:8443/health?full=1",
    previous: "up",
    status,
    sinceMs: T0 + 3,
    detail: "status 503 not in 200–204, 301–302, 418",
    http,
  };
}

const paused = (serviceId: string): CallerEvent => ({ kind: "service_paused", serviceId });
const resumed = (serviceId: string): CallerEvent => ({ kind: "service_resumed", serviceId });

/**
 * Own entries, so a group named "__proto__" is seen (toEqual might not
 * notice it missing); sorted, since jsonb keeps keys in an order of its own
 * (the API's map has none either).
 */
function expectSameNamedCaptures(actual: HttpCheckDetails | undefined, expected: HttpCheckDetails): void {
  const entries = (o: object) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
  expect(entries(actual?.namedCaptures ?? {})).toEqual(entries(expected.namedCaptures));
}

export function describeHttpAndPauseContract(name: string, stores: ContractStores): void {
  describe(`store contract: ${name}: HTTP checks and paused services`, () => {
    it("keeps an HTTP service's every probe field, a binary body and several status ranges, across reopen", async () => {
      const { store, reopen } = await stores.fresh();
      const services = [
        httpService("h1", httpProbe()),
        // The defaults as the API fills them in: GET, no headers, no body, 200–399, no body check.
        httpService("h2", {
          kind: "http",
          url: "http://[::1]/",
          method: "GET",
          headers: {},
          body: new Uint8Array(0),
          acceptedStatuses: [{ min: 200, max: 399 }],
          bodyRegex: "",
          bodyKeyword: "",
          invertBodyMatch: false,
          maxRedirects: 0,
          skipTlsVerify: false,
        }),
        httpService("h3", httpProbe({ method: "HEAD", body: new Uint8Array(0), bodyRegex: "", bodyKeyword: "ready", invertBodyMatch: false })),
        service("t1", { probe: { kind: "tcp", closeMode: "reset" } }),
      ];
      await store.write(services.map(put.service));
      const expected = contents({ services });
      expect(sorted(await store.load())).toEqual(expected);
      await store.close();
      const loaded = sorted(await (await reopen()).load());
      expect(loaded).toEqual(expected);
      const h1 = loaded.services[0]!.probe as HttpProbeConfig;
      // A Uint8Array, byte for byte (toEqual would pass a Buffer too).
      expect(h1.body).toBeInstanceOf(Uint8Array);
      expect([...h1.body]).toEqual([...BINARY_BODY]);
      // Headers in the order given: they are sent so.
      expect(Object.entries(h1.headers)).toEqual(Object.entries(httpProbe().headers));
    });

    it("keeps a paused service's pause time, and a put without it resumes it", async () => {
      const { store, reopen } = await stores.fresh();
      const pausedTcp = service("s1", { pausedAt: T0 + 123.5 });
      const pausedHttp = httpService("h1", httpProbe(), { pausedAt: T0 + 7 });
      await store.write([put.service(pausedTcp), put.service(pausedHttp), put.service(service("s2"))]);
      const expected = contents({ services: [pausedTcp, pausedHttp, service("s2")] });
      expect(sorted(await store.load())).toEqual(expected);
      await store.close();
      const again = await reopen();
      const loaded = sorted(await again.load());
      expect(loaded).toEqual(expected);
      expect(Object.keys(loaded.services.find((s) => s.id === "s2")!)).not.toContain("pausedAt");

      await again.write([put.service(service("s1"))]);
      const resumedService = (await again.load()).services.find((s) => s.id === "s1")!;
      expect(resumedService).toEqual(service("s1"));
      expect(Object.keys(resumedService)).not.toContain("pausedAt");
    });

    it("a put changes a service's kind of check either way (UpdateService)", async () => {
      const { store } = await stores.fresh();
      await store.write([put.service(service("s1", { probe: { kind: "tcp", closeMode: "fin" } }))]);
      const asHttp = httpService("s1", httpProbe());
      await store.write([put.service(asHttp)]);
      expect((await store.load()).services).toEqual([asHttp]);
      await store.write([put.service(service("s1"))]);
      const back = (await store.load()).services;
      expect(back).toEqual([service("s1")]);
      expect(Object.keys(back[0]!)).not.toContain("probe");
    });

    it("keeps an observation's HTTP details and note across reopen; a put without them clears them", async () => {
      const { store, reopen } = await stores.fresh();
      await store.write([put.service(service("s1")), put.service(service("s2")), put.service(service("s3"))]);
      const observations: { serviceId: string; observation: Observation }[] = [
        { serviceId: "s1", observation: observation({ detail: "status 503 not in 200–204", http: ANSWERED }) },
        {
          serviceId: "s2",
          observation: observation({ detail: "timed out after 2000 ms", http: UNANSWERED, note: "check target changed from 127.0.0.1:8002 to http://[::1]/" }),
        },
        { serviceId: "s3", observation: observation({ status: "up", detail: "", note: "" }) },
      ];
      await store.write(observations.map((o) => put.observation(o.serviceId, o.observation)));
      const expected = contents({ services: [service("s1"), service("s2"), service("s3")], observations });
      expect(sorted(await store.load())).toEqual(expected);
      await store.close();
      const again = await reopen();
      const loaded = sorted(await again.load());
      expect(loaded).toEqual(expected);
      expectSameNamedCaptures(loaded.observations[0]!.observation.http, ANSWERED);
      // A field that may be undefined stays present (as the domain type has it), an absent optional stays absent.
      expect(loaded.observations[1]!.observation.http).toHaveProperty("statusCode", undefined);
      expect(loaded.observations[2]!.observation).toHaveProperty("note", "");
      expect(Object.keys(loaded.observations[2]!.observation)).not.toContain("http");

      const plain = observation({ status: "up", detail: "" });
      await again.write([put.observation("s1", plain), put.observation("s2", plain)]);
      const cleared = sorted(await again.load()).observations;
      expect(cleared.slice(0, 2)).toEqual([
        { serviceId: "s1", observation: plain },
        { serviceId: "s2", observation: plain },
      ]);
      for (const { observation: o } of cleared.slice(0, 2)) {
        expect(Object.keys(o)).not.toContain("http");
        expect(Object.keys(o)).not.toContain("note");
      }
    });

    it("returns the new events exactly as appended: pause, resume, a status change with url and HTTP details", async () => {
      const { store, reopen } = await stores.withBasics();
      const events = [
        logged("c1", 1, httpChange("s1", "down", ANSWERED)),
        logged("c1", 2, httpChange("s1", "up", UNANSWERED)),
        logged("c1", 3, paused("s1")),
        logged("c1", 4, resumed("s1")),
        // A TCP status change has neither field, and gains none.
        logged("c1", 5, change("s1", "down", T0 + 9, "up")),
      ];
      await store.write(events.map((event): StoreOp => ({ kind: "append_event", event })));
      await store.close();
      const read = await (await reopen()).readEvents("c1", 0, 10);
      expect(read).toEqual(events);
      const first = read[0]!.event;
      expect(first.kind === "status_change" ? first.http : undefined).toEqual(ANSWERED);
      expectSameNamedCaptures(first.kind === "status_change" ? first.http : undefined, ANSWERED);
      expect(Object.keys(read[4]!.event)).not.toContain("url");
      expect(Object.keys(read[4]!.event)).not.toContain("http");
    });

    it("service_paused and service_resumed leave the announced state alone, in a write of their own or beside a change", async () => {
      const { store, reopen } = await stores.withBasics();
      await store.write([put.caller(caller("c2")), put.subscription(subscription("c2", "s1"))]);
      await store.write([append("c1", 1, change("s1", "down", T0 + 5))]);
      await store.write([append("c1", 2, paused("s1"))]);
      expect((await store.load()).announced).toEqual([announced("c1", "s1", "down", T0 + 5)]);
      await store.write([append("c1", 3, resumed("s1"))]);
      expect((await store.load()).announced).toEqual([announced("c1", "s1", "down", T0 + 5)]);

      // Within one write the last status_change decides, not the last event.
      await store.write([
        append("c1", 4, change("s1", "up", T0 + 8, "down")),
        append("c1", 5, paused("s1")),
        // c2 never had a status announced: a pause creates no row for it.
        append("c2", 1, paused("s1")),
        append("c2", 2, resumed("s1")),
      ]);
      const expected = [announced("c1", "s1", "up", T0 + 8)];
      expect(sorted(await store.load()).announced).toEqual(expected);
      await store.close();
      const again = await reopen();
      expect(sorted(await again.load()).announced).toEqual(expected);
      expect(sorted(await again.load()).sequences).toEqual([
        { callerId: "c1", lastSequence: 5 },
        { callerId: "c2", lastSequence: 2 },
      ]);
    });
  });
}
