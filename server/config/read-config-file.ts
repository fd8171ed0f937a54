import { Low } from "lowdb";
import { DataFile } from "lowdb/node";
import type { ConfigIssue } from "./read-json-fields.js";

/** The file's JSON value, or why there is none (an issue with an empty path: the whole file). */
export type ReadConfigFile =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issue: ConfigIssue };

/** "at position 45" → "at line 3 column 7": an operator finds a line, not an offset. */
function withLineAndColumn(message: string, text: string): string {
  const match = / at position (\d+)/.exec(message);
  if (match === null) return message;
  const before = text.slice(0, Number(match[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return message.replace(match[0], ` at line ${line} column ${column}`);
}

class JsonSyntaxError extends Error {}

const MISSING = Symbol("missing");

/**
 * Reads the config file through lowdb's file adapter (the same one that
 * writes it atomically, by rename, when a tool does). Never writes: the
 * file belongs to the operator and their version control.
 */
export async function readConfigFile(path: string): Promise<ReadConfigFile> {
  const adapter = new DataFile<unknown>(path, {
    parse(text) {
      // A byte-order mark is what some Windows editors put first; JSON.parse refuses it.
      const json = text.startsWith("\ufeff") ? text.slice(1) : text;
      try {
        return JSON.parse(json) as unknown;
      } catch (error) {
        throw new JsonSyntaxError(withLineAndColumn(error instanceof Error ? error.message : String(error), json));
      }
    },
    stringify: (data) => `${JSON.stringify(data, null, 2)}\n`,
  });
  const db = new Low<unknown>(adapter, MISSING);
  try {
    await db.read();
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { ok: false, issue: { path: "", rule: `not valid JSON: ${error.message}` } };
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, issue: { path: "", rule: `cannot be read (${code ?? String(error)})` } };
  }
  if (db.data === MISSING) return { ok: false, issue: { path: "", rule: "not found" } };
  return { ok: true, value: db.data };
}
