import { pino, type DestinationStream, type Logger } from "pino";
import type { LogFormat, LogLevel } from "./log-settings.js";

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where JSON lines go (stdout unless a test captures them); pretty output always goes to stdout. */
  readonly destination?: DestinationStream;
}

const settings = (level: LogLevel) => ({ base: { service: "monitor" }, level });

/** JSON lines on stdout, written synchronously so nothing is lost when the process exits right after. */
export function createJsonLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(settings(level), destination ?? pino.destination({ dest: 1, sync: true }));
}

/**
 * The server's logger. "pretty" formats in-process, as a stream, not in
 * pino's worker-thread transport: a worker is one more thread to start and
 * to flush at exit, and a server that exits through process.exit after
 * "stopped" would lose its last lines. pino-pretty is imported only when
 * asked for: with its dependencies it takes 100-300 ms to load.
 */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  if (options.format === "json") return createJsonLogger(options.level, options.destination);
  const { PinoPretty } = await import("pino-pretty");
  return pino(
    settings(options.level),
    PinoPretty({ sync: true, colorize: process.stdout.isTTY === true, destination: 1, ignore: "service" }),
  );
}
