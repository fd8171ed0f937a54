import { invalidArgument } from "../domain/monitor-error.js";

/**
 * Pagination over lists ordered by id. The token is opaque to clients (base64
 * of a versioned cursor) but resumes after the last id returned, so pages stay
 * correct when items are added or removed between calls.
 */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

const PREFIX = "after:";

export function encodePageToken(lastId: string): string {
  return Buffer.from(PREFIX + lastId, "utf8").toString("base64url");
}

/** Ours are base64url of "after:" + an id; anything longer was not made here. */
export const MAX_PAGE_TOKEN_LENGTH = 512;

function decodePageToken(token: string): string {
  // Checked before decoding, so a huge token costs nothing to refuse.
  if (token.length > MAX_PAGE_TOKEN_LENGTH) {
    throw invalidArgument("page_token", `must be at most ${MAX_PAGE_TOKEN_LENGTH} characters, got ${token.length}`);
  }
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!text.startsWith(PREFIX) || Buffer.from(text, "utf8").toString("base64url") !== token) {
    throw invalidArgument("page_token", "is not a token returned by this server");
  }
  return text.slice(PREFIX.length);
}

/** One page of `items` (sorted by id) and the token for the next, "" when none. */
export function paginate<T extends { readonly id: string }>(
  items: readonly T[],
  pageSize: number,
  pageToken: string,
): { page: T[]; nextPageToken: string } {
  if (pageSize < 0) throw invalidArgument("page_size", `must not be negative, got ${pageSize}`);
  const size = Math.min(pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize, MAX_PAGE_SIZE);
  let start = 0;
  if (pageToken !== "") {
    const after = decodePageToken(pageToken);
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
  return { page, nextPageToken: more && last !== undefined ? encodePageToken(last.id) : "" };
}
