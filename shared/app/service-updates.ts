import { setTimeout as delay } from 'node:timers/promises';
import { compactServiceState } from '../domain/compaction.ts';
import type { WatchdogConfig } from '../domain/config.ts';
import type { ServiceKey } from '../domain/service.ts';
import { viewService, type ServiceState } from '../domain/service-state.ts';
import type { Instant } from '../domain/time.ts';
import type { WatchdogStore } from './ports.ts';

/**
 * Attempts before giving up on a service that other writers keep changing. The stacks of a
 * service share one item, so a nested-stack deployment makes dozens of events race for it.
 */
export const MAX_WRITE_ATTEMPTS = 40;
const BACKOFF_BASE_MS = 5;
const BACKOFF_CAP_MS = 400;

/** Full jitter, so that writers that lost together do not collide again together. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  return delay(Math.random() * ceiling);
}

export class ConcurrentUpdateError extends Error {
  constructor(key: ServiceKey, attempts: number, options?: ErrorOptions) {
    super(
      `service ${key.account}/${key.region}/${key.service}: gave up after ${attempts} conflicting writes; the invocation will be retried`,
      options,
    );
    this.name = 'ConcurrentUpdateError';
  }
}

export interface Change<T> {
  readonly state: ServiceState;
  readonly result: T;
}

/**
 * Read, decide, conditionally write, and on a conflict read again and decide again: the one way
 * every writer changes a service's state, so no read-modify-write race can lose an update.
 * `decide` is pure and returns `null` when nothing needs writing.
 *
 * @example
 * const done = await updateService(store, key, now, config, (current) => ({ state: next(current), result: 1 }));
 */
export async function updateService<T>(
  store: WatchdogStore,
  key: ServiceKey,
  now: Instant,
  config: WatchdogConfig,
  decide: (current: ServiceState) => Change<T> | null,
  known?: ServiceState,
): Promise<{ saved: ServiceState; result: T } | null> {
  let current = known ?? (await store.loadService(key));
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const change = decide(current);
    if (!change) return null;
    let next = change.state;
    const folded = compactServiceState(next, now, config);
    if (folded) {
      // Archived before the state drops them: a crash in between leaves a window twice, never none.
      await store.archiveWindows(key, folded.archived);
      next = folded.state;
    }
    const saved = await store.saveService(next, viewService(next, now, config), now);
    if (saved) return { saved, result: change.result };
    await backoff(attempt);
    current = await store.loadService(key);
  }
  throw new ConcurrentUpdateError(key, MAX_WRITE_ATTEMPTS);
}
