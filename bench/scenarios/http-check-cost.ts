import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchContext } from "../support/bench-context.js";
import type { CheckLoopRequest, CheckLoopResults } from "../support/check-loop-child.js";
import { forkWorker } from "../support/child-worker.js";
import type { LoopClientKind } from "../support/loop-clients.js";
import { measureLoop, type LoopMeasurement } from "../support/measure-loop.js";
import { microsPerEvent } from "../support/micros-per-event.js";
import { summarize } from "../support/percentiles.js";
import { figure, type Figure, type ScenarioResult } from "../support/report.js";
import type { WebFarm } from "../support/web-farm.js";

/** One loop to measure: which client, against which listeners. */
interface CostRow {
  readonly protocol: "http" | "https" | "tcp";
  readonly client: LoopClientKind;
  /** The id's last part and the title's words. */
  readonly name: string;
  readonly title: string;
}

/**
 * The bare node:http loop first in each protocol: the others' CPU per check
 * is divided by its median. TCP last, with both close modes.
 */
const ROWS: readonly CostRow[] = [
  { protocol: "http", client: "node-http", name: "http-node-bare", title: "HTTP, bare node:http loop (agent: false)" },
  { protocol: "http", client: "http-probe", name: "http-probe", title: "HTTP, the server's probe (createHttpProbe)" },
  { protocol: "http", client: "undici", name: "http-undici-bare", title: "HTTP, bare undici 7 loop (Agent, pipelining 0, reset)" },
  { protocol: "http", client: "undici-client", name: "http-undici-client", title: "HTTP, bare undici 7 loop (a fresh Client per request)" },
  { protocol: "https", client: "node-http", name: "https-node-bare", title: "HTTPS, bare node:https loop (agent: false)" },
  { protocol: "https", client: "http-probe", name: "https-probe", title: "HTTPS, the server's probe (createHttpProbe)" },
  { protocol: "https", client: "undici", name: "https-undici-bare", title: "HTTPS, bare undici 7 loop (Agent, pipelining 0, reset)" },
  { protocol: "https", client: "undici-client", name: "https-undici-client", title: "HTTPS, bare undici 7 loop (a fresh Client per request)" },
  { protocol: "tcp", client: "tcp-probe-reset", name: "tcp-probe-reset", title: "TCP, the server's probe (createTcpProbe), close by reset" },
  { protocol: "tcp", client: "tcp-probe-fin", name: "tcp-probe-fin", title: "TCP, the server's probe (createTcpProbe), close by FIN" },
];

function merge(list: readonly LoopMeasurement[]): LoopMeasurement {
  return {
    rates: list.flatMap((m) => m.rates),
    failures: list.flatMap((m) => m.failures),
    loopCores: list.flatMap((m) => m.loopCores),
    farmCores: list.flatMap((m) => m.farmCores),
    connectionsPerRequest: list.flatMap((m) => m.connectionsPerRequest),
    lastFailure: list.findLast((m) => m.lastFailure !== "")?.lastFailure ?? "",
  };
}

/** Runs one client's loop in a fresh process for the configured windows. */
async function measureRow(
  ctx: BenchContext,
  row: CostRow,
  targets: readonly string[],
  caFile: string,
  farmPid: number,
  web: WebFarm | undefined,
): Promise<LoopMeasurement> {
  const loop = await forkWorker<CheckLoopRequest, CheckLoopResults>("bench/support/check-loop-child.ts", {
    // Trusted like a system root, so no client passes `ca` (which would parse the PEM at every connect).
    env: { NODE_EXTRA_CA_CERTS: caFile },
  });
  try {
    await loop.request({ op: "start", client: row.client, targets, concurrency: ctx.config.httpChecks.concurrency });
    await sleep(ctx.config.settleMs);
    const parts: LoopMeasurement[] = [];
    for (let r = 0; r < ctx.config.repetitions; r++) parts.push(await measureLoop(loop, farmPid, ctx.config.windowSeconds, web));
    return merge(parts);
  } finally {
    await loop.request({ op: "stop" }).catch(() => undefined);
    await loop.kill();
  }
}

/**
 * Scenario 9, probe level: checks per second and CPU per check of each
 * client in a closed loop (`concurrency` in flight) in a process of its own,
 * against listeners in another (the web farm for HTTP(S), the run's TCP
 * farm for TCP), one client after the other. HTTPS verifies the listeners'
 * self-signed certificates, trusted through NODE_EXTRA_CA_CERTS.
 */
export async function httpCheckCost(ctx: BenchContext, web: WebFarm): Promise<ScenarioResult[]> {
  const { config } = ctx;
  const { concurrency, listeners } = config.httpChecks;
  const http = await web.open("http", listeners);
  // One HTTPS listener: the simulator's self-signed certificates all carry
  // the same subject, and OpenSSL picks a trusted issuer by subject, so with
  // several in the trust store only one of them would verify.
  const https = await web.open("https", 1);
  const tcpPorts = await ctx.farm.open(listeners);
  const dir = ctx.newDataDir();
  mkdirSync(dir, { recursive: true });
  const caFile = join(dir, "bench-ca.pem");
  writeFileSync(caFile, https.certificates.join("\n"));
  const targets: Record<CostRow["protocol"], string[]> = {
    http: http.origins.map((origin) => `${origin}/`),
    https: https.origins.map((origin) => `${origin}/`),
    tcp: tcpPorts.map((port) => `tcp://127.0.0.1:${port}`),
  };

  const results: ScenarioResult[] = [];
  const bareMedian = new Map<string, number>();
  for (const row of ROWS) {
    ctx.log(`http checks: ${row.name}, ${concurrency} in flight`);
    const tcp = row.protocol === "tcp";
    const m = await measureRow(ctx, row, targets[row.protocol], caFile, tcp ? ctx.farm.pid : web.pid, tcp ? undefined : web);
    const micros = microsPerEvent(m.loopCores, m.rates);
    const perCore = m.rates.flatMap((rate, i) => (m.loopCores[i]! > 0 ? [rate / m.loopCores[i]!] : []));
    if (row.client === "node-http") bareMedian.set(row.protocol, summarize(micros).median);
    const bare = bareMedian.get(row.protocol);
    const figures: Figure[] = [
      figure("checks/s", "1/s", m.rates),
      figure("client CPU", "cores", m.loopCores),
      figure("client CPU per check", "µs", micros),
      figure("checks/s per client core", "1/s", perCore),
      ...(bare !== undefined && row.client !== "node-http"
        ? [figure(`CPU per check ÷ bare node:${row.protocol}`, "×", micros.map((us) => us / bare))]
        : []),
      figure("listener CPU", "cores", m.farmCores),
      ...(tcp ? [] : [figure("connections per request", "×", m.connectionsPerRequest)]),
      // Any failure means the row did not measure what it says: shown as a missed target.
      figure("failed checks/s", "1/s", m.failures, { stat: "max", op: "<=", value: 0 }),
    ];
    results.push({
      id: `9-cost-${row.name}`,
      title: row.title,
      parameters: { client: row.client, protocol: row.protocol, concurrency, listeners: targets[row.protocol].length, windows: config.repetitions, windowSeconds: config.windowSeconds },
      figures,
      notes: [
        "Closed loop in its own process: a check starts as soon as one ends, round-robin over the listeners; samples are one-second windows.",
        "connections per request = TCP connections the listeners accepted ÷ requests they answered: 1 means no connection was reused.",
        ...(m.lastFailure === "" ? [] : [`last failure: ${m.lastFailure}`]),
      ],
    });
  }
  return results;
}
