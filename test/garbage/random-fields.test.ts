import { create, toBinary, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import fc from "fast-check";
import { createServer } from "node:net";
import { constants, type ClientHttp2Session } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManagementService } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService } from "@service-monitor/sdk/gen/monitor/v1/watch_service_pb.js";
import { envelope, GRPC_HEADERS } from "../support/raw-http2.js";
import { spawnServer } from "../support/spawn-server.js";
import { burstTwice, startGarbageServer, type GarbageServer } from "./garbage-server.js";
import { fieldNames, messageInit } from "./message-arbitrary.js";

/**
 * Valid protobuf with hostile field values, for every RPC of the monitor's
 * services (from the descriptors): GARBAGE_FIELDS_PER_RPC requests per RPC
 * and burst, two identical bursts (same seed). Every answer must be OK or a
 * client-error code, never INTERNAL or UNKNOWN; every error message must name
 * a field of the request; and the registry must still list, and reopen after
 * a restart, with what it had.
 *
 * Generated hosts, URLs and ports are mapped onto loopback and a closed
 * loopback port before encoding: a registered service is checked, and the
 * checks must never leave the machine.
 */

const PER_RPC = Number(process.env.GARBAGE_FIELDS_PER_RPC ?? 60);
const IN_FLIGHT = 64;
const CHUNK = 100;
const CLIENT_ERRORS = new Set([0, 3, 5, 6, 7, 8, 9, 11, 16]); // OK, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, OUT_OF_RANGE, UNAUTHENTICATED
const METHODS: DescMethod[] = [ManagementService, WatchService].flatMap((service) => service.methods);
// No name that needs DNS: a lookup would go to the system's resolver, off loopback.
const LOOPBACK_HOSTS = ["127.0.0.1", "127.0.0.2", "127.8.9.10", "::1", "[::1]", "localhost"];

async function closedLoopbackPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const pick = (items: readonly string[], seed: string) => items[[...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % items.length]!;

/** Rewrites every host, url and port in `value` so that nothing it names is off loopback. */
function onLoopback(value: unknown, port: number): unknown {
  if (Array.isArray(value)) return value.map((v) => onLoopback(v, port));
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "host" && typeof v === "string") out[key] = v === "" ? v : pick(LOOPBACK_HOSTS, v);
    else if (key === "url" && typeof v === "string") {
      const host = pick(LOOPBACK_HOSTS, v).replace(/^::1$/, "[::1]");
      const scheme = pick(["http", "https", "ftp", "file", "HTTP", "javascript", ""], v + "s");
      out[key] = v === "" ? v : `${scheme}${scheme === "" ? "" : "://"}${host}:${pick([String(port), "0", "99999", "x"], v + "p")}/${v.slice(0, 200)}`; // after the authority's "/": the path cannot move the host
    } else if (key === "port" && typeof v === "number") out[key] = v >= 1 && v <= 65_535 ? port : v;
    else out[key] = onLoopback(v, port);
  }
  return out;
}

interface Outcome {
  readonly code: number | "open stream" | "reset" | "timeout";
  readonly message: string;
}

function call(session: ClientHttp2Session, method: DescMethod, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const stream = session.request({ ":method": "POST", ":path": `/${method.parent.typeName}/${method.name}`, ...GRPC_HEADERS });
    let code: number | undefined;
    let message = "";
    let gotData = false;
    const take = (headers: Record<string, unknown>) => {
      if (headers["grpc-status"] === undefined) return;
      code = Number(headers["grpc-status"]);
      const raw = String(headers["grpc-message"] ?? "");
      try {
        message = decodeURIComponent(raw);
      } catch {
        message = `undecodable grpc-message ${raw}`;
      }
    };
    // A valid Watch streams until cancelled: an open stream is an OK answer.
    const streaming = method.methodKind === "server_streaming";
    const timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), streaming ? 500 : 30_000);
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("data", () => (gotData = true));
    stream.on("error", () => {});
    stream.once("close", () => {
      clearTimeout(timer);
      if (code !== undefined) resolve({ code, message });
      else if (streaming) resolve({ code: "open stream", message: gotData ? "with data" : "" });
      else resolve({ code: stream.rstCode === constants.NGHTTP2_CANCEL ? "timeout" : "reset", message: String(stream.rstCode) });
    });
    stream.end(body);
  });
}

/** All services the registry lists, by page. */
async function listAll(port: number): Promise<string[]> {
  const management = createClient(ManagementService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
  const ids: string[] = [];
  let pageToken = "";
  do {
    const page = await management.listServices({ pageSize: 100, pageToken });
    ids.push(...page.services.map((s) => s.id));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return ids.sort();
}

let target: GarbageServer;
let closedPort: number;
beforeAll(async () => {
  closedPort = await closedLoopbackPort();
  target = await startGarbageServer();
});
afterAll(async () => {
  await target?.close();
});

/**
 * The requests of one burst, made as they are sent: at 10,000 per RPC the
 * hostile messages (strings of up to 200,000 characters) would not fit in
 * memory all at once. Chunks of every RPC in turn, each chunk from its own
 * seed, so that two bursts send the same requests in the same order.
 */
function* requests(closedPort: number): Generator<{ chunk: number; method: DescMethod; names: Set<string>; body: Buffer }> {
  const chunks = Math.ceil(PER_RPC / CHUNK);
  for (let chunk = 0; chunk < chunks; chunk++) {
    for (const [index, method] of METHODS.entries()) {
      const input = method.input as DescMessage;
      const names = fieldNames(input);
      const numRuns = Math.min(CHUNK, PER_RPC - chunk * CHUNK);
      for (const init of fc.sample(messageInit(input), { seed: 1_000 + index + 100 * chunk, numRuns })) {
        yield { chunk, method, names, body: envelope(toBinary(input, create(input, onLoopback(init, closedPort) as never))) };
      }
    }
  }
}

// About 350 requests a second here, two bursts: the default run takes 10 s, 10,000 per RPC 20 minutes.
describe("random field values on every RPC", { timeout: Math.max(300_000, PER_RPC * 2 * METHODS.length * 50) }, () => {
  it(`answer OK or a client error naming a field (${METHODS.length} RPCs × ${PER_RPC} × 2), and lose nothing`, async () => {
    // Services the bursts must not lose (checked on the closed loopback port).
    const management = createClient(ManagementService, createGrpcTransport({ baseUrl: target.server.baseUrl }));
    for (const n of [1, 2, 3]) {
      await management.registerService({ host: `127.0.0.${n}`, port: closedPort, displayName: `kept-${n}`, checkInterval: { seconds: 60n } });
    }
    const codes: Record<string, number> = {};
    const bad: Record<string, number> = {};
    const unnamed: Record<string, number> = {};
    await burstTwice(
      target,
      "random field values",
      async (round) => {
        // A session per chunk, as a client that reconnects now and then: on one session,
        // 10,000 requests per RPC meet Node's rapid-reset defence (incoming RST_STREAMs,
        // burst 1,000 and 33 a second, answered with GOAWAY), which is not what this tests.
        const sessions = new Map<number, Promise<ClientHttp2Session>>();
        const sessionFor = (chunk: number) => {
          let opened = sessions.get(chunk);
          if (opened === undefined) {
            opened = target.session();
            sessions.set(chunk, opened);
            void sessions.get(chunk - 1)?.then((previous) => previous.close());
          }
          return opened;
        };
        const jobs = requests(closedPort);
        const outcomes: Record<string, number> = {};
        let sent = 0;
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            for (const job of jobs) {
              sent++;
              const outcome = await call(await sessionFor(job.chunk), job.method, job.body);
              const key = `${job.method.name} ${outcome.code}`;
              outcomes[String(outcome.code)] = (outcomes[String(outcome.code)] ?? 0) + 1;
              if (round === 0) codes[key] = (codes[key] ?? 0) + 1;
              if (typeof outcome.code !== "number" ? outcome.code !== "open stream" : !CLIENT_ERRORS.has(outcome.code)) {
                const what = `${key}: ${outcome.message.slice(0, 120)}`;
                bad[what] = (bad[what] ?? 0) + 1;
              } else if (outcome.code !== 0 && outcome.code !== 6 && typeof outcome.code === "number") {
                // ALREADY_EXISTS names the registered thing it collides with (host:port, URL), not a field.
                const lower = outcome.message.toLowerCase();
                if (![...job.names].some((name) => lower.includes(name.toLowerCase()))) {
                  const what = `${key}: ${outcome.message.slice(0, 120)}`;
                  unnamed[what] = (unnamed[what] ?? 0) + 1;
                }
              }
            }
          }),
        );
        target.dropSessions();
        return { requests: sent, outcomes };
      },
      64,
    );
    console.log(`[garbage] random field values by RPC: ${JSON.stringify(codes)}`);
    expect(bad).toEqual({});
    expect(unnamed).toEqual({});

    // Bad input loses nothing: what the registry lists survives a restart on the same data.
    const before = await listAll(target.server.port);
    expect(before.length).toBeGreaterThanOrEqual(3);
    await target.server.stop("SIGTERM");
    const reopened = await spawnServer({ dataDir: target.server.dataDir });
    try {
      expect(await listAll(reopened.port)).toEqual(before);
    } finally {
      await reopened.stop("SIGKILL");
    }
  });
});
