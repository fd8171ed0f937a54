/**
 * Renders a value from a scenario file for an error message. Strings and
 * numbers are shown as written (JSON) so the reader can find them in the file;
 * structures are named by kind because dumping them would bury the message.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}
