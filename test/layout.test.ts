import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/spawn-server.js";

/** The product's folders; test/ may reach into any of them, so it is not one of them. */
const FOLDERS = ["server", "sdk", "simulator", "demo", "bench"] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "dist") return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The top-level folder each file's imports land in: relative paths, and the SDK by its package name. */
function folderImports(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>(FOLDERS.map((folder) => [folder, new Set<string>()]));
  for (const folder of FOLDERS) {
    for (const file of sourceFiles(join(ROOT, folder))) {
      for (const [, specifier] of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        let target: string | undefined;
        if (specifier!.startsWith("@service-monitor/sdk")) target = "sdk";
        else if (specifier!.startsWith(".")) target = relative(ROOT, resolve(dirname(file), specifier!)).split("/")[0];
        if (target !== undefined && target !== folder) edges.get(folder)!.add(target);
      }
    }
  }
  return edges;
}

describe("the layout", () => {
  it("has no cycle between top-level folders, and the SDK imports none of them", () => {
    const edges = folderImports();
    expect([...edges.get("sdk")!]).toEqual([]);
    expect([...edges.get("server")!]).toEqual(["sdk"]);
    expect([...edges.get("simulator")!]).toEqual(["sdk"]);
    // Depth-first search for a path back to where it started.
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      [...(edges.get(from) ?? [])].some((next) => next === to || (!seen.has(next) && (seen.add(next), reaches(next, to, seen))));
    const cycles = FOLDERS.filter((folder) => reaches(folder, folder));
    expect(cycles).toEqual([]);
  });
});
