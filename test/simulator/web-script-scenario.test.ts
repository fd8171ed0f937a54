import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import type { SimHttpsListener } from "../../simulator/create-https-listener.js";
import type { Scheduler } from "../../simulator/scheduler.js";
import { startScenario } from "../../simulator/start-scenario.js";
import { parseScenario } from "../../simulator/validate-scenario.js";
import { requestOnce } from "./http-request.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs the simulator CLI on `scenario` to its end; stdout lines and the exit code. */
async function runCli(scenario: unknown, args: readonly string[] = []): Promise<{ code: number | null; lines: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), "sim-web-script-"));
  const file = join(dir, "scenario.json");
  await writeFile(file, JSON.stringify(scenario));
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@service-monitor/source", "simulator/cli.ts", ...args, file], { cwd: ROOT });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  return { code, lines: stdout.trim().split("\n") };
}

/**
 * The scenario's clock and timers are moved by hand, so a step never races a
 * request on a slow machine; the sockets and requests are real (loopback).
 */
function manualTime() {
  let now = Date.now();
  const timers: Array<{ at: number; run: () => void; live: boolean }> = [];
  const scheduler: Scheduler = (run, delayMs) => {
    const timer = { at: now + delayMs, run, live: true };
    timers.push(timer);
    return () => {
      timer.live = false;
    };
  };
  return {
    clock: () => now,
    scheduler,
    /** Moves the clock to `offsetMs` after `startedAtMs` and runs the timers that fell due. */
    advanceTo(offsetMs: number, startedAtMs: number): void {
      now = startedAtMs + offsetMs;
      for (const timer of timers.filter((t) => t.live && t.at <= now)) {
        timer.live = false;
        timer.run();
      }
    },
  };
}

describe("scripted HTTP(S) answers seen by a client on loopback", () => {
  it("a client sees the status, body, headers and delay change on the script, and the cycle take turns", async () => {
    const time = manualTime();
    const scenario = parseScenario({
      listeners: [
        {
          name: "web",
          kind: "http",
          response: { body: "ok" },
          script: [
            { at: "4s", response: { status: 503, body: "maintenance", headers: { "retry-after": "10" } } },
            { at: "6s", response: { delay: "1h" } },
            { at: "8s", response: { status: 200, body: "back", delay: 0 } },
          ],
        },
        { name: "flaky", kind: "http", cycle: { start: "1s", every: "2s", responses: [{ status: 503, body: "busy" }, { status: 200 }] } },
      ],
    });
    const running = await startScenario(scenario, { clock: time.clock, scheduler: time.scheduler });
    try {
      const web = `http://127.0.0.1:${running.ports["web"]}/health`;
      const flaky = `http://127.0.0.1:${running.ports["flaky"]}/`;
      const at = (ms: number): void => time.advanceTo(ms, running.startedAtMs);
      expect(await requestOnce(web)).toMatchObject({ kind: "response", status: 200, body: "ok" });
      expect(await requestOnce(flaky)).toMatchObject({ status: 200, body: "ok" });

      at(1_000);
      expect(await requestOnce(flaky)).toMatchObject({ status: 503, body: "busy" });
      at(3_000);
      expect(await requestOnce(flaky)).toMatchObject({ status: 200, body: "ok" });

      at(4_000);
      const maintenance = await requestOnce(web);
      expect(maintenance).toMatchObject({ status: 503, body: "maintenance" });
      expect(maintenance.kind === "response" ? maintenance.headers["retry-after"] : undefined).toBe("10");
      at(5_000);
      expect(await requestOnce(flaky)).toMatchObject({ status: 503, body: "busy" });

      // An hour's delay outlasts any check timeout: the client gives up first.
      at(6_000);
      expect(await requestOnce(web, { timeoutMs: 300 })).toEqual({ kind: "error", code: "TIMEOUT" });

      at(8_000);
      expect(await requestOnce(web)).toMatchObject({ status: 200, body: "back" });
      expect(running.events().filter((e) => e.type === "response").map((e) => `${e.scheduledMs} ${e.listener}`)).toEqual([
        "1000 flaky",
        "3000 flaky",
        "4000 web",
        "5000 flaky",
        "6000 web",
        "7000 flaky",
        "8000 web",
      ]);
    } finally {
      await running.stop();
    }
  });

  it("a client sees the renewed certificate: valid, then already expired, then valid again", async () => {
    const time = manualTime();
    const scenario = parseScenario({
      listeners: [
        {
          name: "site",
          kind: "https",
          certificate: { expiresInDays: 30 },
          script: [{ at: "2s", certificate: { expiresInDays: -1 } }, { at: "4s", certificate: { expiresInDays: 90 } }],
        },
      ],
    });
    const running = await startScenario(scenario, { clock: time.clock, scheduler: time.scheduler });
    try {
      const site = running.listeners.get("site") as SimHttpsListener;
      const url = `https://127.0.0.1:${running.ports["site"]}/`;
      const trusting = (): { ca: string } => ({ ca: site.certificate()?.cert ?? "" });
      expect(await requestOnce(url, trusting())).toMatchObject({ kind: "response", status: 200 });

      time.advanceTo(2_000, running.startedAtMs);
      await vi.waitFor(() => expect(running.events().filter((e) => e.type === "certificate")).toHaveLength(1));
      // Trusted, but expired: what an HTTPS check with verification on must report.
      expect(await requestOnce(url, trusting())).toEqual({ kind: "error", code: "CERT_HAS_EXPIRED" });

      time.advanceTo(4_000, running.startedAtMs);
      await vi.waitFor(() => expect(running.events().filter((e) => e.type === "certificate")).toHaveLength(2));
      expect(await requestOnce(url, trusting())).toMatchObject({ kind: "response", status: 200 });
      // The listener never re-bound: one open, no transitions.
      expect(running.events().map((e) => e.type)).toEqual(["open", "certificate", "certificate"]);
    } finally {
      await running.stop();
    }
  });
});

// A tsx process per test: slow to start on a loaded machine, hence the wide budget.
describe("the CLI reports web steps", { timeout: 120_000 }, () => {
  const scenario = {
    listeners: [
      { name: "web", kind: "http", script: [{ at: 100, response: { status: 503, body: "maintenance" } }, { at: 200, response: { delay: "3s" } }] },
      { name: "site", kind: "https", script: [{ at: 300, certificate: { expiresInDays: -1 } }] },
    ],
    duration: "600ms",
  };

  it("as text lines", async () => {
    const run = await runCli(scenario);
    expect(run.code).toBe(0);
    // Offsets are where the changes really happened, so only their shape is checked.
    const shapes = run.lines.map((line) => line.replace(/^\S+ +/, "").replace(/\+\d+\.\d{3}s/, "+T").replace(/\(\S+Z\)/, "(DATE)"));
    expect(shapes.slice(0, 2)).toEqual([
      expect.stringMatching(/^open {2}web listening on http:\/\/127\.0\.0\.1:\d+\/, initially up$/),
      expect.stringMatching(/^open {2}site listening on https:\/\/127\.0\.0\.1:\d+\/, initially up$/),
    ]);
    expect(shapes.slice(2)).toEqual([
      '+T  web responds 503, body "maintenance"',
      "+T  web delay 3s",
      "+T  site tls renewed, expires in -1 days (DATE)",
      "+T  scenario ended (duration reached)",
    ]);
  });

  it("as NDJSON events", async () => {
    const run = await runCli(scenario, ["--json"]);
    expect(run.code).toBe(0);
    const events = run.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.filter((e) => e["type"] === "response" || e["type"] === "certificate")).toEqual([
      expect.objectContaining({ type: "response", listener: "web", scheduledMs: 100, changed: { status: 503, body: "maintenance" } }),
      expect.objectContaining({
        type: "response",
        listener: "web",
        scheduledMs: 200,
        changed: { delayMs: 3_000 },
        response: { status: 503, body: "maintenance", headers: { "content-type": "text/plain; charset=utf-8" }, delayMs: 3_000 },
      }),
      expect.objectContaining({ type: "certificate", listener: "site", scheduledMs: 300, expiresInMs: -86_400_000, time: expect.any(String) }),
    ]);
  });
});
