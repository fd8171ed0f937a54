/**
 * Merges time-ordered (possibly infinite) sequences into one, lazily: the
 * earliest `atMs` first, ties in the order of `sources`, stopping at the
 * first item at or after `endMs`. The schedules are generators that may never
 * end (a flap or cycle without a count), so nothing here may be eager.
 */
export function* mergeByTime<T extends { readonly atMs: number }>(
  sources: readonly Iterable<T>[],
  endMs = Number.POSITIVE_INFINITY,
): Generator<T, void, undefined> {
  const heads = sources.map((source) => {
    const iterator = source[Symbol.iterator]();
    return { iterator, head: iterator.next() };
  });
  for (;;) {
    let earliest: { source: (typeof heads)[number]; item: T } | undefined;
    for (const source of heads) {
      if (source.head.done) continue;
      const item = source.head.value;
      if (item.atMs >= endMs) continue;
      if (earliest === undefined || item.atMs < earliest.item.atMs) earliest = { source, item };
    }
    if (earliest === undefined) return;
    yield earliest.item;
    earliest.source.head = earliest.source.iterator.next();
  }
}
