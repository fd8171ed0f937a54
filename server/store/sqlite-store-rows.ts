import type { ProbeConfig } from "../domain/types.js";
import { failRow, toProbe, type RowKey } from "./store-rows.js";

/**
 * What SQLite's rows need beyond store-rows.ts: monitor.db keeps a service's
 * probe as TEXT (STRICT tables have no JSON type), so the store parses it
 * before the shared check.
 */

/**
 * Decodes probe columns. Made per load: a fleet's probes are a handful of
 * distinct JSON texts, so each is parsed once and the (read-only) result shared.
 */
export function createProbeTextDecoder(): (text: string, key: RowKey) => ProbeConfig {
  const probes = new Map<string, ProbeConfig>();
  return (text, key) => {
    let probe = probes.get(text);
    if (probe === undefined) probes.set(text, (probe = toProbe(parseProbe(text, key), key)));
    return probe;
  };
}

function parseProbe(text: string, key: RowKey): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return failRow("services", key, `probe is not JSON: ${JSON.stringify(text.slice(0, 100))}`);
  }
}
