import { describe, expect, it } from "vitest";
import { parseCliArgs } from "../../simulator/parse-cli-args.js";

describe("parseCliArgs", () => {
  it.each<[string[], ReturnType<typeof parseCliArgs>]>([
    [["s.json"], { kind: "run", file: "s.json", json: false }],
    [["--json", "s.json"], { kind: "run", file: "s.json", json: true }],
    [["s.json", "--json"], { kind: "run", file: "s.json", json: true }],
    [["--help"], { kind: "help" }],
    [["s.json", "-h"], { kind: "help" }],
    [[], { kind: "usage-error", message: "missing scenario file" }],
    [["--json"], { kind: "usage-error", message: "missing scenario file" }],
    [["--verbose", "s.json"], { kind: "usage-error", message: "unknown option --verbose" }],
    [["a.json", "b.json"], { kind: "usage-error", message: "expected one scenario file, got 2" }],
  ])("reads %j", (argv, expected) => {
    expect(parseCliArgs(argv)).toEqual(expected);
  });
});
