import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: `npm run build` (incremental, so about a second when
 * nothing changed). Tests that run the compiled server (`npm start`), the
 * monitorctl bin or the packed SDK then see the code under test, not a stale
 * dist/ from an earlier build.
 */
export default function buildOnce(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
}
