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
