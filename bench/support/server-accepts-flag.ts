import { execFileSync } from "node:child_process";
import { ROOT, SERVER_MAIN } from "./bench-server.js";

/**
 * Whether the server the bench starts ({@link SERVER_MAIN}) lists `flag` in
 * its `--help`: how a scenario tells an older server (the baseline built from
 * an earlier commit) from one that has the feature, instead of failing on an
 * unknown flag halfway through a run.
 */
export function serverAcceptsFlag(flag: string): boolean {
  const help = execFileSync(process.execPath, [SERVER_MAIN, "--help"], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  return new RegExp(`(^|\\s)${flag.replace(/[-]/g, "\\-")}(\\s|$)`, "m").test(help);
}
