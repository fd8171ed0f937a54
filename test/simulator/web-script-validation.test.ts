import { describe, expect, it } from "vitest";
import { DEFAULT_HTTP_RESPONSE } from "../../simulator/http-response.js";
import { loadScenarioFile } from "../../simulator/load-scenario-file.js";
import { parseScenario, validateScenario } from "../../simulator/validate-scenario.js";

const DAY_MS = 86_400_000;

/** Issues as `path: message` lines, the way the CLI prints them. */
function issuesOf(raw: unknown): string[] {
  const result = validateScenario(raw);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

/** A scenario with one listener named "web" built from `listener`. */
function one(listener: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { listeners: [{ name: "web", ...listener }], ...extra };
}

describe("web script steps: accepted", () => {
  it("splits steps into up/down for the pattern and answer/certificate changes for the service", () => {
    const scenario = parseScenario(
      one({
        kind: "https",
        script: [
          { at: "4s", response: { status: 503, body: "maintenance" } },
          { at: "6s", response: { delay: "3s" } },
          { at: "8s", certificate: { expiresInDays: -1 } },
          { at: "10s", state: "down" },
          { at: "12s", state: "up", response: { status: 200, body: "ok", delay: 0, headers: { "retry-after": "5" } } },
          { at: "14s", certificate: {} },
        ],
      }),
    );
    const [web] = scenario.listeners;
    expect(web?.pattern).toEqual({ kind: "script", steps: [{ atMs: 10_000, state: "down" }, { atMs: 12_000, state: "up" }] });
    expect(web?.service).toEqual({
      kind: "https",
      response: DEFAULT_HTTP_RESPONSE,
      certificateExpiresInMs: 365 * DAY_MS,
      steps: [
        { atMs: 4_000, response: { status: 503, body: "maintenance" } },
        { atMs: 6_000, response: { delayMs: 3_000 } },
        { atMs: 8_000, certificateExpiresInMs: -DAY_MS },
        { atMs: 12_000, response: { status: 200, body: "ok", delayMs: 0, headers: { "retry-after": "5" } } },
        { atMs: 14_000, certificateExpiresInMs: 365 * DAY_MS },
      ],
    });
  });

  it("normalizes a cycle, with and without a count, beside a flap", () => {
    const scenario = parseScenario({
      listeners: [
        { name: "a", kind: "http", cycle: { every: "2s", responses: [{ status: 503 }, { status: 200, body: "back" }] } },
        {
          name: "b",
          kind: "https",
          response: { status: 503 },
          flap: { down: "1s", up: "9s" },
          cycle: { start: "500ms", every: 1_000, responses: [{ status: 200 }, {}, { body: "x" }], count: 2 },
        },
      ],
    });
    expect(scenario.listeners.map((l) => (l.service?.kind === "tcp" ? undefined : l.service?.cycle))).toEqual([
      { startMs: 0, everyMs: 2_000, responses: [{ status: 503 }, { status: 200, body: "back" }] },
      { startMs: 500, everyMs: 1_000, responses: [{ status: 200 }, {}, { body: "x" }], count: 2 },
    ]);
    expect(scenario.listeners[1]?.pattern).toEqual({ kind: "flap", startMs: 0, downMs: 1_000, upMs: 9_000 });
  });

  it("accepts a cycle beside a script of up/down and certificate steps", () => {
    const scenario = parseScenario(
      one({
        kind: "https",
        script: [{ at: "1s", state: "down" }, { at: "2s", certificate: { expiresInDays: 0.5 } }],
        cycle: { every: "1s", responses: [{ status: 503 }, { status: 200 }] },
      }),
    );
    expect(scenario.listeners[0]?.service).toMatchObject({ steps: [{ atMs: 2_000, certificateExpiresInMs: DAY_MS / 2 }] });
  });

  it("keeps a web listener without timed changes in its old shape", () => {
    const scenario = parseScenario(one({ kind: "http", script: [{ at: "1s", state: "down" }] }));
    expect(scenario.listeners[0]?.service).toEqual({ kind: "http", response: DEFAULT_HTTP_RESPONSE });
  });

  it("accepts the shipped web example", async () => {
    const scenario = await loadScenarioFile("simulator/scenarios/web.json");
    expect(scenario.listeners.map((l) => `${l.name} ${l.service?.kind ?? "tcp"}`)).toEqual(["web http", "site https", "flaky http"]);
  });
});

describe("web script steps: errors name the field", () => {
  it.each<[string, unknown, string[]]>([
    [
      "a response step on TCP",
      one({ script: [{ at: "1s", response: { status: 503 } }] }),
      ['listeners[0].script[0].response: only for "kind": "http" or "https"', "listeners[0].script[0].state: required"],
    ],
    [
      "a certificate step on HTTP",
      one({ kind: "http", script: [{ at: "1s", state: "down", certificate: { expiresInDays: 1 } }] }),
      ['listeners[0].script[0].certificate: only for "kind": "https"'],
    ],
    [
      "a web step that changes nothing",
      one({ kind: "http", script: [{ at: "1s" }] }),
      ['listeners[0].script[0].state: required, unless the step sets "response"'],
    ],
    [
      "an https step that changes nothing",
      one({ kind: "https", script: [{ at: "1s" }] }),
      ['listeners[0].script[0].state: required, unless the step sets "response" or "certificate"'],
    ],
    [
      "an unknown step key on HTTP",
      one({ kind: "http", script: [{ at: "1s", status: 503 }] }),
      [
        "listeners[0].script[0].status: unknown key (expected one of: at, state, response)",
        'listeners[0].script[0].state: required, unless the step sets "response"',
      ],
    ],
    [
      "bad response fields in a step",
      one({ kind: "http", script: [{ at: "1s", response: { status: 700, body: [], headers: { "a b": "x" }, delay: -1, code: 1 } }] }),
      [
        "listeners[0].script[0].response.code: unknown key (expected one of: status, body, headers, delay)",
        "listeners[0].script[0].response.status: expected an HTTP status from 200 to 599, got 700",
        "listeners[0].script[0].response.body: expected a string, got an array",
        'listeners[0].script[0].response.headers: "a b" is not a valid header name',
        expect.stringMatching(/^listeners\[0\]\.script\[0\]\.response\.delay: /),
      ],
    ],
    ["a response that is not an object", one({ kind: "http", script: [{ at: "1s", response: 503 }] }), ["listeners[0].script[0].response: expected an object, got 503"]],
    [
      "a response step that repeats the listener's answer",
      one({ kind: "http", response: { status: 503 }, script: [{ at: "1s", response: { status: 503 } }] }),
      ["listeners[0].script[0].response: changes nothing: the listener already answers this at this point"],
    ],
    [
      "a response step that repeats the previous step",
      one({ kind: "http", script: [{ at: "1s", response: { delay: "3s" } }, { at: "2s", response: { delay: 3_000 } }] }),
      ["listeners[0].script[1].response: changes nothing: the listener already answers this at this point"],
    ],
    [
      "a bad certificate renewal",
      one({ kind: "https", script: [{ at: "1s", certificate: { expiresInDays: 0, days: 2 } }, { at: "2s", certificate: "soon" }] }),
      [
        "listeners[0].script[0].certificate.days: unknown key (expected one of: expiresInDays)",
        "listeners[0].script[0].certificate.expiresInDays: expected a non-zero number of days (negative = already expired), got 0",
        'listeners[0].script[1].certificate: expected an object, got "soon"',
      ],
    ],
    [
      "web steps out of order or past the end",
      one({ kind: "http", script: [{ at: "5s", response: { status: 503 } }, { at: "5s", response: { status: 200 } }, { at: "9s", response: { status: 500 } }] }, { duration: "8s" }),
      [
        "listeners[0].script[1].at: steps must be in increasing time order: 5s is not after 5s (listeners[0].script[0].at)",
        "listeners[0].script[2].at: 9s is not before the scenario's duration (8s)",
      ],
    ],
    [
      "a state step that repeats the state, across a response step",
      one({ kind: "http", script: [{ at: "1s", state: "down" }, { at: "2s", response: { status: 503 } }, { at: "3s", state: "down" }] }),
      ['listeners[0].script[2].state: the listener is already "down" at this point'],
    ],
    ["a cycle on TCP", one({ cycle: { every: "1s", responses: [{}, {}] } }), ['listeners[0].cycle: only for "kind": "http" or "https"']],
    ["a cycle that is not an object", one({ kind: "http", cycle: [] }), ["listeners[0].cycle: expected an object, got an array"]],
    [
      "a cycle missing its fields",
      one({ kind: "http", cycle: {} }),
      [
        'listeners[0].cycle.every: required (how long each response is served, e.g. "3s")',
        'listeners[0].cycle.responses: required (two or more answers to take turns, e.g. [{ "status": 503 }, { "status": 200 }])',
      ],
    ],
    [
      "a cycle with bad fields",
      one({ kind: "http", cycle: { start: "x", every: 0, responses: [{ status: 503 }], count: 0, times: 2 } }, { duration: "1m" }),
      [
        "listeners[0].cycle.times: unknown key (expected one of: start, every, responses, count)",
        'listeners[0].cycle.start: expected a duration like "5s", got "x"',
        "listeners[0].cycle.every: must be longer than 0ms",
        "listeners[0].cycle.responses: expected an array of two or more responses, got an array",
        'listeners[0].cycle.count: expected a whole number of rounds through "responses", 1 or more, got 0',
      ],
    ],
    [
      "a bad cycle entry",
      one({ kind: "http", cycle: { every: "1s", responses: [{ status: 503 }, { status: "200" }] } }),
      ['listeners[0].cycle.responses[1].status: expected an HTTP status from 200 to 599, got "200"'],
    ],
    [
      "cycle entries that answer alike",
      one({ kind: "http", cycle: { every: "1s", responses: [{ status: 200 }, {}] } }),
      ["listeners[0].cycle.responses[1]: answers the same as listeners[0].cycle.responses[0], so this phase would change nothing"],
    ],
    [
      "a cycle whose last entry answers like its first",
      one({ kind: "http", cycle: { every: "1s", responses: [{ status: 503 }, { status: 200 }, { status: 503 }] } }),
      ["listeners[0].cycle.responses[0]: answers the same as listeners[0].cycle.responses[2], so this phase would change nothing"],
    ],
    [
      "a cycle starting at the end",
      one({ kind: "http", cycle: { start: "10s", every: "1s", responses: [{ status: 503 }, { status: 200 }] } }, { duration: "10s" }),
      ["listeners[0].cycle.start: 10s is not before the scenario's duration (10s)"],
    ],
    [
      "a script response beside a cycle",
      one({ kind: "http", script: [{ at: "1s", response: { body: "x" } }], cycle: { every: "1s", responses: [{ status: 503 }, { status: 200 }] } }),
      ['listeners[0].script[0].response: not with "cycle": both would change the answer (put these changes in one of them)'],
    ],
    [
      "an unknown listener key on a web listener",
      one({ kind: "http", cylce: {} }),
      ["listeners[0].cylce: unknown key (expected one of: name, kind, host, port, initial, script, flap, response, certificate, cycle)"],
    ],
  ])("rejects %s", (_label, raw, expected) => {
    expect(issuesOf(raw)).toEqual(expected);
  });

  it("still lists a TCP listener's keys without the web-only cycle", () => {
    expect(issuesOf(one({ intial: "up" }))).toEqual([
      "listeners[0].intial: unknown key (expected one of: name, kind, host, port, initial, script, flap, response, certificate)",
    ]);
  });
});
