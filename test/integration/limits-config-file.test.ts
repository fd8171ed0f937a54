import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigFileError, startConfigFileSync, type ConfigFileSync } from "../../server/config/config-file-sync.js";
import { DEFAULT_ALLOW_TARGETS, parseTargetPolicy, type TargetPolicy } from "../../server/limits/target-policy.js";
import { capturedLogger } from "../support/captured-logger.js";
import { createStoreStack } from "../support/store-stack.js";
import { waitUntil } from "../support/wait-until.js";

/** The config file meets the same limits and target policy as the RPCs, and says so clearly. */

const NOW = Date.parse("2030-01-01T00:00:00Z");
const syncs: ConfigFileSync[] = [];
afterEach(async () => {
  await Promise.all(syncs.splice(0).map((s) => s.close()));
});

function write(value: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), "monitor-limits-config-")), "monitor.json");
  writeFileSync(path, JSON.stringify(value));
  return path;
}

async function stack() {
  return createStoreStack({
    now: () => NOW,
    limits: { maxServices: 1, maxCallers: 10, maxSubscriptions: 10 },
    targetPolicy: parseTargetPolicy(DEFAULT_ALLOW_TARGETS) as TargetPolicy,
  });
}

describe("config file and limits", () => {
  it("refuses to start on a file over --max-services or naming a refused host, with the reason", async () => {
    const { registry } = await stack();
    const { logger } = capturedLogger("debug");
    const tooMany = write({ version: 1, services: [{ id: "a", host: "127.0.0.1", port: 1 }, { id: "b", host: "127.0.0.1", port: 2 }] });
    const error = await startConfigFileSync({ path: tooMany, registry, logger, now: () => NOW, debounceMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as Error).message).toMatch(/could not add service "?b"?: max-services limit of 1 reached/);
    expect(registry.listServices().map((s) => s.id)).toEqual(["a"]);

    const metadata = write({ version: 1, services: [{ id: "a", host: "127.0.0.1", port: 1 }, { id: "m", host: "169.254.169.254", port: 80 }] });
    const refused = await startConfigFileSync({ path: metadata, registry, logger, now: () => NOW, debounceMs: 50 }).catch((e: unknown) => e);
    expect((refused as Error).message).toContain("host 169.254.169.254 is not allowed by --allow-targets");
  });

  it("logs a refused live edit and keeps running", async () => {
    const { registry } = await stack();
    const { logger, lines } = capturedLogger("debug");
    const path = write({ version: 1, services: [{ id: "a", host: "127.0.0.1", port: 1 }] });
    syncs.push(await startConfigFileSync({ path, registry, logger, now: () => NOW, debounceMs: 50 }));
    writeFileSync(path, JSON.stringify({ version: 1, services: [{ id: "a", host: "127.0.0.1", port: 1 }, { id: "b", host: "127.0.0.1", port: 2 }] }));
    const refusal = () => lines.find((l) => String(l["msg"]).includes("max-services limit of 1 reached"));
    await waitUntil(() => refusal() !== undefined, 20_000, "the refusal to be logged");
    expect(refusal()!["level"]).toBe(50);
    expect(registry.listServices().map((s) => s.id)).toEqual(["a"]);
  });
});
