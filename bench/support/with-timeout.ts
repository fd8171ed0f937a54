/**
 * Resolves like `promise`, or rejects with `message` after `ms`; the timer is
 * cleared either way, so a finished wait leaves nothing behind to hold the
 * process open.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
