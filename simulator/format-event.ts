import type { ScenarioEvent } from "./scenario-event.js";

function offset(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}s`;
}

function address(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
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
