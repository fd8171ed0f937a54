import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../../simulator/load-scenario-file.js";
import { ScenarioError } from "../../simulator/scenario-error.js";
import { parseScenario, validateScenario } from "../../simulator/validate-scenario.js";

/** Issues as `path: message` lines, the way the CLI prints them. */
function issuesOf(raw: unknown): string[] {
  const result = validateScenario(raw);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

/** A scenario with one listener built from `listener`, for focused error cases. */
function one(listener: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { listeners: [{ name: "db", ...listener }], ...extra };
}

describe("validateScenario: accepted files", () => {
  it("fills in defaults and converts durations", () => {
    expect(parseScenario({ listeners: [{ name: "db" }] })).toEqual({
      listeners: [{ name: "db", host: "127.0.0.1", port: 0, initial: "up", pattern: { kind: "steady" } }],
    });
  });

  it("normalizes scripts, flaps and the duration", () => {
    const scenario = parseScenario({
      description: "two services",
      listeners: [
        { name: "db", port: 5432, host: "::1", initial: "down", script: [{ at: 100, state: "up" }, { at: "1s", state: "down" }] },
        { name: "cache", flap: { start: "2s", up: "3s", down: "500ms", count: 4 } },
        { name: "web", flap: { up: "1s", down: "1s" } },
      ],
      duration: "1m",
    });
    expect(scenario.durationMs).toBe(60_000);
    expect(scenario.listeners.map((l) => l.pattern)).toEqual([
      { kind: "script", steps: [{ atMs: 100, state: "up" }, { atMs: 1_000, state: "down" }] },
      { kind: "flap", startMs: 2_000, downMs: 500, upMs: 3_000, count: 4 },
      { kind: "flap", startMs: 0, downMs: 1_000, upMs: 1_000 },
    ]);
    expect(scenario.listeners[0]).toMatchObject({ host: "::1", port: 5432, initial: "down" });
  });

  it("accepts the shipped example scenario", async () => {
    const scenario = await loadScenarioFile("simulator/scenarios/example.json");
    expect(scenario.listeners.map((l) => l.name)).toEqual(["db", "cache", "web"]);
  });
});

describe("validateScenario: errors name the field", () => {
  it.each<[string, unknown, string[]]>([
    ["a non-object root", [], ["(root): expected an object, got an array"]],
    ["missing listeners", {}, ["listeners: required (an array of listeners)"]],
    ["empty listeners", { listeners: [] }, ["listeners: expected a non-empty array, got an array"]],
    ["an unknown top-level key", { listeners: [{ name: "a" }], durration: "5s" }, ["durration: unknown key (expected one of: description, listeners, duration)"]],
    ["a zero duration", one({}, { duration: 0 }), ["duration: must be longer than 0ms"]],
    ["a bad duration", one({}, { duration: "1 minute" }), ['duration: expected a duration like "5s", got "1 minute"']],
    ["a listener that is not an object", { listeners: ["db"] }, ['listeners[0]: expected an object, got "db"']],
    ["a missing name", { listeners: [{ port: 1 }] }, ['listeners[0].name: required (a name such as "db")']],
    ["a bad name", { listeners: [{ name: "my db" }] }, ['listeners[0].name: expected a name of letters, digits, ".", "_" or "-", got "my db"']],
    ["an unknown listener key", one({ intial: "up" }), ["listeners[0].intial: unknown key (expected one of: name, kind, host, port, initial, script, flap, response, certificate)"]],
    ["a non-loopback host", one({ host: "0.0.0.0" }), ['listeners[0].host: only loopback is allowed: expected "127.0.0.1" or "::1", got "0.0.0.0"']],
    ["localhost", one({ host: "localhost" }), ['listeners[0].host: only loopback is allowed: expected "127.0.0.1" or "::1", got "localhost"']],
    ["a port above 65535", one({ port: 70000 }), ["listeners[0].port: expected an integer from 0 to 65535 (0 = any free port), got 70000"]],
    ["a negative port", one({ port: -1 }), ["listeners[0].port: expected an integer from 0 to 65535 (0 = any free port), got -1"]],
    ["a string port", one({ port: "80" }), ['listeners[0].port: expected an integer from 0 to 65535 (0 = any free port), got "80"']],
    ["a bad initial state", one({ initial: "UP" }), ['listeners[0].initial: expected "up" or "down", got "UP"']],
    ["script and flap together", one({ script: [], flap: { up: 1, down: 1 } }), ['listeners[0]: use either "script" or "flap", not both']],
    ["a script that is not an array", one({ script: { at: "1s" } }), ["listeners[0].script: expected an array of steps, got an object"]],
    ["a step with a bad duration", one({ script: [{ at: "5x", state: "down" }] }), ['listeners[0].script[0].at: expected a duration like "5s", got "5x"']],
    ["a step missing fields", one({ script: [{}] }), ["listeners[0].script[0].at: required", "listeners[0].script[0].state: required"]],
    ["an unknown step key", one({ script: [{ at: 1, state: "down", note: "x" }] }), ["listeners[0].script[0].note: unknown key (expected one of: at, state)"]],
    ["a bad step state", one({ script: [{ at: 1, state: "off" }] }), ['listeners[0].script[0].state: expected "up" or "down", got "off"']],
    [
      "steps out of order",
      one({ script: [{ at: "5s", state: "down" }, { at: "3s", state: "up" }] }),
      ["listeners[0].script[1].at: steps must be in increasing time order: 3s is not after 5s (listeners[0].script[0].at)"],
    ],
    [
      "two steps at the same time",
      one({ script: [{ at: "5s", state: "down" }, { at: 5000, state: "up" }] }),
      ["listeners[0].script[1].at: steps must be in increasing time order: 5s is not after 5s (listeners[0].script[0].at)"],
    ],
    ["a step that repeats the initial state", one({ script: [{ at: "1s", state: "up" }] }), ['listeners[0].script[0].state: the listener is already "up" at this point']],
    [
      "a step that repeats the previous step",
      one({ script: [{ at: "1s", state: "down" }, { at: "2s", state: "down" }] }),
      ['listeners[0].script[1].state: the listener is already "down" at this point'],
    ],
    [
      "a step at or after the duration",
      one({ script: [{ at: "70s", state: "down" }] }, { duration: "1m" }),
      ["listeners[0].script[0].at: 70s is not before the scenario's duration (1m)"],
    ],
    ["a flap that is not an object", one({ flap: "fast" }), ['listeners[0].flap: expected an object, got "fast"']],
    ["a flap missing phases", one({ flap: {} }), ["listeners[0].flap.down: required", "listeners[0].flap.up: required"]],
    ["a zero flap phase", one({ flap: { up: "1s", down: 0 } }), ["listeners[0].flap.down: must be longer than 0ms"]],
    ["a bad flap count", one({ flap: { up: "1s", down: "1s", count: 0 } }), ["listeners[0].flap.count: expected a whole number of down phases, 1 or more, got 0"]],
    ["a fractional flap count", one({ flap: { up: "1s", down: "1s", count: 1.5 } }), ["listeners[0].flap.count: expected a whole number of down phases, 1 or more, got 1.5"]],
    ["an unknown flap key", one({ flap: { up: "1s", down: "1s", times: 3 } }), ["listeners[0].flap.times: unknown key (expected one of: start, down, up, count)"]],
    [
      "a flap starting after the duration",
      one({ flap: { start: "10s", up: "1s", down: "1s" } }, { duration: "10s" }),
      ["listeners[0].flap.start: 10s is not before the scenario's duration (10s)"],
    ],
  ])("rejects %s", (_label, raw, expected) => {
    expect(issuesOf(raw)).toEqual(expected);
  });

  it("reports duplicate names, even when the entry has other problems", () => {
    expect(issuesOf({ listeners: [{ name: "db" }, { name: "cache" }, { name: "db", port: -1 }] })).toEqual([
      "listeners[2].port: expected an integer from 0 to 65535 (0 = any free port), got -1",
      'listeners[2].name: duplicate name "db" (already used by listeners[0])',
    ]);
  });

  it("reports a fixed port used twice on one host, but not port 0 or another host", () => {
    expect(
      issuesOf({
        listeners: [
          { name: "a", port: 8080 },
          { name: "b", port: 8080, host: "::1" },
          { name: "c", port: 0 },
          { name: "d", port: 0 },
          { name: "e", port: 8080 },
        ],
      }),
    ).toEqual(["listeners[4].port: port 8080 on 127.0.0.1 is already used by listeners[0]"]);
  });

  it("collects every issue in one pass", () => {
    expect(
      issuesOf({
        listeners: [
          { name: "db", port: 70000, script: [{ at: "5x", state: "down" }] },
          { name: "cache", flap: { up: "1s", down: "1s", count: -2 } },
        ],
        duration: "soon",
      }),
    ).toEqual([
      'duration: expected a duration like "5s", got "soon"',
      "listeners[0].port: expected an integer from 0 to 65535 (0 = any free port), got 70000",
      'listeners[0].script[0].at: expected a duration like "5s", got "5x"',
      "listeners[1].flap.count: expected a whole number of down phases, 1 or more, got -2",
    ]);
  });

  it("parseScenario throws a ScenarioError with one line per issue, prefixed by the source", () => {
    const raw = { listeners: [{ name: "db", script: [{ at: "5x", state: "down" }] }, { name: "db" }] };
    const error = (() => {
      try {
        parseScenario(raw, "demo.json");
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).message).toBe(
      'demo.json: listeners[0].script[0].at: expected a duration like "5s", got "5x"\n' +
        'demo.json: listeners[1].name: duplicate name "db" (already used by listeners[0])',
    );
    expect((error as ScenarioError).issues).toHaveLength(2);
  });
});

describe("loadScenarioFile", () => {
  it("names the file for unreadable or malformed input", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-load-"));
    const broken = join(dir, "broken.json");
    await writeFile(broken, "{ listeners: ");
    await expect(loadScenarioFile(broken)).rejects.toThrow(`${broken}: not valid JSON:`);
    await expect(loadScenarioFile(join(dir, "missing.json"))).rejects.toThrow(`cannot read scenario file ${join(dir, "missing.json")}: ENOENT`);
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ listeners: [{ name: "db", port: 70000 }] }));
    await expect(loadScenarioFile(bad)).rejects.toThrow(
      `${bad}: listeners[0].port: expected an integer from 0 to 65535 (0 = any free port), got 70000`,
    );
  });
});
