import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { probe } from "./connect-probe.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI; `onStdout` may send it a signal once it has printed enough. */
function runCli(args: readonly string[], onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@service-monitor/source", "simulator/cli.ts", ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      onStdout?.(stdout, (signal) => child.kill(signal));
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

type Line = Record<string, unknown>;
const parseLines = (stdout: string): Line[] =>
  stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Line);

let dir = "";
async function scenarioFile(name: string, content: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sim-cli-"));
});

// Each test starts its own tsx process; five of them at once on a shared, loaded machine
// were measured at ~38s to start, past the 30s default, so the budget here is wider.
describe.concurrent("simulator CLI", { timeout: 120_000 }, () => {
  it("prints ports then transitions as NDJSON, and exits 0 at the duration", async () => {
    const file = await scenarioFile("timed.json", {
      listeners: [
        { name: "db", script: [{ at: 300, state: "down" }, { at: 600, state: "up" }] },
        { name: "cache", flap: { start: "100ms", down: "100ms", up: "200ms", count: 1 } },
      ],
      duration: "800ms",
    });
    const run = await runCli(["--json", file]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = parseLines(run.stdout);
    // Different listeners may finish changing in either order if the machine stalls; sort by plan.
    const planned = (l: Line): number => (typeof l["scheduledMs"] === "number" ? l["scheduledMs"] : l["type"] === "open" ? -1 : Infinity);
    const ordered = [...lines].sort((x, y) => planned(x) - planned(y));
    expect(ordered.map((l) => `${String(l["type"])} ${String(l["listener"] ?? "")} ${String(l["state"] ?? l["reason"])}`)).toEqual([
      "open db up",
      "open cache up",
      "transition cache down",
      "transition cache up",
      "transition db down",
      "transition db up",
      "end  duration",
    ]);
    const ports = new Map(lines.filter((l) => l["type"] === "open").map((l) => [l["listener"], l["port"]]));
    for (const line of lines.filter((l) => l["type"] === "transition")) {
      expect(line["port"]).toBe(ports.get(line["listener"]));
      expect(line["time"]).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    expect([...ports.values()].every((p) => typeof p === "number" && p > 0)).toBe(true);
  });

  it("prints readable lines by default", async () => {
    const file = await scenarioFile("text.json", {
      listeners: [{ name: "web", script: [{ at: 100, state: "down" }] }],
      duration: 200,
    });
    const run = await runCli([file]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/ {5}open {2}web listening on 127\.0\.0\.1:\d+, initially up$/);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z +\+0\.\d{3}s {2}web down$/);
    expect(lines[2]).toMatch(/ \+\d\.\d{3}s {2}scenario ended \(duration reached\)$/);
  });

  it("closes its listeners and exits 0 on SIGTERM", async () => {
    const file = await scenarioFile("forever.json", { listeners: [{ name: "db" }] });
    let signalled = false;
    const run = await runCli(["--json", file], (text, kill) => {
      if (!signalled && text.includes("\n")) {
        signalled = true;
        kill("SIGTERM");
      }
    });
    expect(run.code).toBe(0);
    const lines = parseLines(run.stdout);
    expect(lines.map((l) => l["type"])).toEqual(["open", "end"]);
    expect(lines[1]).toMatchObject({ reason: "stopped" });
    expect(await probe("127.0.0.1", Number(lines[0]?.["port"]))).toBe("ECONNREFUSED");
  });

  it("exits 2 and names the field for a bad scenario", async () => {
    const file = await scenarioFile("bad.json", {
      listeners: [{ name: "db", script: [{ at: "5x", state: "down" }] }, { name: "db", port: 70000 }],
    });
    const run = await runCli([file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toEqual([
      `error: ${file}: listeners[0].script[0].at: expected a duration like "5s", got "5x"`,
      `error: ${file}: listeners[1].port: expected an integer from 0 to 65535 (0 = any free port), got 70000`,
      `error: ${file}: listeners[1].name: duplicate name "db" (already used by listeners[0])`,
    ]);
  });

  it("exits 2 for usage errors and 0 for --help", async () => {
    const [none, help] = await Promise.all([runCli([]), runCli(["--help"])]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: missing scenario file\n\nUsage:/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tsx simulator\/cli\.ts \[--json\] <scenario\.json>/);
  });
});
