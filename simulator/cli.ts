/**
 * Command-line entry: `tsx simulator/cli.ts [--json] scenario.json`. Runs a
 * scenario against real loopback sockets so a monitor can be demoed or
 * exercised by hand; see USAGE in parse-cli-args.ts for exit codes.
 */
import { formatEventJson, formatEventText } from "./format-event.js";
import { loadScenarioFile } from "./load-scenario-file.js";
import { USAGE, parseCliArgs } from "./parse-cli-args.js";
import type { Scenario } from "./scenario.js";
import type { ScenarioEvent } from "./scenario-event.js";
import type { RunningScenario } from "./start-scenario.js";
import { startScenario } from "./start-scenario.js";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One `error:` prefix per line, so each issue of a bad file stands alone. */
function printError(err: unknown): void {
  const lines = errorMessage(err).split("\n");
  process.stderr.write(lines.map((line) => `error: ${line}\n`).join(""));
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.kind === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.kind === "usage-error") {
    printError(args.message);
    process.stderr.write(`\n${USAGE}`);
    return 2;
  }

  let running: RunningScenario | undefined;
  // Set before anything opens: a signal during start-up must still close the listeners.
  let stopRequested = false;
  const requestStop = (): void => {
    stopRequested = true;
    void running?.stop();
  };
  const onSignal = (): void => {
    // A second signal means the user does not want to wait for a clean close.
    if (stopRequested) process.exit(130);
    requestStop();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    return await run(args.file, args.json, requestStop, (started) => {
      running = started;
      if (stopRequested) void started.stop();
    });
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}

async function run(
  file: string,
  json: boolean,
  requestStop: () => void,
  onStarted: (running: RunningScenario) => void,
): Promise<number> {
  let scenario: Scenario;
  try {
    scenario = await loadScenarioFile(file);
  } catch (err) {
    printError(err);
    return 2;
  }

  let failed = false;
  // A reader that went away (`| head`) ends the run quietly instead of crashing on EPIPE.
  let outputClosed = false;
  process.stdout.on("error", () => {
    outputClosed = true;
    requestStop();
  });
  const onEvent = (event: ScenarioEvent): void => {
    if (event.type === "error") failed = true;
    if (outputClosed) return;
    if (json) process.stdout.write(`${formatEventJson(event)}\n`);
    else (event.type === "error" ? process.stderr : process.stdout).write(`${formatEventText(event)}\n`);
  };

  let running: RunningScenario;
  try {
    running = await startScenario(scenario, { onEvent });
  } catch (err) {
    printError(err);
    return 1;
  }
  onStarted(running);
  await running.done;
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    printError(err);
    process.exitCode = 1;
  },
);
