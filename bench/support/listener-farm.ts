import { forkWorker } from "./child-worker.js";
import type { FarmRequest, FarmResults, FarmWindow } from "./farm-protocol.js";

/** The simulated services, in their own process (listener-farm-child.ts). */
export interface ListenerFarm {
  readonly pid: number;
  /** Ports of every listener opened so far, by index. */
  readonly ports: readonly number[];
  /** Opens `count` more listeners, up; resolves with their indices' ports. */
  open(count: number): Promise<readonly number[]>;
  /** Takes listeners up or down; resolves with Date.now() in the farm once all have settled. */
  set(indices: readonly number[], state: "up" | "down"): Promise<number>;
  /** Starts a measurement window for checks `intervalMs` apart. */
  startWindow(intervalMs: number): Promise<void>;
  /** Ends the window, starting the next one at once. */
  collect(): Promise<FarmWindow>;
  close(): Promise<void>;
}

export async function startListenerFarm(): Promise<ListenerFarm> {
  const worker = await forkWorker<FarmRequest, FarmResults>("bench/support/listener-farm-child.ts");
  const ports: number[] = [];
  return {
    pid: worker.pid,
    ports,
    async open(count) {
      const opened = await worker.request({ op: "open", count });
      ports.push(...opened);
      return opened;
    },
    set: (indices, state) => worker.request({ op: "set", indices, state }),
    async startWindow(intervalMs) {
      await worker.request({ op: "window", intervalMs });
    },
    collect: () => worker.request({ op: "collect" }),
    async close() {
      await worker.request({ op: "close" }).catch(() => undefined);
      await worker.kill();
    },
  };
}
