import { forkWorker } from "./child-worker.js";
import type { WebFarmRequest, WebFarmResults, WebFarmWindow, WebListenersOpened } from "./web-farm-protocol.js";

/** The simulated HTTP(S) services, in their own process (web-farm-child.ts). */
export interface WebFarm {
  readonly pid: number;
  /** Opens `count` more listeners of `protocol`, up and answering 200 "ok". */
  open(protocol: "http" | "https", count: number): Promise<WebListenersOpened>;
  /**
   * Starts a measurement window for `services` service paths checked
   * `intervalMs` apart (0 services: only the totals are counted).
   */
  startWindow(intervalMs: number, services?: number): Promise<void>;
  /** Ends the window, starting the next one at once. */
  collect(): Promise<WebFarmWindow>;
  close(): Promise<void>;
}

/** Forks the web farm; one per scenario, closed when it ends. */
export async function startWebFarm(): Promise<WebFarm> {
  const worker = await forkWorker<WebFarmRequest, WebFarmResults>("bench/support/web-farm-child.ts");
  return {
    pid: worker.pid,
    open: (protocol, count) => worker.request({ op: "open", protocol, count }),
    async startWindow(intervalMs, services = 0) {
      await worker.request({ op: "window", intervalMs, services });
    },
    collect: () => worker.request({ op: "collect" }),
    async close() {
      await worker.request({ op: "close" }).catch(() => undefined);
      await worker.kill();
    },
  };
}
