import { formatDuration } from "@service-monitor/sdk";
import type { HttpResponseSpec } from "./http-response.js";
import type { ScenarioEvent } from "./scenario-event.js";

const DAY_MS = 86_400_000;
// Bodies and headers are shown for recognition, not in full: one event stays one readable line.
const SHOWN_CHARS = 40;

function offset(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}s`;
}

function address(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function shorten(text: string): string {
  return text.length <= SHOWN_CHARS ? text : `${text.slice(0, SHOWN_CHARS - 1)}…`;
}

/** "responds 503, body \"maintenance\", delay 3s": only what changed, in a fixed order. */
function describeChange(changed: Partial<HttpResponseSpec>): string {
  const parts: string[] = [];
  if (changed.status !== undefined) parts.push(`responds ${changed.status}`);
  if (changed.body !== undefined) parts.push(`body ${shorten(JSON.stringify(changed.body))}`);
  if (changed.headers !== undefined) parts.push(`headers ${shorten(JSON.stringify(changed.headers))}`);
  if (changed.delayMs !== undefined) parts.push(`delay ${formatDuration(changed.delayMs)}`);
  return parts.join(", ");
}

/** The file's `expiresInDays`, as written there (up to three decimals). */
function days(ms: number): string {
  return String(Number((ms / DAY_MS).toFixed(3)));
}

/**
 * One human-readable line per event: wall-clock time, offset from the start,
 * then what happened. Fixed columns keep a long run easy to scan.
 */
export function formatEventText(event: ScenarioEvent): string {
  const time = new Date(event.atMs).toISOString();
  switch (event.type) {
    case "open":
      return `${time}  ${"open".padStart(9)}  ${event.listener} listening on ${event.url ?? address(event.host, event.port)}, initially ${event.state}`;
    case "transition":
      return `${time}  ${offset(event.offsetMs).padStart(9)}  ${event.listener} ${event.state}`;
    case "response":
      return `${time}  ${offset(event.offsetMs).padStart(9)}  ${event.listener} ${describeChange(event.changed)}`;
    case "certificate": {
      const notAfter = new Date(event.notAfterMs).toISOString();
      return `${time}  ${offset(event.offsetMs).padStart(9)}  ${event.listener} tls renewed, expires in ${days(event.expiresInMs)} days (${notAfter})`;
    }
    case "error":
      return `${time}  ${offset(event.offsetMs).padStart(9)}  ${event.listener} error: ${event.message}`;
    case "end":
      return `${time}  ${offset(event.offsetMs).padStart(9)}  scenario ended (${event.reason === "duration" ? "duration reached" : "stopped"})`;
  }
}

/**
 * One NDJSON line per event: the event itself plus an ISO `time`, so scripts
 * can consume the stream without knowing epoch milliseconds.
 */
export function formatEventJson(event: ScenarioEvent): string {
  return JSON.stringify({ ...event, time: new Date(event.atMs).toISOString() });
}
