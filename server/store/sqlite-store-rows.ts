import type { HttpCheckDetails, Observation, ProbeConfig } from "../domain/types.js";
import { createObservationDecoder, failRow, toObservedHttp, toProbe, type ObservationRow, type RowKey } from "./store-rows.js";

/**
 * What SQLite's rows need beyond store-rows.ts: monitor.db keeps a service's
 * probe and an observation's HTTP details as TEXT (STRICT tables have no
 * JSON type), so the store parses them before the shared checks.
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
  return parseJson(text, "services", "probe", key);
}

function decodeHttpText(text: string, key: RowKey): HttpCheckDetails {
  return toObservedHttp(parseJson(text, "observations", "http", key), key);
}

/** Decodes observations; their http column is JSON text. */
export const decodeObservation: (row: ObservationRow<string>) => { serviceId: string; observation: Observation } =
  createObservationDecoder(decodeHttpText);

function parseJson(text: string, table: string, column: string, key: RowKey): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return failRow(table, key, `${column} is not JSON: ${JSON.stringify(text.slice(0, 100))}`);
  }
}
