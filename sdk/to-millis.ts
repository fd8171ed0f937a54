import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";

/**
 * A Duration as milliseconds, or a Timestamp as milliseconds since the Unix
 * epoch. Sub-millisecond parts are kept as a fraction (latencies are often
 * below a millisecond), unlike protobuf-es's `durationMs`, which rounds them
 * away. `undefined` (an unset message field) gives `undefined`.
 */
export function toMillis(value: Duration | Timestamp): number;
export function toMillis(value: Duration | Timestamp | undefined): number | undefined;
export function toMillis(value: Duration | Timestamp | undefined): number | undefined {
  return value === undefined ? undefined : Number(value.seconds) * 1000 + value.nanos / 1_000_000;
}

/** A Timestamp as a `Date` (millisecond precision); `undefined` for an unset field. */
export function toDate(value: Timestamp): Date;
export function toDate(value: Timestamp | undefined): Date | undefined;
export function toDate(value: Timestamp | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(Math.floor(toMillis(value)));
}
