import type { BenchConfig } from "./bench-config.js";
import type { ListenerFarm } from "./listener-farm.js";

/** What every scenario is given by bench/run.ts. */
export interface BenchContext {
  readonly config: BenchConfig;
  /** One listener farm for the whole run; scenarios open the listeners they need. */
  readonly farm: ListenerFarm;
  /** A fresh empty directory for a server's data, removed at the end of the run. */
  newDataDir(): string;
  /**
   * Whether the store scenario also runs on PostgreSQL: "auto" when the
   * server supports it and the run is not a smoke run, "required" (--postgres)
   * in every mode, failing when no cluster can be started.
   */
  readonly postgres: "auto" | "required";
  /** Node flags for every server started (e.g. --cpu-prof). */
  readonly serverNodeFlags: readonly string[];
  /** Progress on stderr, so stdout stays the table. */
  log(message: string): void;
}
