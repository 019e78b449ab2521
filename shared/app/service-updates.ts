import { setTimeout as delay } from 'node:timers/promises';
import { compactServiceState } from '../domain/compaction.ts';
import { serviceKeyId, type ServiceKey } from '../domain/service.ts';
import { viewService, withAnnouncements, withAnnouncementSent, type ServiceState } from '../domain/service-state.ts';
import { planWindowAnnouncements, sameAnnouncement, windowEventOf, type WindowAnnouncement } from '../domain/window-events.ts';
import { formatInstant, type Instant } from '../domain/time.ts';
import type { WatchdogDeps, WindowEventOutbox } from './deps.ts';

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

/** What a write needs: the store, the rules, and the bus that hears of windows opening and closing. */
export type UpdateDeps = Pick<WatchdogDeps, 'store' | 'config' | 'windowEvents' | 'clock' | 'log' | 'outbox'>;

/**
 * Read, decide, conditionally write, and on a conflict read again and decide again: the one way
 * every writer changes a service's state, so no read-modify-write race can lose an update.
 * `decide` is pure and returns `null` when nothing needs writing. The write also claims the
 * window events the new state makes due and, once it is stored, hands them to the use case's
 * outbox (see {@link withOutbox}): whichever writer changes a window announces it, exactly once.
 *
 * @example
 * const done = await updateService(deps, key, now, (current) => ({ state: next(current), result: 1 }));
 */
export async function updateService<T>(
  deps: UpdateDeps,
  key: ServiceKey,
  now: Instant,
  decide: (current: ServiceState) => Change<T> | null,
  known?: ServiceState,
): Promise<{ saved: ServiceState; result: T } | null> {
  const { store, config } = deps;
  let current = known ?? (await store.loadService(key));
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const change = decide(current);
    if (!change) return null;
    let view = viewService(change.state, now, config);
    const { due: announced, unannounceable } = planWindowAnnouncements(view.windows, change.state.announcements, now);
    if (unannounceable.length > 0) {
      deps.log.warn("impact windows that cannot be announced (their id is taken by another window's events): left unannounced", {
        serviceKey: key,
        windows: unannounceable.map((window) => `${formatInstant(window.start)}–${window.end === null ? 'open' : formatInstant(window.end)}`),
      });
    }
    let next = withAnnouncements(change.state, announced);
    const folded = compactServiceState(next, now, config);
    if (folded) {
      // Archived before the state drops them: a crash in between leaves a window twice, never none.
      await store.archiveWindows(key, folded.archived);
      const dropped = next.announcements.filter((announced) => announced.sentAt === null && !folded.state.announcements.includes(announced));
      if (dropped.length > 0) {
        deps.log.warn('window events the bus refused for longer than the late-event horizon: dropped with their archived windows', {
          serviceKey: key,
          windowEvents: dropped.map((announced) => `${announced.type} ${formatInstant(announced.windowStart)}#${announced.revision}`),
        });
      }
      next = folded.state;
    }
    if (folded || announced.length > 0) view = viewService(next, now, config);
    const saved = await store.saveService(next, view, now);
    if (saved) {
      // Published by the use case once its pages are out (withOutbox); without an outbox they
      // stay pending and the sweeper sends them after the lease.
      deps.outbox?.pending.push(...announced.map((item) => ({ key, announced: item })));
      deps.outbox?.latest.set(serviceKeyId(key), saved);
      return { saved, result: change.result };
    }
    await backoff(attempt);
    current = await store.loadService(key);
  }
  throw new ConcurrentUpdateError(key, MAX_WRITE_ATTEMPTS);
}

function logRefused(deps: UpdateDeps, key: ServiceKey, announced: WindowAnnouncement, error: unknown): void {
  deps.log.warn('could not publish a window event; it stays pending and the sweeper re-sends it', {
    serviceKey: key,
    detailType: announced.type,
    error: String(error),
  });
}

/**
 * Runs `work` with an outbox, then publishes the window events its writes claimed: after its
 * notifications, so that a slow or failing bus never delays a page. Returns what `work` returned
 * and the publishes that failed (their claims stay pending; the sweeper re-sends them).
 *
 * @example
 * const { result, failures } = await withOutbox(deps, (staged) => sendEverything(staged));
 */
export async function withOutbox<T>(deps: WatchdogDeps, work: (staged: WatchdogDeps) => Promise<T>): Promise<{ result: T; failures: unknown[] }> {
  if (deps.outbox) return { result: await work(deps), failures: [] };
  const outbox: WindowEventOutbox = { pending: [], latest: new Map() };
  let outcome: { ok: true; result: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, result: await work({ ...deps, outbox }) };
  } catch (error) {
    // What was claimed before the failure is stored: publish it all the same.
    outcome = { ok: false, error };
  }
  // Marking one sent can make the next of its window due (a Closed waits for its Opened): it
  // joins the same outbox, drained until empty.
  const draining = { ...deps, outbox };
  const failures: unknown[] = [];
  // Every loop that publishes ends: an event is put on the bus once per invocation at most, so a
  // state that keeps making the same event due is logged and left, not re-published in a loop.
  const published = new Set<string>();
  for (let next = outbox.pending.shift(); next; next = outbox.pending.shift()) {
    const id = `${serviceKeyId(next.key)}#${next.announced.windowStart}#${next.announced.revision}`;
    if (published.has(id)) {
      deps.log.warn('window event made due again after it was published: left as it is', {
        serviceKey: next.key,
        detailType: next.announced.type,
        windowStart: formatInstant(next.announced.windowStart),
        revision: next.announced.revision,
      });
      continue;
    }
    published.add(id);
    try {
      await publishAnnouncement(draining, next.key, next.announced, outbox.latest.get(serviceKeyId(next.key)));
    } catch (error) {
      logRefused(deps, next.key, next.announced, error);
      failures.push(error);
    }
  }
  if (!outcome.ok) throw outcome.error;
  return { result: outcome.result, failures };
}

/**
 * Puts one claimed window event on the bus and marks it sent; throws when the bus refused it.
 *
 * @example
 * state = await publishAnnouncement(deps, key, staleOpened, state);
 */
export async function publishAnnouncement(
  deps: UpdateDeps,
  key: ServiceKey,
  announced: WindowAnnouncement,
  known?: ServiceState,
): Promise<ServiceState | undefined> {
  await deps.windowEvents.publish(windowEventOf(key, announced));
  const done = await updateService(
    deps,
    key,
    deps.clock(),
    (current) => {
      const pending = current.announcements.some((kept) => sameAnnouncement(kept, announced) && kept.sentAt === null);
      return pending ? { state: withAnnouncementSent(current, announced, deps.clock()), result: null } : null;
    },
    known,
  );
  return done?.saved ?? known;
}
