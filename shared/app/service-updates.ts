import { compactServiceState } from '../domain/compaction.ts';
import type { WatchdogConfig } from '../domain/config.ts';
import type { ServiceKey } from '../domain/service.ts';
import { sameClaim, viewService, withClaimSent, type Claim, type ServiceState } from '../domain/service-state.ts';
import type { Instant } from '../domain/time.ts';
import type { WatchdogStore } from './ports.ts';

/** Attempts before giving up on a service that other writers keep changing. */
export const MAX_WRITE_ATTEMPTS = 10;

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
    current = await store.loadService(key);
  }
  throw new ConcurrentUpdateError(key, MAX_WRITE_ATTEMPTS);
}

/** Records that the notifier accepted a claimed notification. */
export async function markSent(
  store: WatchdogStore,
  key: ServiceKey,
  claim: Claim,
  now: Instant,
  config: WatchdogConfig,
  known: ServiceState,
): Promise<ServiceState> {
  const done = await updateService(
    store,
    key,
    now,
    config,
    (current) => {
      const pending = current.claims.some((kept) => sameClaim(kept, claim) && kept.sentAt === null);
      return pending ? { state: withClaimSent(current, claim, now), result: null } : null;
    },
    known,
  );
  return done?.saved ?? known;
}
