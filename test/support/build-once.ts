import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: `npm run build` (incremental, so about a second when
 * nothing changed). Tests that run the compiled server (`npm start`), the
 * monitorctl bin or the packed SDK then see the code under test, not a stale
 * dist/ from an earlier build.
 *
 * A failed build stops the run in CI. Locally it only warns, so the tests of
 * one module can run while another is half-edited; the tests that spawn the
 * compiled server then run the last build that worked.
 */
export default function buildOnce(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  try {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b", "tsconfig.build.json"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
    });
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? String(error);
    if (process.env["CI"] !== undefined && process.env["CI"] !== "") throw new Error(`npm run build failed:\n${output}`);
    process.stderr.write(`\n⚠ npm run build failed; tests that run dist/ use the last good build:\n${output}\n`);
  }
}
