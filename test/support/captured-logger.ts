import { pino, type Logger } from "pino";

/** A pino logger at `level` whose JSON lines are parsed into `lines`, for asserting what was logged. */
export function capturedLogger(level: pino.LevelWithSilent = "trace"): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level, base: null, timestamp: false }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
