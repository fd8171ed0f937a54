/** A short rendering of a bad input for an error message (never the whole of a structure). */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  if (value instanceof Date) return "a Date";
  return Array.isArray(value) ? "an array" : "an object";
}
