import { describe, expect, it } from "vitest";
import { computeSchedule } from "../../simulator/compute-schedule.js";
import { demoPlan } from "../../demo/demo-plan.js";
import { downEpisodes, explainEpisode } from "../../demo/explain-episode.js";
import { runDemo } from "../../demo/run-demo.js";

describe("explainEpisode", () => {
  const outage = { startMs: 20_000, endMs: 40_000 };

  it("predicts DOWN at the grace deadline, or nothing when the service is back first", () => {
    expect(explainEpisode({ listener: "x", downMs: 10_000, upMs: 14_000 }, 0, [])).toEqual({ downDueMs: 10_000, why: "down longer than its 0s grace" });
    expect(explainEpisode({ listener: "x", downMs: 10_000, upMs: 14_000 }, 8000, [])).toEqual({ downDueMs: undefined, why: "back within its 8s grace" });
    expect(explainEpisode({ listener: "x", downMs: 10_000, upMs: undefined }, 8000, []).downDueMs).toBe(18_000);
  });

  it("silences what happens inside a planned outage, and announces at its end what is still down", () => {
    expect(explainEpisode({ listener: "x", downMs: 25_000, upMs: 30_000 }, 0, [outage])).toEqual({
      downDueMs: undefined,
      why: "down and back up inside a planned outage",
    });
    expect(explainEpisode({ listener: "x", downMs: 36_000, upMs: 50_000 }, 0, [outage]).downDueMs).toBe(40_000);
    // Grace that runs out after the window is plain grace again.
    expect(explainEpisode({ listener: "x", downMs: 36_000, upMs: 50_000 }, 8000, [outage]).downDueMs).toBe(44_000);
    expect(explainEpisode({ listener: "x", downMs: 15_000, upMs: 30_000 }, 10_000, [outage]).why).toMatch(/back before the outage ended/);
  });

  it("splits transitions into down episodes", () => {
    const transitions = [
      { offsetMs: 1, state: "down" as const },
      { offsetMs: 2, state: "up" as const },
      { offsetMs: 5, state: "down" as const },
    ];
    expect(downEpisodes("x", transitions)).toEqual([
      { listener: "x", downMs: 1, upMs: 2 },
      { listener: "x", downMs: 5, upMs: undefined },
    ]);
  });
});

describe("the demo plan", () => {
  it("runs about a minute and scales every time and grace by its speed", () => {
    const normal = demoPlan(1);
    const fast = demoPlan(2);
    expect(normal.scenario.durationMs).toBe(60_000);
    expect(fast.scenario.durationMs).toBe(30_000);
    expect(fast.callers.map((c) => c.graceMs)).toEqual(normal.callers.map((c) => c.graceMs / 2));
    // Every down phase outlasts a 1 s check interval, even at speed 2.
    for (const spec of fast.scenario.listeners) {
      const schedule = computeSchedule({ listeners: [spec], durationMs: fast.scenario.durationMs });
      const episodes = downEpisodes(spec.name, schedule.map((t) => ({ offsetMs: t.atMs, state: t.state })));
      for (const e of episodes) expect((e.upMs ?? fast.scenario.durationMs) - e.downMs).toBeGreaterThanOrEqual(1500);
    }
    expect(() => demoPlan(3)).toThrow(/speed must be from 1 to 2/);
  });
});

describe("npm run demo", () => {
  it("runs to its summary unattended, and every caller heard what the rules predict", { timeout: 60_000 }, async () => {
    let output = "";
    const { verdicts, heard } = await runDemo({ speed: 2, write: (text) => void (output += text) });

    expect(output).toContain("What each caller heard, and why");
    for (const caller of ["pager", "dashboard", "report"]) expect(output).toMatch(new RegExp(`\\n${caller} \\(grace \\d+s\\): \\d+ notifications?`));
    const wrong = verdicts.filter((v) => !v.asPredicted);
    expect(wrong, output).toEqual([]);

    const heardDown = (caller: string, listener: string) => heard.some((h) => h.caller === caller && h.listener === listener && h.status === "DOWN");
    expect(heardDown("pager", "web")).toBe(true);
    expect(heardDown("dashboard", "web")).toBe(false);
    expect(heardDown("report", "db")).toBe(true);
    expect(["pager", "dashboard", "report"].some((c) => heardDown(c, "cache"))).toBe(false);
    // 5 services x 3 callers: a first status each, and nothing after the end of the script.
    expect(heard.filter((h) => h.first)).toHaveLength(15);
  });
});
