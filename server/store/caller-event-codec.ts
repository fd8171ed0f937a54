import type { CallerEvent, Status } from "../domain/types.js";
import { httpDetailsToJson, toHttpDetails } from "./http-details-codec.js";

/**
 * How a `CallerEvent` sits in an event's `payload` (JSON text in SQLite's
 * monitor.db and the legacy events.db, jsonb in PostgreSQL), and the check
 * that a payload read back is still one. Shared by both stores and the
 * legacy import, so every path accepts exactly the same events.
 *
 * Encoding copies the known fields in a fixed order, so the stored JSON does
 * not depend on what else a caller's object happened to carry, and the event
 * returned by `append` is exactly what a later `read` returns. Decoding checks
 * every field: a row written by a buggy release or edited by hand must fail
 * loudly where it is read, not deep inside the rpc layer. Optional fields
 * (a status change's `url` and `http`) are left out when absent, so the
 * payloads of earlier releases decode unchanged and TCP events stay as small
 * as they were. An availability event's figures are JSON numbers, which
 * both JSON.stringify and jsonb keep exactly (the shortest text that reads
 * back as the same double).
 */

const STATUSES: ReadonlySet<string> = new Set<Status>(["unknown", "up", "down"]);
const CHANGE_STATUSES: ReadonlySet<string> = new Set(["up", "down"]);
const END_REASONS: ReadonlySet<string> = new Set(["unsubscribed", "service unregistered"]);

/** Why a value is not a CallerEvent; the caller adds where the value came from. */
export class InvalidCallerEventError extends Error {
  override readonly name = "InvalidCallerEventError";
}

function fail(what: string): never {
  throw new InvalidCallerEventError(what);
}

type Json = Record<string, unknown>;

function str(obj: Json, key: string): string {
  const value = obj[key];
  if (typeof value !== "string") fail(`${key}: expected a string`);
  return value;
}

function num(obj: Json, key: string): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isFinite(value)) fail(`${key}: expected a finite number`);
  return value;
}

function oneOf<T extends string>(obj: Json, key: string, allowed: ReadonlySet<string>): T {
  const value = str(obj, key);
  if (!allowed.has(value)) fail(`${key}: unexpected value ${JSON.stringify(value)}`);
  return value as T;
}

/**
 * Checks that `value` is a CallerEvent and returns a copy holding only its
 * known fields. Used on both paths: on append (so a bad event is refused
 * before it is numbered, instead of poisoning every later read of that
 * caller) and on read.
 */
export function toCallerEvent(value: unknown): CallerEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("expected an object");
  const obj = value as Json;
  const kind = obj["kind"];
  switch (kind) {
    case "status_change": {
      const port = num(obj, "port");
      if (!Number.isInteger(port)) fail("port: expected an integer");
      const url = obj["url"] === undefined ? undefined : str(obj, "url");
      const http = obj["http"] === undefined ? undefined : toHttpDetails(obj["http"], (field, rule) => fail(`${field === "" ? "http" : `http.${field}`}: ${rule}`));
      return {
        kind,
        serviceId: str(obj, "serviceId"),
        host: str(obj, "host"),
        port,
        ...(url === undefined ? {} : { url }),
        previous: oneOf<Status>(obj, "previous", STATUSES),
        status: oneOf<"up" | "down">(obj, "status", CHANGE_STATUSES),
        sinceMs: num(obj, "sinceMs"),
        detail: str(obj, "detail"),
        ...(http === undefined ? {} : { http }),
      };
    }
    case "subscription_ended":
      return {
        kind,
        serviceId: str(obj, "serviceId"),
        reason: oneOf<"unsubscribed" | "service unregistered">(obj, "reason", END_REASONS),
      };
    case "service_paused":
    case "service_resumed":
      return { kind, serviceId: str(obj, "serviceId") };
    case "availability_alert":
    case "availability_recovered": {
      const port = num(obj, "port");
      if (!Number.isInteger(port)) fail("port: expected an integer");
      const url = obj["url"] === undefined ? undefined : str(obj, "url");
      const availability = num(obj, "availability");
      if (availability < 0 || availability > 1) fail("availability: expected a number from 0 to 1");
      const threshold = num(obj, "threshold");
      if (threshold <= 0 || threshold > 1) fail("threshold: expected a number above 0 and at most 1");
      const windowMs = num(obj, "windowMs");
      if (windowMs <= 0) fail("windowMs: expected a positive number");
      return {
        kind,
        serviceId: str(obj, "serviceId"),
        host: str(obj, "host"),
        port,
        ...(url === undefined ? {} : { url }),
        availability,
        threshold,
        windowMs,
      };
    }
    default:
      return fail(`kind: unexpected value ${JSON.stringify(kind)}`);
  }
}

/**
 * The payload to store for an event toCallerEvent returned: the event
 * itself, but for HTTP details, whose missing status code or TLS expiry
 * must be written as null (JSON.stringify would drop an undefined).
 */
export function callerEventToJson(event: CallerEvent): unknown {
  if (event.kind !== "status_change" || event.http === undefined) return event;
  return { ...event, http: httpDetailsToJson(event.http) };
}

/** Parses a payload stored as JSON text; throws InvalidCallerEventError for bad JSON or a bad shape. */
export function decodeCallerEvent(payload: unknown): CallerEvent {
  if (typeof payload !== "string") fail("payload is not text");
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch (err) {
    fail(`payload is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return toCallerEvent(parsed);
}

/** True when `status` is a Status; used for the observations and announced tables' rows. */
export function isStatus(status: unknown): status is Status {
  return typeof status === "string" && STATUSES.has(status);
}
