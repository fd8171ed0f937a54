import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, spawnServer, type SpawnedServer } from "../support/spawn-server.js";

const run = promisify(execFile);

/**
 * The SDK as another project gets it: `npm pack` of the workspace, installed
 * from the tarball into an empty project that has neither TypeScript nor tsx,
 * then used by a plain .mjs against a real server, by `npx monitorctl`, and
 * type-checked as a .ts consumer under NodeNext and Bundler resolution.
 */
describe("the packed SDK", () => {
  let project: string;
  let tarball: string;
  let server: SpawnedServer;
  let listener: Server;
  let listenerPort: number;

  beforeAll(async () => {
    const packDir = mkdtempSync(join(tmpdir(), "monitor-sdk-pack-"));
    await run("npm", ["pack", "--workspace", "sdk", "--pack-destination", packDir], { cwd: ROOT });
    tarball = join(packDir, readdirSync(packDir).find((name) => name.endsWith(".tgz"))!);
    project = mkdtempSync(join(tmpdir(), "monitor-sdk-consumer-"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    cpSync(join(ROOT, "test/fixtures/sdk-consumer"), project, { recursive: true });
    // --prefer-offline: the client dependencies are in npm's cache from the repository's own install.
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: project });
    server = await spawnServer();
    listener = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    listenerPort = (listener.address() as { port: number }).port;
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    listener?.close();
  });

  it("holds the compiled SDK and nothing of the server", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.trim().split("\n");
    expect(files).toContain("package/dist/index.js");
    expect(files).toContain("package/dist/index.d.ts");
    expect(files).toContain("package/dist/cli/bin.js");
    expect(files).toContain("package/dist/gen/monitor/v1/watch_service_pb.js");
    expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
    expect(files.filter((file) => /server|grpc\/health|reflection|test\//.test(file))).toEqual([]);
    const installed = readdirSync(join(project, "node_modules"));
    expect(installed).not.toContain("better-sqlite3");
    expect(installed).not.toContain("typescript");
    expect(installed).not.toContain("tsx");
    const { stdout: tree } = await run("npm", ["ls", "--all", "--parseable"], { cwd: project });
    // The SDK and its three client dependencies, with theirs (about ten packages, not sixty).
    expect(tree.trim().split("\n").length).toBeLessThan(20);
  });

  it("registers, subscribes and watches a real server from a plain .mjs", async () => {
    const { stdout } = await run(process.execPath, ["consumer.mjs", server.baseUrl, String(listenerPort), "mjs-consumer"], {
      cwd: project,
      timeout: 30_000,
    });
    const steps = stdout.trim().split("\n").map((line) => JSON.parse(line) as { step: string; sequence?: number });
    expect(steps.map((s) => s.step)).toEqual(["registered", "snapshot", "subscribed", "statusChange"]);
    expect(steps[0]).toMatchObject({ checkTimeoutMs: 2000 });
    expect(steps.at(-1)?.sequence).toBeGreaterThan(0);
  });

  it("runs monitorctl with npx from the installed package", async () => {
    const env = { ...process.env, MONITOR_SERVER: server.baseUrl, NO_COLOR: "1" };
    const { stdout } = await run("npx", ["--no-install", "monitorctl", "callers", "ls"], { cwd: project, env });
    expect(stdout).toMatch(/^ID +NAME +TOKEN\n/);
    expect(stdout).toContain("mjs-consumer");
  });

  it.each([
    ["NodeNext", { module: "NodeNext", moduleResolution: "NodeNext" }],
    ["Bundler", { module: "ESNext", moduleResolution: "Bundler" }],
  ])("type-checks a .ts consumer with %s resolution", async (_name, resolution) => {
    const tsconfig = {
      compilerOptions: {
        ...resolution,
        target: "ES2022",
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        // The consumer's own @types/node; here the repository's, found by path.
        typeRoots: [join(ROOT, "node_modules/@types")],
        types: ["node"],
      },
      files: ["consumer.ts"],
    };
    const name = `tsconfig.${resolution.moduleResolution}.json`;
    writeFileSync(join(project, name), JSON.stringify(tsconfig));
    const result = await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", name], { cwd: project }).then(
      () => ({ code: 0, stdout: "" }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(result.stdout).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);
});
