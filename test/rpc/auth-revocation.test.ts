import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import type { WatchResponse } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { createMemoryTokenFile } from "../support/memory-token-file.js";

const ADMIN = "first-admin-token-0001";
const SECOND_ADMIN = "second-admin-token-0002";
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

let m: InMemoryMonitor;
afterEach(async () => {
  await m.close();
});

/** Opens a Watch and reads its snapshot; `end` is how the stream ends afterwards (its error code, or "OK"). */
async function openWatch(callerId: string, token: string) {
  const abort = new AbortController();
  const it = m.watch.watch({ callerId }, { ...bearer(token), signal: abort.signal })[Symbol.asyncIterator]();
  const first = await it.next();
  expect(first.done).toBe(false);
  const end = (async (): Promise<string> => {
    try {
      for (let item: IteratorResult<WatchResponse> = await it.next(); item.done !== true; item = await it.next());
      return "OK";
    } catch (error) {
      const e = ConnectError.from(error);
      return `${Code[e.code]}: ${e.rawMessage}`;
    }
  })();
  return { end, abort: () => abort.abort() };
}

async function codeOf(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => "OK",
    (e: unknown) => Code[ConnectError.from(e).code],
  );
}

describe("revoking a token ends what it opened", () => {
  it("RotateCallerToken: the caller's stream ends UNAUTHENTICATED, the old token is refused, the new one works", async () => {
    m = await createInMemoryMonitor({ auth: { adminTokens: [ADMIN] } });
    const { callerToken: old } = await m.management.registerCaller({ callerId: "alice" }, bearer(ADMIN));
    const byAdmin = await openWatch("alice", ADMIN);
    const byOld = await openWatch("alice", old);
    const { callerToken: fresh } = await m.management.rotateCallerToken({ callerId: "alice" }, bearer(ADMIN));
    expect(fresh).not.toBe(old);
    expect(await byOld.end).toBe("Unauthenticated: the caller token of this stream was rotated or revoked");
    expect(await codeOf(m.management.listSubscriptions({ callerId: "alice" }, bearer(old)))).toBe("Unauthenticated");
    const byFresh = await openWatch("alice", fresh);
    // The admin's stream is not the rotated token's: it goes on.
    byAdmin.abort();
    byFresh.abort();
    expect(await byAdmin.end).toBe("Canceled: This operation was aborted");
    expect(await byFresh.end).toBe("Canceled: This operation was aborted");
  });

  it("UnregisterCaller: its stream ends UNAUTHENTICATED (its token went with it) and its token is refused afterwards", async () => {
    m = await createInMemoryMonitor({ auth: { adminTokens: [ADMIN] } });
    const { callerToken } = await m.management.registerCaller({ callerId: "alice" }, bearer(ADMIN));
    const watch = await openWatch("alice", callerToken);
    await m.management.unregisterCaller({ callerId: "alice" }, bearer(ADMIN));
    expect(await watch.end).toBe("Unauthenticated: the caller token of this stream was rotated or revoked");
    expect(await codeOf(m.management.listSubscriptions({ callerId: "alice" }, bearer(callerToken)))).toBe("Unauthenticated");
  });

  it("an admin token removed from the file: its streams end UNAUTHENTICATED, it is refused, the new one works", async () => {
    const file = createMemoryTokenFile(`# admins\n${ADMIN}\n`);
    m = await createInMemoryMonitor({ auth: { adminTokensFile: "/etc/monitor/admins", fileSystem: file.fileSystem } });
    await m.management.registerCaller({ callerId: "alice" }, bearer(ADMIN));
    const watch = await openWatch("alice", ADMIN);
    file.write(`${SECOND_ADMIN}\n`);
    expect(await watch.end).toBe("Unauthenticated: the admin token of this stream was removed");
    expect(await codeOf(m.management.listCallers({}, bearer(ADMIN)))).toBe("Unauthenticated");
    expect(await codeOf(m.management.listCallers({}, bearer(SECOND_ADMIN)))).toBe("OK");
  });

  it("an env token stays when the file changes", async () => {
    const file = createMemoryTokenFile(`${ADMIN}\n`);
    m = await createInMemoryMonitor({ auth: { adminTokens: [SECOND_ADMIN], adminTokensFile: "/f", fileSystem: file.fileSystem } });
    await m.management.registerCaller({ callerId: "alice" }, bearer(ADMIN));
    const watch = await openWatch("alice", SECOND_ADMIN);
    file.write("");
    expect(await codeOf(m.management.listCallers({}, bearer(ADMIN)).catch(async (e: unknown) => {
      throw e;
    }))).toMatch(/OK|Unauthenticated/);
    // Poll (no sleeping): the reload is asynchronous.
    await expect.poll(() => codeOf(m.management.listCallers({}, bearer(ADMIN))), { timeout: 10_000 }).toBe("Unauthenticated");
    expect(await codeOf(m.management.listCallers({}, bearer(SECOND_ADMIN)))).toBe("OK");
    watch.abort();
    expect(await watch.end).toBe("Canceled: This operation was aborted");
  });
});

describe("refusals are logged, throttled, and never with a token", () => {
  it("logs one warn line a second per reason with the RPC, and no token anywhere", async () => {
    m = await createInMemoryMonitor({ auth: { adminTokens: [ADMIN] } });
    const { callerToken } = await m.management.registerCaller({ callerId: "alice" }, bearer(ADMIN));
    const wrong = "smc_aWrongTokenThatMustNeverBeLogged000000000";
    for (let i = 0; i < 50; i++) await codeOf(m.management.listCallers({}, bearer(wrong)));
    await codeOf(m.management.listCallers({}, bearer(callerToken)));
    await codeOf(m.management.listCallers({}));
    const warns = m.authLog.filter((line) => line["level"] === 40);
    expect(warns.map((line) => [line["reason"], line["rpc"]])).toEqual([
      ["unknown_token", "ListCallers"],
      ["permission_denied", "ListCallers"],
      ["missing", "ListCallers"],
    ]);
    await m.time.advance(1000);
    await codeOf(m.management.listCallers({}, bearer(wrong)));
    const last = m.authLog.at(-1)!;
    expect(last).toMatchObject({ reason: "unknown_token", suppressed: 49 });
    const text = JSON.stringify(m.authLog);
    for (const secret of [ADMIN, callerToken, wrong]) expect(text).not.toContain(secret);
  });
});
