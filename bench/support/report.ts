import { cpus, loadavg, release, totalmem } from "node:os";
import { summarize, type Summary } from "./percentiles.js";

/** A target from the issue, held against one statistic of a figure. */
export interface Target {
  readonly stat: "min" | "median" | "p99" | "max";
  readonly op: "<" | "<=" | ">=";
  readonly value: number;
}

/** One measured figure: the summary of its samples, and its target if it has one. */
export interface Figure extends Summary {
  readonly name: string;
  readonly unit: string;
  readonly target?: Target;
  /** Whether the target's statistic meets it; absent without a target. */
  readonly met?: boolean;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** What was run: sizes, intervals, repetitions. */
  readonly parameters: Readonly<Record<string, number | string>>;
  readonly figures: readonly Figure[];
  /** Anything a reader needs to interpret the figures (e.g. what a sample is). */
  readonly notes: readonly string[];
}

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly kernel: string;
  readonly memoryMb: number;
}

export interface BenchReport {
  readonly mode: string;
  readonly machine: MachineInfo;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** 1-minute load average before and after: other work on a shared machine shows here. */
  readonly loadAverage: { readonly before: number; readonly after: number };
  readonly scenarios: readonly ScenarioResult[];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    node: process.version,
    kernel: release(),
    memoryMb: Math.round(totalmem() / 2 ** 20),
  };
}

export const loadAverage1m = (): number => loadavg()[0]!;

function meets(summary: Summary, target: Target): boolean {
  const value = summary[target.stat];
  switch (target.op) {
    case "<":
      return value < target.value;
    case "<=":
      return value <= target.value;
    case ">=":
      return value >= target.value;
  }
}

/** Summarizes `samples` into a figure, judged against `target` when given. */
export function figure(name: string, unit: string, samples: Iterable<number>, target?: Target): Figure {
  const summary = summarize(samples);
  return target === undefined ? { name, unit, ...summary } : { name, unit, ...summary, target, met: meets(summary, target) };
}

/** Three significant digits at most, no exponent for the sizes seen here. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "–";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toFixed(digits);
}

export function formatTarget(target: Target | undefined): string {
  return target === undefined ? "" : `${target.stat} ${target.op} ${target.value}`;
}

/** The table printed at the end of a run (and pasted into docs/benchmarks.md). */
export function formatTable(report: BenchReport): string {
  const rows: string[][] = [["scenario", "figure", "unit", "n", "min", "median", "p99", "max", "target", "met"]];
  for (const scenario of report.scenarios) {
    for (const f of scenario.figures) {
      rows.push([
        scenario.id,
        f.name,
        f.unit,
        String(f.n),
        formatNumber(f.min),
        formatNumber(f.median),
        formatNumber(f.p99),
        formatNumber(f.max),
        formatTarget(f.target),
        f.met === undefined ? "" : f.met ? "yes" : "NO",
      ]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (c >= 3 && c <= 7 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => (c >= 3 && c <= 7 ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  const m = report.machine;
  return [
    `${report.mode} run, ${report.startedAt}: ${m.cores} × ${m.cpuModel}, Node ${m.node}, load average ${report.loadAverage.before.toFixed(2)} → ${report.loadAverage.after.toFixed(2)}`,
    "",
    line(rows[0]!),
    rule,
    ...rows.slice(1).map(line),
  ].join("\n");
}
