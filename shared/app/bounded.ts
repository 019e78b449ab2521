/**
 * Work run concurrently with a bound, that starts nothing once the invocation's time runs short:
 * the sweeper's pages, walks and window events, and a walk's marks.
 */

/**
 * Runs `work` for each item, at most `limit` at once, started in the order given; starts none
 * once `hasTime` says no. Returns how many were left unstarted.
 *
 * @example
 * const left = await forEachBounded(due, 16, () => remainingMs() > 10_000, escalate);
 */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  hasTime: () => boolean,
  work: (item: T) => Promise<void>,
): Promise<number> {
  let next = 0;
  let skipped = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      if (!hasTime()) {
        skipped++;
        continue;
      }
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return skipped;
}

/** Always: work that is not bounded by an invocation's time (a replay, a test's walk). */
export const UNBOUNDED_TIME = (): boolean => true;
