import { describe, expect, it } from "vitest";
import { parseServerArgs } from "../../server/server-args.js";

/** --tcp-close / MONITOR_TCP_CLOSE: the close mode of services that chose none. */
describe("--tcp-close", () => {
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const parsed = parseServerArgs(argv, env);
    if (parsed.kind !== "run") throw new Error(`expected run, got ${JSON.stringify(parsed)}`);
    return parsed.args.tcpClose;
  };

  it("defaults to fin, takes reset from the flag or the environment, and the flag wins", () => {
    expect(run([])).toBe("fin");
    expect(run(["--tcp-close", "reset"])).toBe("reset");
    expect(run([], { MONITOR_TCP_CLOSE: "reset" })).toBe("reset");
    expect(run(["--tcp-close=fin"], { MONITOR_TCP_CLOSE: "reset" })).toBe("fin");
  });

  it("refuses anything else, naming the flag (and the variable it came from)", () => {
    expect(parseServerArgs(["--tcp-close", "rst"], {})).toMatchObject({
      kind: "error",
      message: '--tcp-close: expected fin or reset, got "rst"',
    });
    expect(parseServerArgs([], { MONITOR_TCP_CLOSE: "FIN" })).toMatchObject({
      kind: "error",
      message: '--tcp-close: expected fin or reset, got "FIN" (from MONITOR_TCP_CLOSE)',
    });
  });

  it("is in the usage text", () => {
    expect(parseServerArgs(["--help"], {})).toMatchObject({ kind: "help", text: expect.stringContaining("--tcp-close fin|reset") });
  });
});
