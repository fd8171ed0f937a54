/**
 * A turn of the event loop (after pending I/O): the history's background
 * jobs take it between batches, since SQLite's calls are synchronous and a
 * long run of them would hold checks and RPCs.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
