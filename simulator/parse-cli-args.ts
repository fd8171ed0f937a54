/** What the command line asked for; a tagged union so each outcome is handled explicitly. */
export type CliArgs =
  | { readonly kind: "help" }
  | { readonly kind: "run"; readonly file: string; readonly json: boolean }
  | { readonly kind: "usage-error"; readonly message: string };

/** Shown by `--help` and after a usage error. */
export const USAGE = `Usage: tsx simulator/cli.ts [--json] <scenario.json>

Opens the TCP, HTTP and HTTPS listeners described in the scenario file on
loopback, then follows its timed script: up and down, and for HTTP(S) the
status, body, headers and delay of the answer and certificate renewals.
Prints one line per listener with its real port (or URL), then one line
per change.

Options:
  --json      print NDJSON events instead of text lines
  -h, --help  show this help

Exit codes: 0 finished (duration reached, or SIGINT/SIGTERM),
            1 a listener failed to bind or change state,
            2 bad scenario file or usage.
`;

/**
 * Parses argv (without node and script). Hand-written: two flags and one
 * file do not justify a dependency.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let json = false;
  const files: string[] = [];
  for (const arg of argv) {
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "--json") json = true;
    else if (arg.startsWith("-") && arg !== "-") return { kind: "usage-error", message: `unknown option ${arg}` };
    else files.push(arg);
  }
  if (files.length === 0) return { kind: "usage-error", message: "missing scenario file" };
  const [file, ...extra] = files;
  if (file === undefined || extra.length > 0) {
    return { kind: "usage-error", message: `expected one scenario file, got ${files.length}` };
  }
  return { kind: "run", file, json };
}
