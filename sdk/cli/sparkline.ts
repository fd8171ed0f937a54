/** The eight heights of a sparkline, lowest first. */
const BLOCKS = "▁▂▃▄▅▆▇█";

/** A sparkline and the range its heights span (undefined when no value is present). */
export interface Sparkline {
  readonly line: string;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/**
 * Where the scale may reach beyond the data: availability passes `top: 1`, so
 * a series that is 0% throughout is drawn low (▁), not as a flat line at full
 * height.
 */
export interface SparklineScale {
  readonly top?: number;
}

/**
 * A text chart of a series, one character per value (▁▂▃▄▅▆▇█), scaled from
 * the series' own minimum (▁) to its maximum (█) — or to `scale.top` when
 * that is higher — so the shape of a small dip (99.9% among 100%) shows; the
 * data's range is returned to be printed beside it, since the heights alone
 * say nothing about scale. A missing value (a bucket with no data) is a
 * space, not a low bar, so "no checks" never reads as "down". A flat series
 * at the top of its scale is all █.
 */
export function sparkline(values: readonly (number | undefined)[], scale: SparklineScale = {}): Sparkline {
  const present = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (present.length === 0) return { line: values.map(() => " ").join(""), min: undefined, max: undefined };
  const min = Math.min(...present);
  const max = Math.max(...present);
  const top = Math.max(max, scale.top ?? max);
  const line = values
    .map((v) => {
      if (v === undefined || !Number.isFinite(v)) return " ";
      if (top === min) return BLOCKS[BLOCKS.length - 1];
      return BLOCKS[Math.round(((v - min) / (top - min)) * (BLOCKS.length - 1))];
    })
    .join("");
  return { line, min, max };
}

/** The widest sparkline monitorctl prints: it must fit a terminal beside its label and range. */
export const MAX_SPARKLINE_COLUMNS = 60;

/**
 * Narrows a series to at most `columns` values by joining neighbours, each
 * column the worst of its values (`worst`: Math.min for availability,
 * Math.max for latency), so a dip in one bucket never disappears in a
 * wide window. A column whose values are all missing stays missing.
 */
export function narrowSeries(
  values: readonly (number | undefined)[],
  columns: number,
  worst: (...values: number[]) => number,
): { readonly values: (number | undefined)[]; readonly perColumn: number } {
  const perColumn = Math.max(1, Math.ceil(values.length / Math.max(1, columns)));
  if (perColumn === 1) return { values: [...values], perColumn };
  const narrowed: (number | undefined)[] = [];
  for (let i = 0; i < values.length; i += perColumn) {
    const present = values.slice(i, i + perColumn).filter((v): v is number => v !== undefined && Number.isFinite(v));
    narrowed.push(present.length === 0 ? undefined : worst(...present));
  }
  return { values: narrowed, perColumn };
}
