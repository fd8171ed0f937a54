import type { HistoryRecord, StatusChangeRecord } from "../domain/history-types.js";

/**
 * Where the engine hands every check result, pause and observed status
 * change for the history. Synchronous and never failing by contract: the
 * writer behind it buffers and commits in batches on its own schedule, so
 * the check path never waits for a disk.
 */
export interface HistorySink {
  record(record: HistoryRecord): void;
  statusChanged(change: StatusChangeRecord): void;
}
