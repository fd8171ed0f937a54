import { formatDuration } from "../parse-duration.js";
import { ServiceStatus } from "../gen/monitor/v1/resources_pb.js";

/** ANSI colours, or plain text when output is not a terminal (or NO_COLOR is set). */
export interface Paint {
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly dim: (s: string) => string;
}

export function createPaint(enabled: boolean): Paint {
  const wrap = (code: number) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { green: wrap(32), red: wrap(31), yellow: wrap(33), dim: wrap(2) };
}

export function statusName(status: ServiceStatus): string {
  return status === ServiceStatus.UP ? "UP" : status === ServiceStatus.DOWN ? "DOWN" : "UNKNOWN";
}

export function paintStatus(paint: Paint, status: ServiceStatus): string {
  const name = statusName(status);
  return status === ServiceStatus.UP ? paint.green(name) : status === ServiceStatus.DOWN ? paint.red(name) : paint.yellow(name);
}

/** A span for people: "250ms", "5s", "1.5s", "10m", "3h 5m", "2d 4h". */
export function humanSpan(ms: number): string {
  if (ms < 60_000) return ms % 1 === 0 ? formatDuration(ms) : `${ms.toFixed(1)}ms`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** "12s ago" / "in 5m" relative to `now`; "-" for no time. */
export function relativeTime(ms: number | undefined, now: number): string {
  if (ms === undefined) return "-";
  const delta = Math.round((now - ms) / 1000) * 1000;
  return delta >= 0 ? `${humanSpan(delta)} ago` : `in ${humanSpan(-delta)}`;
}

/** Latency with sub-millisecond precision where it matters (loopback checks take ~0.2 ms). */
export function formatLatency(ms: number | undefined): string {
  if (ms === undefined) return "-";
  return ms < 10 ? `${ms.toFixed(2)}ms` : `${Math.round(ms)}ms`;
}
