import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { afterEach, describe, expect, it } from "vitest";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createListener, type SimListener } from "../../simulator/index.js";
import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";
import { waitUntil } from "../support/wait-until.js";
import { recordConnectWatch } from "../support/watch-recorder.js";

/**
 * Prometheus metrics (issue 8, item 7) scraped from the real server on its
 * own loopback port: checks counted by result, histogram buckets, services by
 * status, open Watch streams.
 */

const servers: SpawnedServer[] = [];
let listener: SimListener | undefined;
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
  await listener?.close();
  listener = undefined;
});

/** The value of one sample, e.g. `monitor_checks_total{result="up"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("metrics endpoint", () => {
  it("serves checks, histograms, services by status and open streams at /metrics", async () => {
    listener = createListener();
    const port = await listener.up();
    const server = await spawnServer({ args: ["--metrics-listen", "127.0.0.1:0"] });
    servers.push(server);
    const metricsAddress = /"metricsAddress":"(127\.0\.0\.1:\d+)"/.exec(server.output())?.[1];
    expect(metricsAddress).toBeDefined();
    const scrape = async () => {
      const response = await fetch(`http://${metricsAddress}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/plain");
      return response.text();
    };

    const transport = createGrpcTransport({ baseUrl: server.baseUrl });
    const management = createClient(ManagementService, transport);
    await management.registerService({ host: "127.0.0.1", port, checkInterval: durationFromMs(1000) });

    let text = await scrape();
    await waitUntil(async () => ((sample((text = await scrape()), 'monitor_checks_total{result="up"}') ?? 0) >= 1), 10_000, "a first check");
    const first = sample(text, 'monitor_checks_total{result="up"}')!;
    await waitUntil(async () => (sample((text = await scrape()), 'monitor_checks_total{result="up"}') ?? 0) > first, 10_000, "the count to grow");
    expect(sample(text, 'monitor_services{status="up"}')).toBe(1);
    expect(sample(text, 'monitor_services{status="down"}')).toBe(0);
    expect(sample(text, 'monitor_check_duration_seconds_bucket{le="0.001"}')).toBeDefined();
    expect(sample(text, 'monitor_check_duration_seconds_bucket{le="10"}')).toBeDefined();
    expect(sample(text, 'monitor_check_duration_seconds_bucket{le="+Inf"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'monitor_check_lateness_seconds_bucket{le="+Inf"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, "nodejs_eventloop_lag_seconds")).toBeDefined();
    expect(sample(text, "monitor_watch_streams")).toBe(0);

    await management.registerCaller({ callerId: "scraped" });
    const watch = recordConnectWatch(createClient(WatchService, transport), "scraped");
    await watch.waitFor((e) => e.kind === "snapshot", 10_000, "the snapshot");
    expect(sample(await scrape(), "monitor_watch_streams")).toBe(1);
    watch.cancel();
    await watch.ended;
    await waitUntil(async () => sample(await scrape(), "monitor_watch_streams") === 0, 5000, "the stream gauge back at 0");

    expect((await fetch(`http://${metricsAddress}/`)).status).toBe(404);
    expect((await fetch(`http://${metricsAddress}/metrics`, { method: "POST" })).status).toBe(405);
    expect(await server.stop("SIGTERM")).toBe(0);
  });

  it("is off by default", async () => {
    const server = await spawnServer();
    servers.push(server);
    expect(server.output()).not.toContain("metricsAddress");
  });
});
