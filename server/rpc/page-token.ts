import { createHash } from "node:crypto";
import { invalidArgument } from "../domain/monitor-error.js";

/**
 * Pagination over lists ordered by id. The token is opaque to clients (base64
 * of a versioned cursor) but resumes after the last id returned, so pages stay
 * correct when items are added or removed between calls.
 *
 * A filtered list (ListServices with filter / status_filter) binds its tokens
 * to the filter: the token carries a digest of it, and a token presented with
 * another filter is refused, because resuming after an id of one selection
 * inside another would silently skip or repeat nothing the client could tell.
 * An unfiltered list's tokens are what they always were ("after:" + id).
 */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

const PREFIX = "after:";

/** 16 base64url characters of SHA-256: a digest, not a secret (the filter is the client's own). */
export function scopeDigest(scope: string): string {
  return createHash("sha256").update(scope, "utf8").digest("base64url").slice(0, 16);
}

/** `scope`: what the list was filtered by ("" for nothing), as the caller of paginate words it. */
export function encodePageToken(lastId: string, scope = ""): string {
  const head = scope === "" ? "" : `${scopeDigest(scope)}|`;
  return Buffer.from(head + PREFIX + lastId, "utf8").toString("base64url");
}

/** Ours are base64url of "after:" + an id; anything longer was not made here. */
export const MAX_PAGE_TOKEN_LENGTH = 512;

function decodePageToken(token: string, scope: string): string {
  // Checked before decoding, so a huge token costs nothing to refuse.
  if (token.length > MAX_PAGE_TOKEN_LENGTH) {
    throw invalidArgument("page_token", `must be at most ${MAX_PAGE_TOKEN_LENGTH} characters, got ${token.length}`);
  }
  const text = Buffer.from(token, "base64url").toString("utf8");
  const bar = text.startsWith(PREFIX) ? -1 : text.indexOf("|");
  const cursor = text.slice(bar + 1);
  if (!cursor.startsWith(PREFIX) || Buffer.from(text, "utf8").toString("base64url") !== token) {
    throw invalidArgument("page_token", "is not a token returned by this server");
  }
  const digest = bar === -1 ? "" : text.slice(0, bar);
  if (digest !== (scope === "" ? "" : scopeDigest(scope))) {
    throw invalidArgument("page_token", "was made for another filter or status_filter; start again without it");
  }
  return cursor.slice(PREFIX.length);
}

/**
 * One page of `items` (sorted by id) and the token for the next, "" when
 * none. `scope` names the filter `items` were selected by; a token is only
 * accepted with the scope it was made for.
 */
export function paginate<T extends { readonly id: string }>(
  items: readonly T[],
  pageSize: number,
  pageToken: string,
  scope = "",
): { page: T[]; nextPageToken: string } {
  if (pageSize < 0) throw invalidArgument("page_size", `must not be negative, got ${pageSize}`);
  const size = Math.min(pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize, MAX_PAGE_SIZE);
  let start = 0;
  if (pageToken !== "") {
    const after = decodePageToken(pageToken, scope);
    // Binary search: the first item whose id sorts after the cursor.
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (items[mid]!.id <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const page = items.slice(start, start + size);
  const last = page.at(-1);
  const more = start + size < items.length;
  return { page, nextPageToken: more && last !== undefined ? encodePageToken(last.id, scope) : "" };
}
