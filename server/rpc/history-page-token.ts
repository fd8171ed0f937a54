import type { HistoryCursor } from "../domain/history-types.js";
import { invalidArgument } from "../domain/monitor-error.js";
import { MAX_PAGE_TOKEN_LENGTH, scopeDigest } from "./page-token.js";

/**
 * Page tokens of the history lists (ListCheckResults, ListStatusChanges).
 * Opaque to clients: base64url of "h1|" + a digest of the query + "|" + the
 * resolved end + "|" + the keyset cursor (at, id) of the last row returned.
 *
 * The digest binds a token to the query it was made for (the RPC, service,
 * start, end as asked, filters): resuming a keyset cursor inside another
 * selection would skip or repeat rows without the client being able to tell.
 * The resolved end travels in the token because an unset end_time means
 * "now" on the first page only: later pages keep that end, so a row written
 * meanwhile can neither appear on a later page nor push rows between pages.
 */

const VERSION = "h1";

/** Where the next page resumes, as carried by a token. */
export interface HistoryPageState {
  readonly endMs: number;
  readonly after: HistoryCursor;
}

/** `query`: the request's fields that select rows, in a fixed order (JSON of them, say). */
export function encodeHistoryPageToken(query: string, state: HistoryPageState): string {
  const text = [VERSION, scopeDigest(query), state.endMs, state.after.at, state.after.id].join("|");
  return Buffer.from(text, "utf8").toString("base64url");
}

const NOT_OURS = "is not a token returned by this server";

/** The state a token carries; throws invalid_argument naming page_token when it is not ours or not for `query`. */
export function decodeHistoryPageToken(token: string, query: string): HistoryPageState {
  // Checked before decoding, so a huge token costs nothing to refuse.
  if (token.length > MAX_PAGE_TOKEN_LENGTH) {
    throw invalidArgument("page_token", `must be at most ${MAX_PAGE_TOKEN_LENGTH} characters, got ${token.length}`);
  }
  const text = Buffer.from(token, "base64url").toString("utf8");
  const parts = text.split("|");
  if (parts.length !== 5 || parts[0] !== VERSION) throw invalidArgument("page_token", NOT_OURS);
  const [, digest, end, at, id] = parts as [string, string, string, string, string];
  const endMs = Number(end);
  const state = { endMs, after: { at: Number(at), id: Number(id) } };
  // Only what encode makes is accepted: the numbers must read back to the same text.
  if (
    !Number.isFinite(endMs) ||
    !Number.isFinite(state.after.at) ||
    !Number.isSafeInteger(state.after.id) ||
    Buffer.from([VERSION, digest, endMs, state.after.at, state.after.id].join("|"), "utf8").toString("base64url") !== token
  ) {
    throw invalidArgument("page_token", NOT_OURS);
  }
  if (digest !== scopeDigest(query)) {
    throw invalidArgument("page_token", "was made for another query (service_id, start_time, end_time or status_filter differ); start again without it");
  }
  return state;
}
