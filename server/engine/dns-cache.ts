/**
 * Host name resolution for the checks, through a cache that honours DNS TTLs.
 *
 * Why not just `net.connect({ host })`: that calls `getaddrinfo` on every
 * connect, and libuv runs `getaddrinfo` on its 4-thread pool, so thousands of
 * checks per second would queue behind it and one slow resolver would stall
 * every check (docs/architecture.md, checking rule 5). Instead names are queried with
 * c-ares (asynchronous, no thread pool) and the answer is kept for the
 * record's TTL; `getaddrinfo` is only a rare fallback for names that DNS does
 * not know (e.g. /etc/hosts entries), and its answer is cached too.
 *
 * A failure is a value ({@link ResolveResult} with `ok: false`), never a
 * rejection, so the probe can turn it into a "down" result without try/catch.
 */

import { promises as dnsPromises } from "node:dns";
import { isIP } from "node:net";
import type { Millis } from "../domain/types.js";

/**
 * What resolving a host gave: an address to connect to, or why there is none.
 * A tagged union so callers must look at `ok` before using `address`.
 */
export type ResolveResult =
  | { readonly ok: true; readonly address: string; readonly family: 4 | 6 }
  | {
      readonly ok: false;
      /** Error code, e.g. "ENOTFOUND", "ETIMEOUT". */
      readonly code: string;
      /** Human-readable, used as the check's detail, e.g. "unknown host db.example". */
      readonly detail: string;
    };

/** One A/AAAA record as `resolve4(host, { ttl: true })` returns it; `ttl` in seconds. */
export interface DnsRecord {
  readonly address: string;
  readonly ttl: number;
}

/** One answer of `dns.promises.lookup(host)` (getaddrinfo). */
export interface LookupAnswer {
  readonly address: string;
  readonly family: number;
}

/**
 * Settings and seams. Everything that touches the network or the clock is
 * injectable so the cache's rules are tested without sockets or sleeping.
 */
export interface DnsCacheOptions {
  /** The clock for expiry. Default `Date.now`. */
  readonly now?: () => Millis;
  /** A-record query with TTLs. Default: a c-ares `Resolver`'s `resolve4(host, { ttl: true })`. */
  readonly resolve4?: (host: string) => Promise<readonly DnsRecord[]>;
  /** AAAA-record query with TTLs, used when a name has no A record. Default: c-ares `resolve6`. */
  readonly resolve6?: (host: string) => Promise<readonly DnsRecord[]>;
  /** getaddrinfo, the fallback for names only the system knows. Default `dns.promises.lookup`. */
  readonly lookup?: (host: string) => Promise<LookupAnswer>;
  /** Lower bound of a cached DNS answer's lifetime, so TTL 0 does not mean a query per check. Default 1 s. */
  readonly minTtlMs?: number;
  /** Upper bound, so a moved service is picked up within bounded time. Default 300 s. */
  readonly maxTtlMs?: number;
  /** Lifetime of a `lookup` (getaddrinfo) answer, which carries no TTL. Default 60 s. */
  readonly lookupTtlMs?: number;
  /** Lifetime of a failure, so a dead name is not queried on every check. Default 5 s. */
  readonly negativeTtlMs?: number;
  /** Most names kept; the least recently used go first beyond it. Default 50,000. */
  readonly maxEntries?: number;
}

/** A resolver whose answers are cached; see the module comment for why. */
export interface DnsCache {
  /**
   * Resolves `host` to one address. Never rejects. IP literals, `localhost`
   * and `.invalid` names are answered locally without any query. Concurrent
   * calls for the same name share one query.
   */
  resolve(host: string): Promise<ResolveResult>;
  /** Names currently cached (expired or not); for monitoring and tests. */
  readonly size: number;
}

/**
 * c-ares codes after which the name may still be known to the system
 * (/etc/hosts, mDNS, ...) or no DNS server answered at all: only then is the
 * single getaddrinfo fallback worth its cost.
 */
const LOOKUP_FALLBACK_CODES: ReadonlySet<string> = new Set([
  "ENOTFOUND",
  "ENODATA",
  "ECONNREFUSED",
  "ETIMEOUT",
  "ESERVFAIL",
  "EREFUSED",
]);

/** Codes that mean "this name does not exist" rather than "we could not ask". */
const UNKNOWN_HOST_CODES: ReadonlySet<string> = new Set(["ENOTFOUND", "ENODATA", "EAI_NONAME", "EAI_NODATA"]);

interface Entry {
  /** The same settled promise handed to every hit, so a hit allocates nothing. */
  readonly answer: Promise<ResolveResult>;
  readonly expiresAt: Millis;
}

interface Fresh {
  readonly result: ResolveResult;
  readonly ttlMs: number;
}

const LOCALHOST: ResolveResult = { ok: true, address: "127.0.0.1", family: 4 };

function codeOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return "EUNKNOWN";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function failure(code: string, host: string): ResolveResult {
  let detail: string;
  if (UNKNOWN_HOST_CODES.has(code)) detail = `unknown host ${host}`;
  else if (code === "ETIMEOUT") detail = `DNS lookup of ${host} timed out`;
  else if (code === "EAI_AGAIN") detail = `temporary DNS failure for ${host}`;
  else detail = `cannot resolve ${host} (${code})`;
  return { ok: false, code, detail };
}

/**
 * Answers that must never cause network traffic: IP literals, and the RFC
 * 6761 special-use names `localhost` (loopback) and `invalid` (never exists).
 * Returns `undefined` for every other name.
 */
function answerLocally(host: string): ResolveResult | undefined {
  const family = isIP(host);
  if (family === 4 || family === 6) return { ok: true, address: host, family };
  if (host.startsWith("[") && host.endsWith("]")) {
    const inner = host.slice(1, -1);
    if (isIP(inner) === 6) return { ok: true, address: inner, family: 6 };
  }
  let name = host.toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name === "localhost" || name.endsWith(".localhost")) return LOCALHOST;
  if (name === "invalid" || name.endsWith(".invalid")) return failure("ENOTFOUND", name);
  if (name === "") return { ok: false, code: "EBADNAME", detail: `invalid host name "${host}"` };
  return undefined;
}

function firstAddress(records: readonly DnsRecord[]): { address: string; ttlSeconds: number } | undefined {
  const first = records[0];
  if (first === undefined) return undefined;
  // The answer as a whole is only as fresh as its shortest-lived record.
  let ttlSeconds = first.ttl;
  for (const record of records) if (record.ttl < ttlSeconds) ttlSeconds = record.ttl;
  return { address: first.address, ttlSeconds };
}

function positiveMs(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${v}`);
  return v;
}

/**
 * Creates a cache. Default resolvers are created lazily, so a process that
 * only ever checks IP literals or localhost never opens a c-ares channel.
 */
export function createDnsCache(options: DnsCacheOptions = {}): DnsCache {
  const now = options.now ?? Date.now;
  const minTtlMs = positiveMs(options.minTtlMs, 1_000, "minTtlMs");
  const maxTtlMs = positiveMs(options.maxTtlMs, 300_000, "maxTtlMs");
  const lookupTtlMs = positiveMs(options.lookupTtlMs, 60_000, "lookupTtlMs");
  const negativeTtlMs = positiveMs(options.negativeTtlMs, 5_000, "negativeTtlMs");
  const maxEntries = Math.max(1, Math.floor(positiveMs(options.maxEntries, 50_000, "maxEntries")));
  if (minTtlMs > maxTtlMs) throw new RangeError(`minTtlMs (${minTtlMs}) exceeds maxTtlMs (${maxTtlMs})`);

  let defaultResolver: dnsPromises.Resolver | undefined;
  // Bounded timeout/tries: c-ares defaults can retry for tens of seconds,
  // far beyond any check timeout (100 ms - 60 s).
  const resolver = (): dnsPromises.Resolver => (defaultResolver ??= new dnsPromises.Resolver({ timeout: 1_000, tries: 2 }));
  const resolve4 = options.resolve4 ?? ((host: string) => resolver().resolve4(host, { ttl: true }));
  const resolve6 = options.resolve6 ?? ((host: string) => resolver().resolve6(host, { ttl: true }));
  const lookup = options.lookup ?? ((host: string) => dnsPromises.lookup(host));

  /** Insertion order doubles as recency order: a hit re-inserts its entry. */
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<ResolveResult>>();

  function clampTtl(seconds: number): number {
    const ms = Number.isFinite(seconds) ? seconds * 1_000 : minTtlMs;
    return Math.min(maxTtlMs, Math.max(minTtlMs, ms));
  }

  async function viaLookup(name: string): Promise<Fresh> {
    try {
      const answer = await lookup(name);
      const family = answer.family === 6 || answer.family === 4 ? answer.family : isIP(answer.address);
      if (family !== 4 && family !== 6) return { result: failure("EBADRESP", name), ttlMs: negativeTtlMs };
      return { result: { ok: true, address: answer.address, family }, ttlMs: lookupTtlMs };
    } catch (error) {
      return { result: failure(codeOf(error), name), ttlMs: negativeTtlMs };
    }
  }

  /** The full query: A, then AAAA if there is no A record, then one getaddrinfo if DNS does not know the name. */
  async function query(name: string): Promise<Fresh> {
    let code: string;
    try {
      const found = firstAddress(await resolve4(name));
      if (found !== undefined) {
        return { result: { ok: true, address: found.address, family: 4 }, ttlMs: clampTtl(found.ttlSeconds) };
      }
      code = "ENODATA";
    } catch (error) {
      code = codeOf(error);
    }
    if (code === "ENODATA") {
      // The name exists but has no A record: it may be IPv6-only.
      try {
        const found = firstAddress(await resolve6(name));
        if (found !== undefined) {
          return { result: { ok: true, address: found.address, family: 6 }, ttlMs: clampTtl(found.ttlSeconds) };
        }
      } catch (error) {
        code = codeOf(error);
      }
    }
    if (LOOKUP_FALLBACK_CODES.has(code)) return viaLookup(name);
    return { result: failure(code, name), ttlMs: negativeTtlMs };
  }

  function store(name: string, fresh: Fresh): ResolveResult {
    cache.delete(name);
    cache.set(name, { answer: Promise.resolve(fresh.result), expiresAt: now() + fresh.ttlMs });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next();
      if (oldest.done === true) break;
      cache.delete(oldest.value);
    }
    return fresh.result;
  }

  async function refresh(name: string): Promise<ResolveResult> {
    let fresh: Fresh;
    try {
      fresh = await query(name);
    } catch (error) {
      // query() handles resolver failures itself; this guards against surprises
      // (e.g. a resolver returning a non-array) so resolve() still never rejects.
      fresh = { result: { ok: false, code: codeOf(error), detail: `cannot resolve ${name}: ${messageOf(error)}` }, ttlMs: negativeTtlMs };
    }
    inFlight.delete(name);
    return store(name, fresh);
  }

  return {
    resolve(host) {
      const local = answerLocally(host);
      if (local !== undefined) return Promise.resolve(local);
      // DNS names are case-insensitive; a trailing dot is kept (it changes getaddrinfo's search).
      const name = host.toLowerCase();
      const entry = cache.get(name);
      if (entry !== undefined && entry.expiresAt > now()) {
        // Move to the recent end; two Map operations, no allocation.
        cache.delete(name);
        cache.set(name, entry);
        return entry.answer;
      }
      let pending = inFlight.get(name);
      if (pending === undefined) {
        pending = refresh(name);
        inFlight.set(name, pending);
      }
      return pending;
    },
    get size() {
      return cache.size;
    },
  };
}
