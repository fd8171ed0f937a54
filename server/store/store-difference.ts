import type { StoreContents } from "./store.js";

/** What the server holds in memory of what it wrote: the registry, and each caller's last sequence. */
export type StoreMemory = Pick<StoreContents, "services" | "callers" | "subscriptions" | "outages" | "sequences">;

/** JSON with keys sorted and undefined members dropped: two equal values read back the same way print the same. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (ArrayBuffer.isView(value)) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex"));
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonical(member)}`).join(",")}}`;
}

function sortedCanonical(items: readonly unknown[]): string[] {
  return items.map(canonical).sort();
}

/**
 * Undefined when what the store holds is what this server last wrote, else
 * which part differs. After an outage, a difference means someone else wrote
 * the store meanwhile (another server took the lock), or a COMMIT whose
 * outcome was unknown did commit: either way memory is stale. Observations
 * and announced statuses are not compared: they follow checks, which go on
 * while writes fail, and the next evaluation writes them anew.
 */
export function storeDifference(stored: StoreMemory, memory: StoreMemory): string | undefined {
  const parts = ["services", "callers", "subscriptions", "outages"] as const;
  for (const part of parts) {
    const a = sortedCanonical(stored[part]);
    const b = sortedCanonical(memory[part]);
    if (a.length !== b.length) return `${part}: ${a.length} stored, ${b.length} in memory`;
    if (a.some((item, i) => item !== b[i])) return `${part}: the stored rows differ from memory`;
  }
  // A caller with no events yet may have no counter row; 0 stands for both.
  // Only registered callers' logs: a deleted caller's counter is nobody's.
  const last = (list: StoreMemory["sequences"]) => new Map(list.filter((s) => s.lastSequence > 0).map((s) => [s.callerId, s.lastSequence]));
  const stored_ = last(stored.sequences);
  const memory_ = last(memory.sequences);
  for (const id of memory.callers.map((caller) => caller.id)) {
    if (stored_.get(id) !== memory_.get(id)) {
      return `caller ${id}'s event log: last sequence ${stored_.get(id) ?? 0} stored, ${memory_.get(id) ?? 0} in memory`;
    }
  }
  return undefined;
}
