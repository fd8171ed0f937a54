import { describe, expect, it } from "vitest";
import { parseServerArgs, USAGE } from "../../server/server-args.js";

/** --config / MONITOR_CONFIG: the declarative config file, none by default. */
describe("--config", () => {
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const parsed = parseServerArgs(argv, env);
    if (parsed.kind !== "run") throw new Error(`expected run, got ${JSON.stringify(parsed)}`);
    return parsed.args.config;
  };

  it("is off by default and takes a path from the flag or the environment; the flag wins", () => {
    expect(run([])).toBeUndefined();
    expect(run([], { MONITOR_CONFIG: "none" })).toBeUndefined();
    expect(run(["--config", "monitor.json"])).toBe("monitor.json");
    expect(run([], { MONITOR_CONFIG: "/etc/monitor.json" })).toBe("/etc/monitor.json");
    expect(run(["--config=./a.json"], { MONITOR_CONFIG: "b.json" })).toBe("./a.json");
  });

  it("is in the usage text, with its variable", () => {
    expect(USAGE).toMatch(/--config FILE +JSON file declaring services/);
    expect(USAGE).toContain("env: MONITOR_CONFIG");
  });
});
