import { describe, expect, it } from "vitest";
import { createRefusalLog } from "../../server/limits/refusal-log.js";
import { createMetrics } from "../../server/metrics/create-metrics.js";
import { capturedLogger } from "../support/captured-logger.js";

describe("refusal log", () => {
  it("counts every refusal but logs one line per reason per second, then how many were not logged", async () => {
    const { logger, lines } = capturedLogger("info");
    const metrics = createMetrics();
    let now = 0;
    const log = createRefusalLog(logger, () => now, metrics.refused);
    for (let i = 0; i < 5; i++) log("mutation_rate", "address:127.0.0.1: mutation rate limit");
    log("max_services", "max-services limit of 1 reached");
    now = 1000;
    log("mutation_rate", "address:127.0.0.1: mutation rate limit");
    expect(lines.map((l) => l["msg"])).toEqual([
      "limits: refused: address:127.0.0.1: mutation rate limit",
      "limits: refused: max-services limit of 1 reached",
      "limits: refused: address:127.0.0.1: mutation rate limit; 4 more refusal(s) for this reason in the last second not logged",
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('monitor_requests_refused_total{reason="mutation_rate"} 6');
    expect(text).toContain('monitor_requests_refused_total{reason="max_services"} 1');
  });
});
