import type { DemoOutage, DemoPlan } from "./demo-plan.js";
import type { Heard, Verdict } from "./run-demo.js";

export interface DemoPrinter {
  intro(plan: DemoPlan, address: string): void;
  simulator(atMs: number, listener: string, state: "up" | "down"): void;
  outage(atMs: number, outage: DemoOutage, phase: "starts" | "ends"): void;
  notification(atMs: number, caller: string, listener: string, status: "UP" | "DOWN", first: boolean, detail: string, sinceMs: number | undefined): void;
  summary(plan: DemoPlan, verdicts: readonly Verdict[], heard: readonly Heard[]): void;
}

const at = (ms: number) => `+${(ms / 1000).toFixed(1)}s`.padStart(7);
const secs = (ms: number) => `${+(ms / 1000).toFixed(1)}s`;

/** The demo's output: a live log of what happens, then a summary per caller. */
export function createDemoPrinter(write: (text: string) => void, color: boolean): DemoPrinter {
  const paint = (code: number) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const [green, red, yellow, dim, bold] = [paint(32), paint(31), paint(33), paint(2), paint(1)];
  const status = (s: "UP" | "DOWN") => (s === "UP" ? green("UP  ") : red("DOWN"));
  const callerWidth = 9;
  return {
    intro(plan, address) {
      const lines = [
        bold(`Service monitor demo — server on ${address}, about ${secs(plan.scenario.durationMs)}`),
        "",
        "Services (simulated TCP listeners on 127.0.0.1):",
        ...plan.scenario.listeners.map((l) => `  ${l.name.padEnd(7)} ${plan.stories[l.name] ?? ""}`),
        "Planned outages (notifications silenced, checks go on):",
        ...plan.outages.map((o) => `  ${o.listener.padEnd(7)} ${at(o.startMs)} to ${at(o.endMs)}  ${o.reason}`),
        "Callers, each subscribed to every service:",
        ...plan.callers.map((c) => `  ${c.id.padEnd(callerWidth)} grace ${secs(c.graceMs).padEnd(5)} checks every ${secs(c.pollingMs).padEnd(3)} ${c.role}`),
        "",
        dim("time     who        service  what"),
      ];
      write(lines.join("\n") + "\n");
    },
    simulator(atMs, listener, state) {
      write(dim(`${at(atMs)}  simulator  ${listener.padEnd(7)}  goes ${state}`) + "\n");
    },
    outage(atMs, outage, phase) {
      write(yellow(`${at(atMs)}  outage     ${outage.listener.padEnd(7)}  planned outage ${phase} (${outage.reason})`) + "\n");
    },
    notification(atMs, caller, listener, s, first, detail, sinceMs) {
      const since = sinceMs === undefined ? "" : dim(`  since ${at(sinceMs).trim()}`);
      const note = first ? dim("  first status") : detail === "" ? "" : dim(`  ${detail}`);
      write(`${at(atMs)}  ${bold(caller.padEnd(callerWidth))}  ${listener.padEnd(7)}  ${status(s)}${since}${note}\n`);
    },
    summary(plan, verdicts, heard) {
      const lines = ["", bold("What each caller heard, and why")];
      for (const caller of plan.callers) {
        const count = heard.filter((h) => h.caller === caller.id && !h.first).length;
        lines.push("", `${bold(caller.id)} (grace ${secs(caller.graceMs)}): ${count} notification${count === 1 ? "" : "s"} after the first statuses`);
        for (const v of verdicts.filter((x) => x.caller === caller.id)) {
          const span = v.upMs === undefined ? `down from ${at(v.downMs).trim()} to the end` : `down ${at(v.downMs).trim()} to ${at(v.upMs).trim()}`;
          const got =
            v.heardDownMs === undefined
              ? dim("nothing")
              : `${red("DOWN")} ${at(v.heardDownMs).trim()}${v.heardUpMs === undefined ? "" : `, ${green("UP")} ${at(v.heardUpMs).trim()}`}`;
          const flag = v.asPredicted ? "" : red("  (not what the rules predict)");
          lines.push(`  ${v.listener.padEnd(7)} ${span.padEnd(24)} → ${got}: ${v.why}${flag}`);
        }
      }
      write(lines.join("\n") + "\n");
    },
  };
}
