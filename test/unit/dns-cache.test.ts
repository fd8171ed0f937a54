import { describe, expect, it } from "vitest";
import { createDnsCache, type DnsCacheOptions, type DnsRecord, type LookupAnswer } from "../../server/engine/dns-cache.js";
import { spyOnRealResolvers } from "../support/real-resolver-spies.js";

function dnsError(code: string): Error & { code: string } {
  return Object.assign(new Error(`query ${code}`), { code });
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

type Answer<T> = T | Error | ((host: string) => Promise<T>);

/**
 * Fake resolvers and a fake clock. Each resolver answers from a per-host table
 * and counts its calls; an unconfigured host fails the test loudly.
 */
function fixture(overrides: Partial<DnsCacheOptions> = {}) {
  let clock = 1_000_000;
  const calls = { resolve4: [] as string[], resolve6: [] as string[], lookup: [] as string[] };
  const a = new Map<string, Answer<readonly DnsRecord[]>>();
  const aaaa = new Map<string, Answer<readonly DnsRecord[]>>();
  const hosts = new Map<string, Answer<LookupAnswer>>();
  function answer<T>(table: Map<string, Answer<T>>, kind: string, host: string): Promise<T> {
    const entry = table.get(host);
    if (entry === undefined) return Promise.reject(new Error(`unexpected ${kind}(${host})`));
    if (entry instanceof Error) return Promise.reject(entry);
    if (typeof entry === "function") return (entry as (host: string) => Promise<T>)(host);
    return Promise.resolve(entry);
  }
  const cache = createDnsCache({
    now: () => clock,
    resolve4: (host) => {
      calls.resolve4.push(host);
      return answer(a, "resolve4", host);
    },
    resolve6: (host) => {
      calls.resolve6.push(host);
      return answer(aaaa, "resolve6", host);
    },
    lookup: (host) => {
      calls.lookup.push(host);
      return answer(hosts, "lookup", host);
    },
    ...overrides,
  });
  return {
    cache,
    calls,
    a,
    aaaa,
    hosts,
    advance(ms: number) {
      clock += ms;
    },
    totalCalls: () => calls.resolve4.length + calls.resolve6.length + calls.lookup.length,
  };
}

describe("createDnsCache: answered locally, no resolver", () => {
  it("returns IP literals at once", async () => {
    const f = fixture();
    expect(await f.cache.resolve("127.0.0.1")).toEqual({ ok: true, address: "127.0.0.1", family: 4 });
    expect(await f.cache.resolve("10.1.2.3")).toEqual({ ok: true, address: "10.1.2.3", family: 4 });
    expect(await f.cache.resolve("::1")).toEqual({ ok: true, address: "::1", family: 6 });
    expect(await f.cache.resolve("[::1]")).toEqual({ ok: true, address: "::1", family: 6 });
    expect(f.totalCalls()).toBe(0);
    expect(f.cache.size).toBe(0);
  });

  it("answers localhost and *.localhost with 127.0.0.1", async () => {
    const f = fixture();
    for (const host of ["localhost", "LocalHost", "localhost.", "api.localhost", "a.b.LOCALHOST"]) {
      expect(await f.cache.resolve(host)).toEqual({ ok: true, address: "127.0.0.1", family: 4 });
    }
    expect(f.totalCalls()).toBe(0);
  });

  it("answers .invalid names with unknown host", async () => {
    const f = fixture();
    expect(await f.cache.resolve("nowhere.invalid")).toEqual({
      ok: false,
      code: "ENOTFOUND",
      detail: "unknown host nowhere.invalid",
    });
    expect(await f.cache.resolve("invalid")).toMatchObject({ ok: false, code: "ENOTFOUND" });
    expect(await f.cache.resolve("X.Nowhere.INVALID.")).toMatchObject({ ok: false, code: "ENOTFOUND" });
    expect(f.totalCalls()).toBe(0);
  });

  it("answers .invalid with the default (real) resolvers without any query", async () => {
    const spies = spyOnRealResolvers();
    const cache = createDnsCache();
    expect(await cache.resolve("nowhere.invalid")).toEqual({
      ok: false,
      code: "ENOTFOUND",
      detail: "unknown host nowhere.invalid",
    });
    expect(await cache.resolve("localhost")).toEqual({ ok: true, address: "127.0.0.1", family: 4 });
    expect(await cache.resolve("127.0.0.1")).toEqual({ ok: true, address: "127.0.0.1", family: 4 });
    expect(cache.size).toBe(0);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it("rejects an empty name without a query", async () => {
    const f = fixture();
    expect(await f.cache.resolve("")).toMatchObject({ ok: false, code: "EBADNAME" });
    expect(f.totalCalls()).toBe(0);
  });
});

describe("createDnsCache: TTL", () => {
  it("serves from cache within the TTL and queries again after it", async () => {
    const f = fixture();
    f.a.set("db.example", [{ address: "192.0.2.10", ttl: 30 }]);
    expect(await f.cache.resolve("db.example")).toEqual({ ok: true, address: "192.0.2.10", family: 4 });
    expect(f.calls.resolve4).toEqual(["db.example"]);

    f.advance(29_999);
    expect(await f.cache.resolve("DB.Example")).toEqual({ ok: true, address: "192.0.2.10", family: 4 });
    expect(f.calls.resolve4).toHaveLength(1);

    f.a.set("db.example", [{ address: "192.0.2.11", ttl: 30 }]);
    f.advance(1);
    expect(await f.cache.resolve("db.example")).toEqual({ ok: true, address: "192.0.2.11", family: 4 });
    expect(f.calls.resolve4).toHaveLength(2);
  });

  it("uses the shortest TTL of the answer's records", async () => {
    const f = fixture();
    f.a.set("multi.example", [
      { address: "192.0.2.1", ttl: 120 },
      { address: "192.0.2.2", ttl: 10 },
    ]);
    expect(await f.cache.resolve("multi.example")).toMatchObject({ address: "192.0.2.1" });
    f.advance(9_999);
    await f.cache.resolve("multi.example");
    expect(f.calls.resolve4).toHaveLength(1);
    f.advance(1);
    await f.cache.resolve("multi.example");
    expect(f.calls.resolve4).toHaveLength(2);
  });

  it("clamps a TTL of 0 up to minTtl", async () => {
    const f = fixture({ minTtlMs: 1_000 });
    f.a.set("zero.example", [{ address: "192.0.2.1", ttl: 0 }]);
    await f.cache.resolve("zero.example");
    f.advance(999);
    await f.cache.resolve("zero.example");
    expect(f.calls.resolve4).toHaveLength(1);
    f.advance(1);
    await f.cache.resolve("zero.example");
    expect(f.calls.resolve4).toHaveLength(2);
  });

  it("clamps a long TTL down to maxTtl", async () => {
    const f = fixture({ maxTtlMs: 300_000 });
    f.a.set("day.example", [{ address: "192.0.2.1", ttl: 86_400 }]);
    await f.cache.resolve("day.example");
    f.advance(299_999);
    await f.cache.resolve("day.example");
    expect(f.calls.resolve4).toHaveLength(1);
    f.advance(1);
    await f.cache.resolve("day.example");
    expect(f.calls.resolve4).toHaveLength(2);
  });

  it("rejects inconsistent options", () => {
    expect(() => createDnsCache({ minTtlMs: 10_000, maxTtlMs: 1_000 })).toThrow(RangeError);
    expect(() => createDnsCache({ negativeTtlMs: -1 })).toThrow(RangeError);
  });
});

describe("createDnsCache: failures", () => {
  it("caches a failure for the negative TTL", async () => {
    const f = fixture({ negativeTtlMs: 5_000 });
    f.a.set("gone.example", dnsError("ENOTFOUND"));
    f.hosts.set("gone.example", dnsError("ENOTFOUND"));
    const expected = { ok: false, code: "ENOTFOUND", detail: "unknown host gone.example" };
    expect(await f.cache.resolve("gone.example")).toEqual(expected);
    expect(f.calls).toEqual({ resolve4: ["gone.example"], resolve6: [], lookup: ["gone.example"] });

    f.advance(4_999);
    expect(await f.cache.resolve("gone.example")).toEqual(expected);
    expect(f.totalCalls()).toBe(2);

    f.advance(1);
    expect(await f.cache.resolve("gone.example")).toEqual(expected);
    expect(f.totalCalls()).toBe(4);
  });

  it("does not fall back to getaddrinfo for errors that it cannot fix", async () => {
    const f = fixture();
    f.a.set("bad..name", dnsError("EBADNAME"));
    expect(await f.cache.resolve("bad..name")).toEqual({
      ok: false,
      code: "EBADNAME",
      detail: "cannot resolve bad..name (EBADNAME)",
    });
    expect(f.calls.lookup).toEqual([]);
  });

  it("never rejects, whatever the resolvers do", async () => {
    const f = fixture();
    f.a.set("throws.example", () => {
      throw new Error("synchronous");
    });
    f.a.set("garbage.example", () => Promise.resolve(null as unknown as DnsRecord[]));
    f.a.set("string.example", () => Promise.reject("not an error"));
    await expect(f.cache.resolve("throws.example")).resolves.toMatchObject({ ok: false, code: "EUNKNOWN" });
    await expect(f.cache.resolve("garbage.example")).resolves.toMatchObject({ ok: false, code: "EUNKNOWN" });
    await expect(f.cache.resolve("string.example")).resolves.toMatchObject({ ok: false, code: "EUNKNOWN" });
  });

  it("reports a timeout", async () => {
    const f = fixture();
    f.a.set("slow.example", dnsError("ETIMEOUT"));
    f.hosts.set("slow.example", dnsError("EAI_AGAIN"));
    expect(await f.cache.resolve("slow.example")).toEqual({
      ok: false,
      code: "EAI_AGAIN",
      detail: "temporary DNS failure for slow.example",
    });
  });
});

describe("createDnsCache: in-flight dedupe", () => {
  it("shares one query between concurrent resolves of a name", async () => {
    const f = fixture();
    const answer = deferred<readonly DnsRecord[]>();
    f.a.set("shared.example", () => answer.promise);
    const results = [f.cache.resolve("shared.example"), f.cache.resolve("shared.example"), f.cache.resolve("SHARED.example")];
    expect(f.calls.resolve4).toHaveLength(1);
    answer.resolve([{ address: "192.0.2.5", ttl: 60 }]);
    for (const r of await Promise.all(results)) expect(r).toEqual({ ok: true, address: "192.0.2.5", family: 4 });
    // And once settled, the cached answer serves later calls.
    await f.cache.resolve("shared.example");
    expect(f.calls.resolve4).toHaveLength(1);
  });

  it("shares one refresh of an expired entry", async () => {
    const f = fixture();
    f.a.set("r.example", [{ address: "192.0.2.1", ttl: 10 }]);
    await f.cache.resolve("r.example");
    f.advance(10_000);
    const answer = deferred<readonly DnsRecord[]>();
    f.a.set("r.example", () => answer.promise);
    const pending = [f.cache.resolve("r.example"), f.cache.resolve("r.example")];
    expect(f.calls.resolve4).toHaveLength(2);
    answer.resolve([{ address: "192.0.2.2", ttl: 10 }]);
    expect(await Promise.all(pending)).toEqual([
      { ok: true, address: "192.0.2.2", family: 4 },
      { ok: true, address: "192.0.2.2", family: 4 },
    ]);
  });
});

describe("createDnsCache: fallbacks", () => {
  it("falls back to AAAA when there is no A record (ENODATA)", async () => {
    const f = fixture();
    f.a.set("v6only.example", dnsError("ENODATA"));
    f.aaaa.set("v6only.example", [{ address: "2001:db8::1", ttl: 60 }]);
    expect(await f.cache.resolve("v6only.example")).toEqual({ ok: true, address: "2001:db8::1", family: 6 });
    f.advance(59_999);
    await f.cache.resolve("v6only.example");
    expect(f.calls).toEqual({ resolve4: ["v6only.example"], resolve6: ["v6only.example"], lookup: [] });
    f.advance(1);
    await f.cache.resolve("v6only.example");
    expect(f.calls.resolve6).toHaveLength(2);
  });

  it("falls back to AAAA on an empty A answer", async () => {
    const f = fixture();
    f.a.set("empty.example", []);
    f.aaaa.set("empty.example", [{ address: "2001:db8::2", ttl: 60 }]);
    expect(await f.cache.resolve("empty.example")).toEqual({ ok: true, address: "2001:db8::2", family: 6 });
  });

  it("does not ask for AAAA when the name does not exist (NXDOMAIN)", async () => {
    const f = fixture();
    f.a.set("nx.example", dnsError("ENOTFOUND"));
    f.hosts.set("nx.example", dnsError("ENOTFOUND"));
    await f.cache.resolve("nx.example");
    expect(f.calls.resolve6).toEqual([]);
  });

  it.each(["ENOTFOUND", "ECONNREFUSED", "ETIMEOUT"])(
    "after %s from DNS, calls getaddrinfo once and caches it for lookupTtl",
    async (code) => {
      const f = fixture({ lookupTtlMs: 60_000 });
      f.a.set("hosts-only", dnsError(code));
      f.hosts.set("hosts-only", { address: "192.0.2.77", family: 4 });
      for (let i = 0; i < 100; i++) {
        expect(await f.cache.resolve("hosts-only")).toEqual({ ok: true, address: "192.0.2.77", family: 4 });
        f.advance(500); // 100 checks over 50 s
      }
      expect(f.calls.lookup).toEqual(["hosts-only"]);
      expect(f.calls.resolve4).toEqual(["hosts-only"]);
      f.advance(10_000); // now 60 s after the answer
      await f.cache.resolve("hosts-only");
      expect(f.calls.lookup).toHaveLength(2);
    },
  );

  it("falls back to getaddrinfo when neither A nor AAAA exist", async () => {
    const f = fixture();
    f.a.set("nodata.local", dnsError("ENODATA"));
    f.aaaa.set("nodata.local", dnsError("ENODATA"));
    f.hosts.set("nodata.local", { address: "fd00::5", family: 6 });
    expect(await f.cache.resolve("nodata.local")).toEqual({ ok: true, address: "fd00::5", family: 6 });
    expect(f.calls.lookup).toHaveLength(1);
  });

  it("concurrent resolves share the single getaddrinfo", async () => {
    const f = fixture();
    const answer = deferred<LookupAnswer>();
    f.a.set("hosts-only", dnsError("ENOTFOUND"));
    f.hosts.set("hosts-only", () => answer.promise);
    const pending = Array.from({ length: 50 }, () => f.cache.resolve("hosts-only"));
    await new Promise((r) => setImmediate(r));
    answer.resolve({ address: "192.0.2.9", family: 4 });
    const results = await Promise.all(pending);
    expect(new Set(results.map((r) => (r.ok ? r.address : r.code)))).toEqual(new Set(["192.0.2.9"]));
    expect(f.calls.lookup).toHaveLength(1);
    expect(f.calls.resolve4).toHaveLength(1);
  });
});

describe("createDnsCache: size bound", () => {
  it("evicts the least recently used names beyond maxEntries", async () => {
    const f = fixture({ maxEntries: 3 });
    for (const host of ["a.example", "b.example", "c.example", "d.example"]) {
      f.a.set(host, [{ address: "192.0.2.1", ttl: 300 }]);
    }
    await f.cache.resolve("a.example");
    await f.cache.resolve("b.example");
    await f.cache.resolve("c.example");
    await f.cache.resolve("a.example"); // a is now the most recently used
    await f.cache.resolve("d.example"); // evicts b
    expect(f.cache.size).toBe(3);
    expect(f.calls.resolve4).toEqual(["a.example", "b.example", "c.example", "d.example"]);
    await f.cache.resolve("a.example");
    await f.cache.resolve("c.example");
    expect(f.calls.resolve4).toHaveLength(4);
    await f.cache.resolve("b.example");
    expect(f.calls.resolve4).toHaveLength(5);
    expect(f.cache.size).toBe(3);
  });
});
