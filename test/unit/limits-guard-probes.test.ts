import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDnsCache } from "../../server/engine/dns-cache.js";
import { createHttpProbe } from "../../server/engine/http-probe.js";
import { createTcpProbe } from "../../server/engine/probe.js";
import { guardResolve } from "../../server/limits/guard-resolve.js";
import { parseTargetPolicy, type TargetPolicy } from "../../server/limits/target-policy.js";

/** The probes with the guarded resolver, against loopback listeners: refused addresses are never connected to. */

const servers: (HttpServer | TcpServer)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: HttpServer | TcpServer): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

const guarded = (text: string) => guardResolve(createDnsCache().resolve, parseTargetPolicy(text) as TargetPolicy);

describe("probes behind --allow-targets", () => {
  it("a TCP check of a name resolving to a refused address is DOWN and connects nowhere", async () => {
    let accepted = 0;
    const port = await listen(createTcpServer((socket) => (accepted++, socket.destroy())));
    const probe = createTcpProbe({ resolve: guarded("127.0.0.2/32") });
    const result = await probe({ host: "localhost", port, timeoutMs: 5_000 });
    expect(result.status).toBe("down");
    expect(result.detail).toMatch(/^address (127\.0\.0\.1|::1) refused by --allow-targets$/);
    expect(accepted).toBe(0);
    // The same probe reaches an allowed address.
    const allowed = await createTcpProbe({ resolve: guarded("127.0.0.1/32") })({ host: "127.0.0.1", port, timeoutMs: 5_000 });
    expect(allowed.status).toBe("up");
  });

  it("an HTTP redirect to a refused address is DOWN, the redirect never followed", async () => {
    let targetHits = 0;
    const target = await listen(createHttpServer((_req, res) => (targetHits++, res.end("secret"))));
    const start = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(302, { location: `http://localhost:${target}/latest/meta-data/` });
        res.end();
      }),
    );
    const probe = createHttpProbe({ resolve: guarded("!localhost,127.0.0.1/32") });
    const result = await probe({ url: `http://127.0.0.1:${start}/`, timeoutMs: 5_000 });
    expect(result.status).toBe("down");
    expect(result.detail).toContain("refused by --allow-targets");
    expect(targetHits).toBe(0);
  });
});
