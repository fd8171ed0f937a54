import { describe, expect, it } from "vitest";
import { parseServerArgs } from "../../server/server-args.js";

/** The operating flags (issue 8, items 5 and 7): log level and format, the metrics port. */
describe("log and metrics flags", () => {
  it("default to info, JSON and no metrics port", () => {
    const parsed = parseServerArgs([], {});
    expect(parsed).toMatchObject({ kind: "run", args: { logLevel: "info", logFormat: "json" } });
    expect(parsed.kind === "run" && parsed.args.metricsListen).toBeUndefined();
  });

  it("take the environment, and flags over it", () => {
    const env = { MONITOR_LOG_LEVEL: "warn", MONITOR_LOG_FORMAT: "pretty", MONITOR_METRICS_LISTEN: "127.0.0.1:9464" };
    expect(parseServerArgs([], env)).toMatchObject({
      args: { logLevel: "warn", logFormat: "pretty", metricsListen: { host: "127.0.0.1", port: 9464 } },
    });
    expect(parseServerArgs(["--log-level", "debug", "--log-format=json", "--metrics-listen", "[::1]:0"], env)).toMatchObject({
      args: { logLevel: "debug", logFormat: "json", metricsListen: { host: "::1", port: 0 } },
    });
    for (const off of ["off", ""]) {
      const parsed = parseServerArgs([], { MONITOR_METRICS_LISTEN: off });
      expect(parsed.kind === "run" && parsed.args.metricsListen).toBeUndefined();
    }
  });

  it.each(["trace", "debug", "info", "warn", "error", "fatal", "silent"])("accepts --log-level %s", (level) => {
    expect(parseServerArgs(["--log-level", level], {})).toMatchObject({ args: { logLevel: level } });
  });

  it.each([
    [["--log-level", "verbose"], '--log-level: expected one of trace, debug, info, warn, error, fatal, silent, got "verbose"'],
    [["--log-format", "xml"], '--log-format: expected one of json, pretty, got "xml"'],
    [["--metrics-listen", "9464"], '--metrics-listen: expected HOST:PORT, got "9464"'],
  ])("rejects %j naming the flag", (argv, message) => {
    expect(parseServerArgs(argv, {})).toMatchObject({ kind: "error", message });
  });

  it("names the variable when a bad value came from the environment", () => {
    expect(parseServerArgs([], { MONITOR_LOG_LEVEL: "loud" })).toMatchObject({
      kind: "error",
      message: expect.stringContaining("(from MONITOR_LOG_LEVEL)"),
    });
  });

  it("lists the flags in the help", () => {
    const help = parseServerArgs(["--help"], {});
    const text = help.kind === "help" ? help.text : "";
    expect(text).toMatch(/--log-level LEVEL .*\(default info\)\n +env: MONITOR_LOG_LEVEL/);
    expect(text).toMatch(/--log-format FORMAT .*\(default json\)\n +env: MONITOR_LOG_FORMAT/);
    expect(text).toMatch(/--metrics-listen HOST:PORT .*\(default off\)\n +env: MONITOR_METRICS_LISTEN/);
  });
});
