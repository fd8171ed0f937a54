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
