/**
 * Runs tasks one after another per key, in the order they were given, and
 * tasks of different keys side by side.
 *
 * Why: UpdateService reads a service, applies its mask and writes the
 * result. Two updates of one service in flight together would both read the
 * same service, and the second write would undo the first's fields. Queued
 * per service id, each update reads what the one before it wrote. (The
 * registry serialises writes, not read-modify-write sequences; pause and
 * resume need nothing here, since an update never changes the pause state.)
 */
export type KeyedQueue = <T>(key: string, task: () => Promise<T>) => Promise<T>;

export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<void>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    // A task that fails does not stop the ones queued after it.
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    // Forget an idle key, so the map holds only services with an update in flight.
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}
