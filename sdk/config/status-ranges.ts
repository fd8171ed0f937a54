/** A range of HTTP status codes, min to max inclusive (the API's StatusRange). */
export interface StatusCodeRange {
  readonly min: number;
  readonly max: number;
}

/** What reading a status list came to: the ranges, or why the text is not one. */
export type StatusRangesResult =
  | { readonly ok: true; readonly ranges: readonly StatusCodeRange[] }
  | { readonly ok: false; readonly message: string };

const ITEM = /^(\d{1,3})(?:-(\d{1,3}))?$/;
/** A class of codes: "2xx" is 200–299. */
const CLASS = /^([1-5])xx$/i;

/**
 * "200-299,304" → [{min: 200, max: 299}, {min: 304, max: 304}], as a config
 * file's `expect` and monitorctl's `--expect` write them; "2xx" is 200-299.
 * Only the syntax is checked here, and that a written range does not end
 * before it starts ("200-0" would reach the API as its "200 alone"); whether
 * the codes are in 100–599 is the server's rule (domain/http-probe-rules.ts),
 * so it is worded once.
 */
export function parseStatusRanges(text: string): StatusRangesResult {
  const ranges: StatusCodeRange[] = [];
  for (const raw of text.split(",")) {
    const part = raw.trim();
    const cls = CLASS.exec(part);
    if (cls !== null) {
      const min = Number(cls[1]) * 100;
      ranges.push({ min, max: min + 99 });
      continue;
    }
    const match = ITEM.exec(part);
    if (match === null) {
      return { ok: false, message: `expected status codes like "200-299,304" or "2xx", got ${JSON.stringify(text.slice(0, 64))}` };
    }
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : Number(match[2]);
    if (max < min) return { ok: false, message: `${JSON.stringify(part)} ends before it starts` };
    ranges.push({ min, max });
  }
  return { ok: true, ranges };
}

/** The inverse of {@link parseStatusRanges}; a range whose max is 0 (the API's "min alone") is its min. */
export function formatStatusRanges(ranges: readonly StatusCodeRange[]): string {
  return ranges.map(({ min, max }) => (max === 0 || max === min ? `${min}` : `${min}-${max}`)).join(",");
}
