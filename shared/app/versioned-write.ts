/**
 * Read, decide, conditionally write: the one way every writer changes an item, so no
 * read-modify-write race can lose an update. On a conflict the writer backs off (full jitter)
 * and reads and decides again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { WatchdogError } from '../errors.ts';

/**
 * Attempts before giving up on an item that other writers keep changing. A stack's events are
 * few and serial, so conflicts are rare; throttling is retried by the SDK below this.
 */
export const MAX_WRITE_ATTEMPTS = 12;
const BACKOFF_BASE_MS = 5;
const BACKOFF_CAP_MS = 400;

/** Full jitter, so that writers that lost together do not collide again together. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  return delay(Math.random() * ceiling);
}

export class ConcurrentUpdateError extends WatchdogError {
  constructor(what: string, attempts: number, options?: ErrorOptions) {
    super(`${what}: gave up after ${attempts} conflicting writes; the invocation will be retried`, options);
    this.name = 'ConcurrentUpdateError';
  }
}

/**
 * What `decide` returns: the next state and what the caller is told; `state: null` when nothing
 * needs writing but there is something to tell (`decide` returns `null` when there is neither).
 */
export interface Change<S, T> {
  readonly state: S | null;
  readonly result: T;
}

export interface VersionedItem<S> {
  /** What the item is, for the error when writers keep colliding. */
  readonly what: string;
  read(): Promise<S>;
  /** Stores `next` if the item is still at the version it was read at; the stored state, or `null`. */
  write(next: S): Promise<S | null>;
}

/**
 * Reads the item (or starts from `known`), lets the pure `decide` say what to write (`null`:
 * nothing), writes it with its version as the condition, and on a conflict reads and decides
 * again. Returns the stored state and what `decide` decided, `null` when there was nothing to write.
 *
 * @example
 * const done = await writeVersioned(stackItem, (current) => ({ state: next(current), result: 1 }));
 */
export async function writeVersioned<S, T>(
  item: VersionedItem<S>,
  decide: (current: S) => Change<S, T> | null,
  known?: S,
): Promise<{ saved: S; result: T } | null> {
  let current = known ?? (await item.read());
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const change = decide(current);
    if (!change) return null;
    if (change.state === null) return { saved: current, result: change.result };
    const saved = await item.write(change.state);
    if (saved) return { saved, result: change.result };
    await backoff(attempt);
    current = await item.read();
  }
  throw new ConcurrentUpdateError(item.what, MAX_WRITE_ATTEMPTS);
}
