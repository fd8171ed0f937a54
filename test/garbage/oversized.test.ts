import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelope, GRPC_HEADERS, grpcStatus, rawRequest, type RawResponse } from "../support/raw-http2.js";
import { burstTwice, startGarbageServer, type GarbageServer } from "./garbage-server.js";

/**
 * Requests past the server's limits: bodies above --max-request-bytes
 * (declared and actually sent), deeply nested unknown groups (a decoder that
 * recursed per level would overflow its stack), and header lists past the
 * HTTP/2 limits. Each must be refused with a classified answer or a reset,
 * and the server must not hold what it refused: RSS across identical bursts.
 */

const LIMIT = 64 * 1024;
const REGISTER = "/monitor.v1.ManagementService/RegisterService";
const ROUNDS = Number(process.env.GARBAGE_OVERSIZED_ROUNDS ?? 20);

const outcome = (r: RawResponse) => (Number.isNaN(grpcStatus(r)) ? (r.status !== 0 ? `http ${r.status}` : `reset ${r.rstCode}`) : `grpc ${grpcStatus(r)}`);
/** Start-group tags of field 99, `depth` deep, never closed. */
const nestedGroups = (depth: number) => Buffer.alloc(2 * depth, Buffer.from([0x9b, 0x06]));

let target: GarbageServer;
beforeAll(async () => {
  target = await startGarbageServer(["--max-request-bytes", String(LIMIT)]);
});
afterAll(async () => {
  await target?.close();
});

describe("oversized and deeply nested requests", { timeout: 180_000 }, () => {
  it("are refused with RESOURCE_EXHAUSTED, INVALID_ARGUMENT or a reset, never INTERNAL, and leave RSS flat", async () => {
    const byKind: Record<string, Record<string, number>> = {};
    const count = (kind: string, r: RawResponse) => {
      const o = outcome(r);
      (byKind[kind] ??= {})[o] = (byKind[kind]![o] ?? 0) + 1;
      return o;
    };
    await burstTwice(
      target,
      "oversized and nested",
      async () => {
        const session = await target.session();
        const outcomes: Record<string, number> = {};
        const jobs: Array<Promise<string>> = [];
        for (let i = 0; i < ROUNDS; i++) {
          jobs.push(
            rawRequest(session, REGISTER, GRPC_HEADERS, { prefix: envelope(new Uint8Array(0), 8 * 1024 * 1024).subarray(0, 5), chunk: new Uint8Array(64 * 1024), totalBytes: 8 * 1024 * 1024 }).then((r) => count("8 MiB body sent", r)),
            rawRequest(session, REGISTER, GRPC_HEADERS, envelope(new Uint8Array(16), 2 ** 32 - 1)).then((r) => count("4 GiB declared", r)),
            rawRequest(session, REGISTER, GRPC_HEADERS, envelope(nestedGroups(30_000))).then((r) => count("30,000 nested groups (60,000 bytes)", r)),
            rawRequest(session, REGISTER, GRPC_HEADERS, envelope(nestedGroups(20_000))).then((r) => count("20,000 nested groups", r)),
            rawRequest(session, REGISTER, GRPC_HEADERS, envelope(nestedGroups(2_000))).then((r) => count("2,000 nested groups", r)),
            rawRequest(session, REGISTER, { ...GRPC_HEADERS, ...Object.fromEntries(Array.from({ length: 300 }, (_, j) => [`x-h-${j}`, "v"])) }, envelope(new Uint8Array(0))).then((r) =>
              count("300 headers", r),
            ),
            rawRequest(session, REGISTER, { ...GRPC_HEADERS, "x-big": "a".repeat(20_000) }, envelope(new Uint8Array(0))).then((r) => count("one 20 KB header", r)),
          );
        }
        for (const o of await Promise.all(jobs)) outcomes[o] = (outcomes[o] ?? 0) + 1;
        target.dropSessions();
        return { requests: jobs.length, outcomes };
      },
      32,
    );
    console.log(`[garbage] oversized by kind: ${JSON.stringify(byKind)}`);
    // Past the byte limit is RESOURCE_EXHAUSTED, whatever the body holds.
    expect(Object.keys(byKind["8 MiB body sent"]!)).toEqual(["grpc 8"]);
    expect(Object.keys(byKind["4 GiB declared"]!)).toEqual(["grpc 8"]);
    for (const [kind, outcomes] of Object.entries(byKind)) {
      for (const o of Object.keys(outcomes)) expect(["grpc 8", "grpc 3", "http 431", "http 400"].includes(o) || o.startsWith("reset"), `${kind}: ${o}`).toBe(true);
    }
  });
});
