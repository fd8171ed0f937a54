import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prng } from "../support/prng.js";
import { burstTwice, startGarbageServer, type GarbageServer } from "./garbage-server.js";
import { FLAG, FRAME, frame, literalHeader, openRawSocket, PREFACE, requestHeaderBlock, type RawEnd } from "./raw-socket.js";

/**
 * HTTP/2 floods and bytes that are not HTTP/2 at all, written raw on TCP
 * sockets to the real server. Each attack runs on its own connection while
 * an ordinary client keeps calling Health; the server must end the attacking
 * connection (GOAWAY or close) on rapid reset, empty DATA and CONTINUATION
 * floods, answer the others,
 * stay up, and give back its FDs. FLOOD_FRAMES frames per flood (default 5,000).
 */

const FLOOD = Number(process.env.FLOOD_FRAMES ?? 5_000);
const HEALTH = "/grpc.health.v1.Health/Check";
const SETTINGS = frame(FRAME.SETTINGS, 0, 0);

type Attack = (port: number) => Promise<RawEnd>;

/**
 * Preface, then `frames()` written in batches of 500 until done or the server
 * hangs up. A flood of frames the server must acknowledge (PING, SETTINGS)
 * only hurts when the client does not read the acknowledgements: `unread`.
 */
function flood(frames: (i: number) => Buffer, setup: Buffer[] = [], unread = false): Attack {
  return async (port) => {
    const raw = await openRawSocket(port);
    if (unread) raw.socket.pause();
    await raw.write(Buffer.concat([PREFACE, SETTINGS, ...setup]));
    for (let i = 0; i < FLOOD; i += 500) {
      const batch = Buffer.concat(Array.from({ length: Math.min(500, FLOOD - i) }, (_, j) => frames(i + j)));
      if (!(await raw.write(batch))) break;
    }
    return raw.end(5_000);
  };
}

/** `bytes` on a fresh connection, then (unless `halfOpen`) wait for the server's answer or close. */
function bytesOnly(bytes: Buffer, halfOpen = false): Attack {
  return async (port) => {
    const raw = await openRawSocket(port);
    await raw.write(bytes);
    if (halfOpen) raw.socket.end();
    return raw.end(halfOpen ? 1_000 : 5_000);
  };
}

const random = prng(5);
const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
const CLIENT_HELLO = Buffer.from(
  "16030100c4010000c00303" + "00".repeat(32) + "00" + "0004130113020100" + "0093" + "0000000e000c0000096c6f63616c686f7374" + "00".repeat(127),
  "hex",
);

const FLOODS: Record<string, Attack> = {
  "rapid reset (HEADERS + RST_STREAM)": flood((i) =>
    Buffer.concat([frame(FRAME.HEADERS, FLAG.END_HEADERS, 2 * i + 1, requestHeaderBlock(HEALTH)), frame(FRAME.RST_STREAM, 0, 2 * i + 1, Buffer.from([0, 0, 0, 8]))]),
  ),
  "SETTINGS flood": flood(() => frame(FRAME.SETTINGS, 0, 0, Buffer.from([0, 4, 0, 1, 0, 0]))),
  "SETTINGS flood, acks unread": flood(() => frame(FRAME.SETTINGS, 0, 0, Buffer.from([0, 4, 0, 1, 0, 0])), [], true),
  "PING flood, acks read": flood((i) => frame(FRAME.PING, 0, 0, Buffer.alloc(8, i & 0xff))),
  "PING flood, acks unread": flood((i) => frame(FRAME.PING, 0, 0, Buffer.alloc(8, i & 0xff)), [], true),
  "empty DATA flood": flood(() => frame(FRAME.DATA, 0, 1), [frame(FRAME.HEADERS, FLAG.END_HEADERS, 1, requestHeaderBlock(HEALTH))]),
  "CONTINUATION flood": flood(
    (i) => frame(FRAME.CONTINUATION, 0, 1, literalHeader(`x-c-${i}`, "v".repeat(100))),
    [frame(FRAME.HEADERS, 0, 1, requestHeaderBlock(HEALTH))],
  ),
};

const NOT_HTTP2: Record<string, Attack> = {
  "HTTP/1.1 GET": bytesOnly(Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")),
  "HTTP/1.1 POST gRPC": bytesOnly(Buffer.from(`POST ${HEALTH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/grpc\r\nContent-Length: 5\r\n\r\n\0\0\0\0\0`)),
  "HTTP/1.1 upgrade to h2c": bytesOnly(Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")),
  "TLS ClientHello": bytesOnly(CLIENT_HELLO),
  "random bytes": bytesOnly(randomBytes(4_096)),
  "preface then junk": bytesOnly(Buffer.concat([PREFACE, randomBytes(2_048)])),
  "preface then a frame of 16 MiB declared": bytesOnly(Buffer.concat([PREFACE, SETTINGS, Buffer.from([0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1]), randomBytes(64)])),
  "half-open after half a preface": bytesOnly(PREFACE.subarray(0, 10), true),
  "half-open after the preface": bytesOnly(Buffer.concat([PREFACE, SETTINGS]), true),
};

const describeEnd = (end: RawEnd) => (end.goaway !== undefined ? `goaway ${end.goaway}` : end.closed ? "closed" : "left open");

let target: GarbageServer;
beforeAll(async () => {
  target = await startGarbageServer();
});
afterAll(async () => {
  await target?.close();
});

async function run(attacks: Record<string, Attack>, seen: Record<string, string>): Promise<{ requests: number; outcomes: Record<string, number> }> {
  const outcomes: Record<string, number> = {};
  for (const [name, attack] of Object.entries(attacks)) {
    // An ordinary client calling while the attack runs must be answered.
    const [end, servingDuring] = await Promise.all([attack(target.server.port), target.serving()]);
    expect(servingDuring, `Health while "${name}"`).toBe(true);
    expect(await target.serving(), `Health after "${name}"`).toBe(true);
    const how = describeEnd(end);
    seen[name] = seen[name] === undefined ? how : `${seen[name]}, ${how}`; // both bursts
    outcomes[how] = (outcomes[how] ?? 0) + 1;
  }
  return { requests: Object.keys(attacks).length, outcomes };
}

describe("HTTP/2 floods and bytes that are not HTTP/2", { timeout: 180_000 }, () => {
  it("floods end the attacking connection; the server stays up, answers others and gives back what they took", async () => {
    const seen: Record<string, string> = {};
    await burstTwice(target, "HTTP/2 floods", () => run(FLOODS, seen), 64);
    console.log(`[garbage] floods: ${JSON.stringify(seen)}`);
    // PING and SETTINGS floods are cut only when nghttp2's queue of unsent
    // acks passes its limit, which depends on how fast the server writes
    // against how fast frames arrive: seen both cut and left open here (read or
    // unread), so only recovery is asserted for them.
    const floods = Object.entries(seen).filter(([name]) => !name.startsWith("PING flood") && !name.startsWith("SETTINGS flood"));
    for (const [name, how] of floods) expect(how, name).not.toContain("left open");
  });

  it("HTTP/1.1, TLS, random bytes and half-open sockets leave the server serving, with its FDs back", async () => {
    const seen: Record<string, string> = {};
    await burstTwice(target, "not HTTP/2", () => run(NOT_HTTP2, seen), 32);
    console.log(`[garbage] not HTTP/2: ${JSON.stringify(seen)}`);
  });
});
