import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/spawn-server.js";

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe("generated code", () => {
  it("is exactly what `buf generate` produces from proto/", () => {
    const out = mkdtempSync(join(tmpdir(), "monitor-codegen-"));
    // -o prefixes the template's out dir, so the committed tree is untouched.
    execFileSync(join(ROOT, "node_modules/.bin/buf"), ["generate", "-o", out], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env["PATH"] ?? ""}` },
      stdio: "pipe",
    });
    // Each template output: the SDK's monitor.v1, the server's grpc protocols.
    for (const dir of ["sdk/gen", "server/gen"]) {
      const committedDir = join(ROOT, dir);
      const freshDir = join(out, dir);
      const committed = listFiles(committedDir).map((f) => relative(committedDir, f)).sort();
      const fresh = listFiles(freshDir).map((f) => relative(freshDir, f)).sort();
      expect(committed, `files in ${dir} differ from buf generate's; run \`npm run generate\``).toEqual(fresh);
      for (const file of fresh) {
        expect(readFileSync(join(committedDir, file), "utf8"), `${dir}/${file} is stale; run \`npm run generate\``).toBe(
          readFileSync(join(freshDir, file), "utf8"),
        );
      }
    }
  });
});
