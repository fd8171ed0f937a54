import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { SimHttpListener } from "../../simulator/create-web-listener.js";
import { DEFAULT_HTTP_RESPONSE } from "../../simulator/http-response.js";
import type { Scheduler } from "../../simulator/scheduler.js";
import { startScenario } from "../../simulator/start-scenario.js";
import { parseScenario, validateScenario } from "../../simulator/validate-scenario.js";
import { requestOnce } from "./http-request.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DAY_MS = 86_400_000;

/** Issues as `path: message` lines, the way the CLI prints them. */
function issuesOf(raw: unknown): string[] {
  const result = validateScenario(raw);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

describe("scenario files: HTTP and HTTPS listeners", () => {
  it("normalizes kind, response and certificate; TCP keeps its old shape", () => {
    const scenario = parseScenario({
      listeners: [
        { name: "db" },
        { name: "web", kind: "http", response: { status: 503, body: "busy", headers: { "retry-after": "5" }, delay: "1.5s" } },
        { name: "site", kind: "https", certificate: { expiresInDays: -1 } },
      ],
    });
    expect(scenario.listeners[0]).toEqual({ name: "db", host: "127.0.0.1", port: 0, initial: "up", pattern: { kind: "steady" } });
    expect(scenario.listeners[1]?.service).toEqual({
      kind: "http",
      response: { status: 503, body: "busy", headers: { "retry-after": "5" }, delayMs: 1_500 },
    });
    expect(scenario.listeners[2]?.service).toEqual({ kind: "https", response: DEFAULT_HTTP_RESPONSE, certificateExpiresInMs: -DAY_MS });
  });

  it("names each bad field", () => {
    expect(
      issuesOf({
        listeners: [
          { name: "a", kind: "ftp" },
          { name: "b", response: { status: 200 } },
          { name: "c", kind: "http", certificate: {} },
          { name: "d", kind: "http", response: { status: 99, body: 1, headers: { "bad name": "x", ok: "a\nb" }, delay: "5x", code: 1 } },
          { name: "e", kind: "https", certificate: { expiresInDays: 0, days: 1 } },
        ],
      }),
    ).toEqual([
      'listeners[0].kind: expected "tcp" or "http" or "https", got "ftp"',
      'listeners[1].response: only for "kind": "http" or "https"',
      'listeners[2].certificate: only for "kind": "https"',
      "listeners[3].response.code: unknown key (expected one of: status, body, headers, delay)",
      "listeners[3].response.status: expected an HTTP status from 200 to 599, got 99",
      "listeners[3].response.body: expected a string, got 1",
      'listeners[3].response.headers: "bad name" is not a valid header name',
      'listeners[3].response.headers: "ok": not a valid header value (visible ASCII, no line breaks)',
      expect.stringMatching(/^listeners\[3\]\.response\.delay: /),
      "listeners[4].certificate.days: unknown key (expected one of: expiresInDays)",
      "listeners[4].certificate.expiresInDays: expected a non-zero number of days (negative = already expired), got 0",
    ]);
  });

  it("runs HTTP and HTTPS listeners on their script, answering as the file says", async () => {
    const scenario = parseScenario({
      listeners: [
        { name: "web", kind: "http", response: { status: 503, body: "maintenance" }, script: [{ at: "300ms", state: "down" }] },
        { name: "site", kind: "https", certificate: { expiresInDays: -1 } },
      ],
    });
    // Time moved by hand: the "down" at 300ms must not overtake the requests on a slow machine.
    let now = Date.now();
    const timers: Array<{ at: number; run: () => void }> = [];
    const scheduler: Scheduler = (run, delayMs) => {
      const timer = { at: now + delayMs, run };
      timers.push(timer);
      return () => void timers.splice(timers.indexOf(timer), 1);
    };
    const running = await startScenario(scenario, { clock: () => now, scheduler });
    try {
      const web = running.listeners.get("web") as SimHttpListener;
      expect(web.protocol).toBe("http");
      expect(await requestOnce(web.url())).toMatchObject({ status: 503, body: "maintenance" });
      web.respond({ status: 200 });
      expect(await requestOnce(web.url())).toMatchObject({ status: 200, body: "maintenance" });
      expect(web.requestCount()).toBe(2);

      const open = running.events().filter((e) => e.type === "open");
      expect(open.map((e) => e.url)).toEqual([`http://127.0.0.1:${running.ports["web"]}/`, `https://127.0.0.1:${running.ports["site"]}/`]);
      expect(await requestOnce(`https://127.0.0.1:${running.ports["site"]}/`)).toEqual({ kind: "error", code: "CERT_HAS_EXPIRED" });

      // The script's "down" applies to HTTP listeners as to TCP ones.
      now = running.startedAtMs + 300;
      for (const timer of timers.splice(0).filter((t) => t.at <= now)) timer.run();
      await expect.poll(() => web.state()).toBe("down");
      expect(await requestOnce(web.url())).toEqual({ kind: "error", code: "ECONNREFUSED" });
    } finally {
      await running.stop();
    }
  });

  it("the CLI prints an HTTP listener's URL", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-web-cli-"));
    const file = join(dir, "web.json");
    await writeFile(file, JSON.stringify({ listeners: [{ name: "web", kind: "http" }], duration: "300ms" }));
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@service-monitor/source", "simulator/cli.ts", file], { cwd: ROOT });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toMatch(/ {5}open {2}web listening on http:\/\/127\.0\.0\.1:\d+\/, initially up$/);
  });
});
