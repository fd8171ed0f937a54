import { pino, type DestinationStream, type Logger } from "pino";
import { PinoPretty } from "pino-pretty";
import type { LogFormat, LogLevel } from "./log-settings.js";

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where the JSON lines go (stdout unless a test captures them); pretty output always goes to stdout. */
  readonly destination?: DestinationStream;
}

/**
 * The server's logger. "pretty" formats in-process, as a stream, not in
 * pino's worker-thread transport: a worker is one more thread to start and
 * to flush at exit, and a server that exits through process.exit after
 * "stopped" would lose its last lines. Both write synchronously for the same
 * reason.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = { base: { service: "monitor" }, level: options.level };
  if (options.format === "pretty") {
    return pino(settings, PinoPretty({ sync: true, colorize: process.stdout.isTTY === true, destination: 1, ignore: "service" }));
  }
  return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: true }));
}
