import type { ListenerSpec, Scenario } from "../simulator/index.js";

/** A caller of the demo: how often it wants checks and how patient it is. */
export interface DemoCaller {
  readonly id: string;
  readonly pollingMs: number;
  readonly graceMs: number;
  readonly role: string;
}

/** A planned outage, as offsets from the scenario start. */
export interface DemoOutage {
  readonly listener: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly reason: string;
}

export interface DemoPlan {
  readonly scenario: Scenario & { readonly durationMs: number };
  readonly callers: readonly DemoCaller[];
  readonly outages: readonly DemoOutage[];
  /** What each listener is meant to show, printed at the start. */
  readonly stories: Readonly<Record<string, string>>;
}

/**
 * The demo's script, about a minute at speed 1. Every time and grace period
 * is divided by `speed` (check intervals stay at the 1 s floor), so a test can
 * run the same story faster; at speed 2 the shortest down phase is still 1.5 s,
 * longer than a check interval, so no phase can fall between two checks.
 */
export function demoPlan(speed = 1): DemoPlan {
  if (!(speed >= 1 && speed <= 2)) throw new RangeError(`speed must be from 1 to 2, got ${speed}`);
  const t = (seconds: number) => Math.round((seconds * 1000) / speed);
  const script = (name: string, steps: Array<[number, "up" | "down"]>): ListenerSpec => ({
    name,
    host: "127.0.0.1",
    port: 0,
    initial: "up",
    pattern: { kind: "script", steps: steps.map(([at, state]) => ({ atMs: t(at), state })) },
  });
  return {
    scenario: {
      durationMs: t(60),
      listeners: [
        script("web", [[10, "down"], [14, "up"]]),
        script("db", [[18, "down"], [48, "up"]]),
        script("cache", [[26, "down"], [34, "up"]]),
        script("queue", [[36, "down"], [52, "up"]]),
        {
          name: "search",
          host: "127.0.0.1",
          port: 0,
          initial: "up",
          pattern: { kind: "flap", startMs: t(6), downMs: t(3), upMs: t(4), count: 4 },
        },
      ],
    },
    callers: [
      { id: "pager", pollingMs: 1000, graceMs: 0, role: "wakes someone up: wants every failure at once" },
      { id: "dashboard", pollingMs: 1000, graceMs: t(8), role: `a status page: ignores blips under ${t(8) / 1000}s` },
      { id: "report", pollingMs: 5000, graceMs: t(20), role: `a daily report: only outages over ${t(20) / 1000}s, checked every 5s` },
    ],
    outages: [
      { listener: "cache", startMs: t(22), endMs: t(42), reason: "cache upgrade" },
      { listener: "queue", startMs: t(22), endMs: t(42), reason: "queue migration" },
    ],
    stories: {
      web: `a ${t(4) / 1000}s blip`,
      db: `a ${t(30) / 1000}s outage`,
      cache: "down and back up inside its planned outage",
      queue: "goes down inside its planned outage and stays down after it ends",
      search: `flaps: down ${t(3) / 1000}s, up ${t(4) / 1000}s, four times`,
    },
  };
}
