import { runMonitorctl } from "./run-monitorctl.js";

/**
 * monitorctl's process edge: the first Ctrl-C (or SIGTERM) aborts what is
 * running — `watch` then prints where to resume — and a second one exits at once.
 */
export async function main(): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.exitCode = await runMonitorctl(process.argv.slice(2), {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    isTty: process.stdout.isTTY === true,
    signal: stop.signal,
  });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
}
