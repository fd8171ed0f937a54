import type { CheckRecord, StatusChangeRecord } from "../../server/domain/history-types.js";
import type { HttpCheckDetails } from "../../server/domain/types.js";

/**
 * Synthetic check results for the history scenario (10): what the engine
 * would hand the history sink for a fleet of services checked every second,
 * without running any checks. Deterministic (a function of the service and
 * the second), so every run writes the same rows.
 *
 * The mix: one service in ten is HTTP (status 200 with its phases, 503 when
 * down), the rest TCP (empty detail when up, "connection refused" when
 * down, one down check in ten a timeout). Each service is down for
 * `DOWN_RUN_S` seconds in every `DOWN_PERIOD_S`, at a phase of its own: 1 %
 * of checks down, in runs (as outages come) rather than scattered, so the
 * fleet makes 2 status changes per service per period (20 a second at 10,000).
 */
export const DOWN_PERIOD_S = 1000;
export const DOWN_RUN_S = 10;
/** 2 × the 1 s interval + the 1 s timeout: how long a 1 s check's result stands at most. */
export const MAX_SPAN_MS = 3000;
const TIMEOUT_MS = 1000;

/** A service id of the server's shape (svc_ + 16 hex digits), one per index. */
export function syntheticServiceId(index: number): string {
  return `svc_${(0x5eed_0000_0000 + index * 2_654_435_761).toString(16).padStart(16, "0").slice(-16)}`;
}

/** Whether service `index` is down in second `second` (epoch seconds). */
export function syntheticDown(index: number, second: number): boolean {
  return (second + index * 7919) % DOWN_PERIOD_S < DOWN_RUN_S;
}

/** A cheap hash of two integers to [0, 1), for latencies that vary without a PRNG's state. */
function noise(a: number, b: number): number {
  let x = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d) >>> 0;
  x ^= x >>> 12;
  return (x >>> 0) / 2 ** 32;
}

const isHttp = (index: number): boolean => index % 10 === 0;

function httpDetails(up: boolean, totalMs: number): HttpCheckDetails {
  const connectMs = Math.round(totalMs * 0.2 * 1000) / 1000;
  return {
    statusCode: up ? 200 : 503,
    phases: { dnsMs: 0, connectMs, tlsMs: 0, firstByteMs: Math.round((totalMs - connectMs) * 900) / 1000, totalMs },
    tlsExpiresAt: undefined,
    captures: [],
    namedCaptures: {},
  };
}

/** The check service `index` made in second `second` (it starts `index % 1000` ms into the second). */
export function syntheticCheck(index: number, second: number, serviceId = syntheticServiceId(index)): CheckRecord {
  const down = syntheticDown(index, second);
  const r = noise(index, second);
  const at = second * 1000 + (index % 1000);
  if (isHttp(index)) {
    // 2–12 ms, to the microsecond as the probe measures it.
    const totalMs = Math.round((2 + 10 * r * r) * 1000) / 1000;
    return {
      kind: "check",
      serviceId,
      at,
      status: down ? "down" : "up",
      latencyMs: totalMs,
      detail: down ? "status 503 (expected 2xx)" : "",
      inOutage: false,
      maxSpanMs: MAX_SPAN_MS,
      http: httpDetails(!down, totalMs),
    };
  }
  const timeout = down && r < 0.1;
  // 0.2–3 ms: a LAN connect; a refused one is as quick, a timeout takes the whole timeout.
  const latencyMs = timeout ? TIMEOUT_MS : Math.round((0.2 + 2.8 * r * r) * 1000) / 1000;
  return {
    kind: "check",
    serviceId,
    at,
    status: down ? "down" : "up",
    latencyMs,
    detail: down ? (timeout ? `timed out after ${TIMEOUT_MS} ms` : "connection refused") : "",
    inOutage: false,
    maxSpanMs: MAX_SPAN_MS,
  };
}

/** The observed status change that check (index, second) makes, if it makes one. */
export function syntheticChange(index: number, second: number, serviceId = syntheticServiceId(index)): StatusChangeRecord | undefined {
  const down = syntheticDown(index, second);
  if (down === syntheticDown(index, second - 1)) return undefined;
  const check = syntheticCheck(index, second, serviceId);
  return { serviceId, at: check.at, previous: down ? "up" : "down", status: check.status, detail: check.detail };
}
