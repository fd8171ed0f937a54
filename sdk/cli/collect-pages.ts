/** Follows page tokens to the end; `fetch` returns a page's items and the next token ("" = last). */
export async function collectPages<T>(fetch: (pageToken: string) => Promise<[readonly T[], string]>): Promise<T[]> {
  const all: T[] = [];
  let token = "";
  do {
    const [items, next] = await fetch(token);
    all.push(...items);
    token = next;
  } while (token !== "");
  return all;
}

/** The largest page the list RPCs serve. */
const MAX_PAGE_SIZE = 1000;

/**
 * Follows page tokens until `limit` items or the last page, asking each page
 * for no more than is still wanted (1 to 1000). `more` says whether the
 * server had items beyond the limit, so a command can tell the reader its
 * listing was cut short.
 */
export async function collectUpTo<T>(
  limit: number,
  fetch: (pageToken: string, pageSize: number) => Promise<[readonly T[], string]>,
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let token = "";
  do {
    const [page, next] = await fetch(token, Math.min(limit - items.length, MAX_PAGE_SIZE));
    items.push(...page);
    token = next;
  } while (token !== "" && items.length < limit);
  return { items: items.slice(0, limit), more: token !== "" || items.length > limit };
}
