import { readFile } from "node:fs/promises";
import type { Scenario } from "./scenario.js";
import { parseScenario } from "./validate-scenario.js";

/**
 * Reads, parses and validates a scenario JSON file. Every failure names the
 * file, so the CLI can print the error as-is; validation failures are
 * {@link ScenarioError}s listing each bad field.
 */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot read scenario file ${file}: ${reason}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`${file}: not valid JSON: ${reason}`, { cause: err });
  }
  return parseScenario(raw, file);
}
