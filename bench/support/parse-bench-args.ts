import type { BenchMode } from "./bench-config.js";

export interface BenchArgs {
  readonly mode: BenchMode;
  /** Where the JSON report goes. */
  readonly out: string;
  /** Scenario ids to run (all when empty), e.g. ["1", "3"]. */
  readonly only: readonly string[];
  /** Directory for the server's --cpu-prof profiles, when profiling. */
  readonly cpuProfDir: string | undefined;
  /** --postgres: the store scenario runs on PostgreSQL too, even in a smoke run. */
  readonly postgres: boolean;
}

export const USAGE = `usage: npm run bench [-- [--quick | --smoke] [--out FILE] [--only 1,3] [--cpu-prof DIR] [--postgres]]
  --quick        smaller sizes, one window each (~2 min)
  --smoke        tiny sizes (< 20 s): proves it runs, figures mean nothing
  --out FILE     JSON report (default bench/results/latest.json)
  --only LIST    scenario numbers to run, comma-separated (1-10)
  --cpu-prof DIR start every server with node --cpu-prof, profiles written to DIR
  --postgres     scenarios 8 and 10 on PostgreSQL too, in any mode (full and quick runs do when they can)
`;

export const SCENARIO_IDS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"] as const;

/** Parses the bench's flags; throws an Error naming the flag on bad input. */
export function parseBenchArgs(argv: readonly string[], defaultOut: string): BenchArgs {
  let mode: BenchMode = "full";
  let out = defaultOut;
  let only: string[] = [];
  let cpuProfDir: string | undefined;
  let postgres = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new Error(`${arg}: expected a value`);
      return next;
    };
    switch (arg) {
      case "--quick":
      case "--smoke": {
        const wanted = arg.slice(2) as BenchMode;
        if (mode !== "full" && mode !== wanted) throw new Error(`${arg}: --quick and --smoke exclude each other`);
        mode = wanted;
        break;
      }
      case "--out":
        out = value();
        break;
      case "--only":
        only = value().split(",");
        for (const id of only) {
          if (!(SCENARIO_IDS as readonly string[]).includes(id)) {
            throw new Error(`--only: expected scenario numbers among ${SCENARIO_IDS.join(",")}, got "${id}"`);
          }
        }
        break;
      case "--cpu-prof":
        cpuProfDir = value();
        break;
      case "--postgres":
        postgres = true;
        break;
      default:
        throw new Error(`unknown argument "${arg}"`);
    }
  }
  return { mode, out, only, cpuProfDir, postgres };
}
