/**
 * The TCP probe against real sockets, on loopback only (127.0.0.1). Nothing
 * here may touch any other address: the timeout case uses a resolver that
 * never answers, or a local listener whose accept queue is full.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { createDnsCache, type ResolveResult } from "../../server/engine/dns-cache.js";
import {
  createTcpProbe,
  describeConnectError,
  FIN_CLOSE_BOUND_MS,
  isSelfConnect,
  SELF_CONNECT_DETAIL,
} from "../../server/engine/probe.js";
import { spyOnRealResolvers } from "../support/real-resolver-spies.js";

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** How the listener saw each accepted connection end: the peer's FIN ("end") or a reset ("ECONNRESET"). */
interface Endings {
  fin: number;
  reset: number;
  other: string[];
}

/**
 * A listener on 127.0.0.1 that accepts connections, optionally greets them
 * (`banner`, as SSH or SMTP servers do), and records how each one ended.
 * `halfOpen`: a server that does not close when the client does (it never
 * answers the probe's FIN with its own).
 */
async function listen(
  options: { banner?: string; halfOpen?: boolean } = {},
): Promise<{ server: Server; port: number; accepted: () => number; endings: Endings; open: Set<Socket> }> {
  let accepted = 0;
  const endings: Endings = { fin: 0, reset: 0, other: [] };
  const open = new Set<Socket>();
  const server = createServer({ allowHalfOpen: options.halfOpen === true }, (socket) => {
    accepted++;
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    if (options.banner !== undefined) socket.write(options.banner);
    socket.resume();
    socket.on("end", () => void endings.fin++);
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET") endings.reset++;
      else endings.other.push(String(error.code));
      socket.destroy();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, accepted: () => accepted, endings, open };
}

/** A port on 127.0.0.1 that was just bound and released, so nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const dns = createDnsCache();
const probe = createTcpProbe({ resolve: (host) => dns.resolve(host) });

function hasCommand(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Sockets in TIME_WAIT with `port` at either end, as `ss` sees them. */
function timeWaitCount(port: number): number {
  const out = execFileSync("ss", ["-tan", "state", "time-wait", `( sport = :${port} or dport = :${port} )`], {
    encoding: "utf8",
  });
  return out.split("\n").filter((line) => line.includes(`:${port} `) || line.endsWith(`:${port}`)).length;
}

function probeResources(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return {
    sockets: info.filter((r) => r === "TCPSocketWrap").length,
    timers: info.filter((r) => r === "Timeout").length,
  };
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

describe("createTcpProbe", () => {
  it("reports up against a local listener, with the start time and a positive latency", async () => {
    const { port } = await listen();
    const before = Date.now();
    const result = await probe({ host: "127.0.0.1", port, timeoutMs: 2_000 });
    const after = Date.now();
    expect(result.status).toBe("up");
    expect(result.detail).toBe("");
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(result.latencyMs).toBeLessThan(2_000);
    expect(result.at).toBeGreaterThanOrEqual(before);
    expect(result.at).toBeLessThanOrEqual(after);
  });

  it("resolves localhost locally and reports up", async () => {
    const { port } = await listen();
    expect(await probe({ host: "localhost", port, timeoutMs: 2_000 })).toMatchObject({ status: "up", detail: "" });
  });

  it("uses the injected clock for `at`", async () => {
    const { port } = await listen();
    const fixed = createTcpProbe({ resolve: (host) => dns.resolve(host), now: () => 42 });
    expect(await fixed({ host: "127.0.0.1", port, timeoutMs: 2_000 })).toMatchObject({ status: "up", at: 42 });
  });

  it("reports connection refused on a closed port", async () => {
    const port = await closedPort();
    const result = await probe({ host: "127.0.0.1", port, timeoutMs: 2_000 });
    expect(result).toMatchObject({ status: "down", detail: "connection refused" });
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it("reports an unknown host for nowhere.invalid, with the real DNS cache and no query", async () => {
    const spies = spyOnRealResolvers();
    const result = await probe({ host: "nowhere.invalid", port: 80, timeoutMs: 2_000 });
    expect(result).toMatchObject({ status: "down", detail: "unknown host nowhere.invalid" });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it("times out when resolution never finishes (the timeout covers resolution)", async () => {
    const hanging = createTcpProbe({ resolve: () => new Promise<ResolveResult>(() => {}) });
    const result = await hanging({ host: "slow.example", port: 80, timeoutMs: 100 });
    expect(result).toMatchObject({ status: "down", detail: "timed out after 100 ms" });
    expect(result.latencyMs).toBeGreaterThanOrEqual(99);
  });

  it("does not connect when the resolver answers after the timeout", async () => {
    const { port, accepted } = await listen();
    let answer!: (r: ResolveResult) => void;
    const late = createTcpProbe({ resolve: () => new Promise<ResolveResult>((r) => (answer = r)) });
    const result = await late({ host: "late.example", port, timeoutMs: 50 });
    expect(result.detail).toBe("timed out after 50 ms");
    answer({ ok: true, address: "127.0.0.1", family: 4 });
    await new Promise((r) => setTimeout(r, 50));
    expect(accepted()).toBe(0);
  });

  it("reports down, never rejects, when the resolver rejects or the port is invalid", async () => {
    const rejecting = createTcpProbe({ resolve: () => Promise.reject(new Error("boom")) });
    expect(await rejecting({ host: "x.example", port: 80, timeoutMs: 1_000 })).toMatchObject({
      status: "down",
      detail: "cannot resolve x.example: boom",
    });
    const result = await probe({ host: "127.0.0.1", port: 70_000, timeoutMs: 1_000 });
    expect(result.status).toBe("down");
    expect(result.detail).toMatch(/^ERR_SOCKET_BAD_PORT: /);
  });

  it("times out while connecting to a listener whose accept queue is full (loopback)", async (ctx) => {
    if (!hasCommand("python3", ["-c", "pass"])) {
      ctx.skip("python3 not available: needed for a listener that never accepts");
      return;
    }
    // A listener with backlog 0 that never calls accept(): once one connection
    // waits in its queue, Linux drops further SYNs, so a connect hangs.
    const child: ChildProcess = spawn(
      "python3",
      [
        "-c",
        "import socket,sys,time\n" +
          "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(0)\n" +
          "print(s.getsockname()[1], flush=True)\n" +
          "sys.stdin.read()",
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    onTestFinished(() => {
      child.kill("SIGKILL");
    });
    const line = await new Promise<string>((resolve) => {
      createInterface({ input: child.stdout! }).once("line", resolve);
    });
    const port = Number(line);
    // Fill the accept queue with plain clients that stay open.
    const fillers: Socket[] = [];
    onTestFinished(() => {
      for (const s of fillers) s.destroy();
    });
    for (let i = 0; i < 2; i++) {
      const s = connect({ host: "127.0.0.1", port });
      s.on("error", () => {});
      fillers.push(s);
    }
    await new Promise((r) => setTimeout(r, 100));
    const result = await probe({ host: "127.0.0.1", port, timeoutMs: 200 });
    expect(result).toMatchObject({ status: "down", detail: "timed out after 200 ms" });
    expect(result.latencyMs).toBeGreaterThanOrEqual(199);
  });

  it("with close mode reset, leaves no TIME_WAIT sockets, timers or sockets behind after 200 probes", async (ctx) => {
    const { port, accepted, endings } = await listen();
    const baseline = probeResources();
    for (let batch = 0; batch < 10; batch++) {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => probe({ host: "127.0.0.1", port, timeoutMs: 2_000, closeMode: "reset" })),
      );
      for (const r of results) expect(r).toMatchObject({ status: "up", detail: "" });
    }
    expect(await waitFor(() => accepted() === 200, 2_000)).toBe(true);
    expect(await waitFor(() => endings.reset === 200, 2_000)).toBe(true);
    expect(endings).toMatchObject({ fin: 0, other: [] });
    // Every probe socket and timer is gone (the listener's accepted sockets close on the RST).
    const settled = await waitFor(() => {
      const now = probeResources();
      return now.sockets <= baseline.sockets && now.timers <= baseline.timers;
    }, 2_000);
    expect({ settled, ...probeResources() }).toMatchObject({ settled: true });

    if (!hasCommand("ss", ["-V"])) {
      ctx.skip("`ss` (iproute2) not available: cannot count TIME_WAIT sockets");
      return;
    }
    // Control: the same count on a port closed the ordinary way (FIN from the
    // client) shows TIME_WAIT sockets, so a 0 below means something.
    const control = await listen();
    await Promise.all(
      Array.from(
        { length: 5 },
        () =>
          new Promise<void>((resolve) => {
            const s = connect({ host: "127.0.0.1", port: control.port }, () => s.end());
            s.on("error", () => {});
            s.on("close", () => resolve());
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    const controlCount = timeWaitCount(control.port);
    if (controlCount === 0) {
      ctx.skip("`ss` shows no TIME_WAIT even for FIN-closed sockets here; cannot verify");
      return;
    }
    // An RST-closed connection never enters TIME_WAIT on either side: the
    // expected count is exactly 0. (Only a probe that hit its timer after the
    // kernel had connected could differ, and none did: all 200 were up.)
    expect(timeWaitCount(port)).toBe(0);
  });
});

describe("closing a connected check", () => {
  /** Probes `port` `n` times, all up, and waits until the listener has seen each connection end. */
  async function probeAll(run: typeof probe, port: number, n: number, endings: Endings, closeMode?: "fin" | "reset") {
    const results = await Promise.all(
      Array.from({ length: n }, () =>
        run({ host: "127.0.0.1", port, timeoutMs: 2_000, ...(closeMode === undefined ? {} : { closeMode }) }),
      ),
    );
    for (const r of results) expect(r).toMatchObject({ status: "up", detail: "" });
    const ended = await waitFor(() => endings.fin + endings.reset + endings.other.length === n, 3_000);
    expect({ ended, ...endings }).toMatchObject({ ended: true });
  }

  it("closes with FIN by default: the application sees every check end without a reset", async () => {
    const { port, endings } = await listen();
    const baseline = probeResources();
    await probeAll(probe, port, 50, endings);
    expect(endings).toEqual({ fin: 50, reset: 0, other: [] });
    // The FIN close finishes (the listener answers with its own FIN): no socket or bound timer is left.
    const settled = await waitFor(() => {
      const now = probeResources();
      return now.sockets <= baseline.sockets && now.timers <= baseline.timers;
    }, 3_000);
    expect({ settled, ...probeResources() }).toMatchObject({ settled: true });
  });

  it("still closes with FIN when the application greets first (unread data would turn a close into RST)", async () => {
    const { port, endings } = await listen({ banner: "SSH-2.0-OpenSSH_9.6\r\n" });
    await probeAll(probe, port, 50, endings);
    expect(endings).toEqual({ fin: 50, reset: 0, other: [] });
  });

  it("closes with RST when the target asks for reset, and for targets naming none when that is the probe's default", async () => {
    const perTarget = await listen();
    await probeAll(probe, perTarget.port, 20, perTarget.endings, "reset");
    expect(perTarget.endings).toEqual({ fin: 0, reset: 20, other: [] });

    const resetByDefault = createTcpProbe({ resolve: (host) => dns.resolve(host), closeMode: "reset" });
    const serverDefault = await listen();
    await probeAll(resetByDefault, serverDefault.port, 20, serverDefault.endings);
    expect(serverDefault.endings).toEqual({ fin: 0, reset: 20, other: [] });

    // …and a target's own "fin" wins over a reset default.
    const override = await listen();
    await probeAll(resetByDefault, override.port, 20, override.endings, "fin");
    expect(override.endings).toEqual({ fin: 20, reset: 0, other: [] });
  });

  it("destroys a FIN-closed socket after FIN_CLOSE_BOUND_MS when the application never closes its side", async () => {
    const { port, endings, open } = await listen({ halfOpen: true });
    try {
      await finBoundCase(port, endings, open);
    } finally {
      // Before afterEach closes the listener, which waits for its connections.
      for (const s of open) s.destroy();
    }
  });

  async function finBoundCase(port: number, endings: Endings, open: Set<Socket>): Promise<void> {
    const baseline = probeResources();
    await probeAll(probe, port, 10, endings);
    expect(endings).toEqual({ fin: 10, reset: 0, other: [] });
    // The listener's sockets (in this process too) stay open; count only the probe's.
    const probeSockets = () => probeResources().sockets - open.size;
    // The listener keeps its half open, so only the bound can close the probe's sockets.
    expect(probeSockets()).toBe(baseline.sockets + 10);
    const settled = await waitFor(
      () => probeSockets() <= baseline.sockets && probeResources().timers <= baseline.timers,
      FIN_CLOSE_BOUND_MS + 3_000,
    );
    expect({ settled, sockets: probeSockets(), timers: probeResources().timers }).toMatchObject({ settled: true });
  }
});

describe("self-connect", () => {
  it("reports a real self-connect (local address:port = remote) as down, and frees the port at once", async () => {
    // A free port from the ephemeral range, and a connect bound to it as its
    // local port: on Linux that is a TCP simultaneous open with itself, every
    // time (the same thing the kernel does by chance, 1 in some hundreds of
    // connects to a closed ephemeral port on loopback).
    const port = await closedPort();
    const selfConnecting = createTcpProbe({
      resolve: (host) => dns.resolve(host),
      connect: (options) => connect({ ...options, localAddress: "127.0.0.1", localPort: options.port }),
    });
    const result = await selfConnecting({ host: "127.0.0.1", port, timeoutMs: 2_000 });
    expect(result).toMatchObject({ status: "down", detail: SELF_CONNECT_DETAIL });
    expect(SELF_CONNECT_DETAIL).toBe("connection refused (self-connect)");
    // The service can start on its port right away: the RST left no TIME_WAIT on it.
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
  });

  it("the same local-port seam against a listener on another port is an ordinary up check (the seam itself is not what fails)", async () => {
    const { port } = await listen();
    const local = await closedPort();
    const bound = createTcpProbe({
      resolve: (host) => dns.resolve(host),
      connect: (options) => connect({ ...options, localAddress: "127.0.0.1", localPort: local }),
    });
    expect(await bound({ host: "127.0.0.1", port, timeoutMs: 2_000 })).toMatchObject({ status: "up", detail: "" });
  });
});

describe("isSelfConnect", () => {
  const socket = (localAddress?: string, localPort?: number, remoteAddress?: string, remotePort?: number) => ({
    localAddress,
    localPort,
    remoteAddress,
    remotePort,
  });

  it.each([
    ["same address and port", socket("127.0.0.1", 45105, "127.0.0.1", 45105), true],
    ["IPv6 loopback", socket("::1", 45105, "::1", 45105), true],
    ["same port, other address", socket("127.0.0.2", 45105, "127.0.0.1", 45105), false],
    ["same address, other port", socket("127.0.0.1", 45106, "127.0.0.1", 45105), false],
    ["not connected (nothing known)", socket(), false],
  ])("%s → %s", (_name, s, expected) => {
    expect(isSelfConnect(s)).toBe(expected);
  });
});

describe("describeConnectError", () => {
  const err = (code: string, message = `connect ${code} 127.0.0.1:1`) => Object.assign(new Error(message), { code });

  it.each([
    ["ECONNREFUSED", "connection refused"],
    ["ECONNRESET", "connection reset"],
    ["EHOSTUNREACH", "host unreachable"],
    ["ENETUNREACH", "network unreachable"],
    ["EADDRNOTAVAIL", "address not available"],
    ["ETIMEDOUT", "timed out after 1500 ms"],
  ])("%s → %s", (code, detail) => {
    expect(describeConnectError(err(code), 1_500)).toBe(detail);
  });

  it("reports anything else as code: message", () => {
    expect(describeConnectError(err("EACCES", "connect EACCES 127.0.0.1:1"), 1_000)).toBe(
      "EACCES: connect EACCES 127.0.0.1:1",
    );
    expect(describeConnectError(new Error("plain"), 1_000)).toBe("plain");
    expect(describeConnectError("weird", 1_000)).toBe("weird");
  });
});
