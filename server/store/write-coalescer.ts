/**
 * Group commit for a store that saves its whole state at once.
 *
 * Every mutation asks for a save and waits for it. While one save is running,
 * later requests share the next one, which captures every mutation made
 * before it starts. So N concurrent mutations cost at most two writes, not N,
 * and each caller still resumes only after a write that includes its change.
 */
export interface WriteCoalescer {
  /** Resolves after a save that started after this call has finished. */
  request(): Promise<void>;
  /** Resolves when no save is running or queued. */
  idle(): Promise<void>;
}

interface Waiters {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function createWaiters(): Waiters {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function createWriteCoalescer(save: () => Promise<void>): WriteCoalescer {
  let running: Promise<void> | undefined;
  let queued: Waiters | undefined;

  function start(): void {
    const batch = queued;
    if (batch === undefined) return;
    queued = undefined;
    running = (async () => {
      try {
        await save();
        batch.resolve();
      } catch (error) {
        batch.reject(error);
      }
    })().finally(() => {
      running = undefined;
      start();
    });
  }

  return {
    request() {
      if (queued === undefined) queued = createWaiters();
      const { promise } = queued;
      if (running === undefined) start();
      return promise;
    },
    async idle() {
      while (running !== undefined) await running;
    },
  };
}
