import { createServer, type Server } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceStatus } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { startLiveMonitor, type LiveMonitor } from "../support/live-monitor.js";
import { waitUntil } from "../support/wait-until.js";
import { refusalOf } from "../support/refusal.js";

/**
 * The limits and the check-target policy in the real server process: the
 * flags reach the registry and the probes. Loopback only; nothing is timed.
 */

let live: LiveMonitor | undefined;
let listener: Server | undefined;
afterEach(async () => {
  listener?.close();
  listener = undefined;
  await live?.close();
  live = undefined;
});


/** A listener on 127.0.0.1 that counts the connections it is offered. */
async function countingListener(): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  listener = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { port: address.port, accepted: () => accepted };
}

describe("limits in the real server", () => {
  it("refuse the metadata address at registration by default, before any connect", async () => {
    live = await startLiveMonitor();
    const error = await refusalOf(live.management.registerService({ host: "169.254.169.254", port: 80 }));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toBe("host 169.254.169.254 is not allowed by --allow-targets");
    expect((await live.management.listServices({})).services).toHaveLength(0);
  });

  it("with --allow-targets 127.0.0.2/32: refuse 127.0.0.1 at registration, and localhost's address before connecting", async () => {
    live = await startLiveMonitor({ args: ["--allow-targets", "127.0.0.2/32", "--max-services", "1"] });
    const target = await countingListener();
    const literal = await refusalOf(live.management.registerService({ host: "127.0.0.1", port: target.port }));
    expect(literal.code).toBe(Code.PermissionDenied);
    expect(literal.rawMessage).toBe("host 127.0.0.1 is not allowed by --allow-targets");

    // A name: allowed at registration (only its address can be judged), refused at resolution.
    const { service } = await live.management.registerService({ host: "localhost", port: target.port });
    let detail = "";
    await waitUntil(
      async () => {
        const state = (await live!.management.getService({ serviceId: service!.id })).service!.state!;
        detail = state.detail;
        return state.status === ServiceStatus.DOWN;
      },
      20_000,
      "the localhost service to be DOWN",
    );
    expect(detail).toMatch(/^address (127\.0\.0\.1|::1) refused by --allow-targets$/);
    expect(target.accepted()).toBe(0);

    // --max-services 1 reached by that one.
    const full = await refusalOf(live.management.registerService({ host: "127.0.0.2", port: target.port }));
    expect(full.code).toBe(Code.ResourceExhausted);
    expect(full.rawMessage).toMatch(/^max-services limit of 1 reached; /);
    expect(live.server.output()).toContain("limits: refused");
  });

  it("refuse mutations past --max-mutation-rate per client address", async () => {
    live = await startLiveMonitor({ args: ["--max-mutation-rate", "1", "--mutation-burst", "2"] });
    // Ten at once against a budget of 2 plus 1 a second: most must be refused, however slow the machine.
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => live!.management.registerService({ host: "127.0.0.1", port: 1000 + i })));
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as ConnectError);
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) {
      expect(error.code).toBe(Code.ResourceExhausted);
      expect(error.rawMessage).toMatch(/^mutation rate limit: 1 per second \(burst 2\) per client; retry after \d+ ms$/);
    }
    expect((await live.management.listServices({})).services).toHaveLength(10 - refused.length);
  });
});
