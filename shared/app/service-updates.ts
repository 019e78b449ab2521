import { setTimeout as delay } from 'node:timers/promises';
import { compactServiceState, pagesHolding, unfold, type Compaction, type FoldedPage } from '../domain/compaction.ts';
import type { ImpactWindow } from '../domain/windows.ts';
import { FoldedPageMissingError } from './ports.ts';
import { serviceKeyId, type ServiceKey } from '../domain/service.ts';
import { viewService, withAnnouncements, withAnnouncementSent, type FoldedPageRef, type ServiceState } from '../domain/service-state.ts';
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
 * It folds settled history when the state has grown (compaction.ts); `reachBackTo`, the time of
 * a late event, first brings back the folded history that event falls into, so that it counts
 * as if it had arrived on time.
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
  reachBackTo?: Instant,
): Promise<{ saved: ServiceState; result: T } | null> {
  const { store, config } = deps;
  let read = known ?? (await store.loadService(key));
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const unfolded = reachBackTo === undefined ? null : await unfoldFor(deps, key, read, reachBackTo);
    if (unfolded === 'stale') {
      // Another writer brought those pages back and stored a newer state: read that one.
      await backoff(attempt);
      read = await store.loadService(key);
      continue;
    }
    const current = unfolded?.state ?? read;
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
      // Archived (and pages kept) before the state drops them: a crash in between leaves a window
      // twice or an orphan page, never less.
      await store.archiveWindows(key, folded.archived);
      const written = await store.saveFoldedPages(key, folded.pages);
      logDroppedAnnouncements(deps, key, next, folded);
      next = { ...folded.state, folded: [...folded.state.folded, ...written] };
    }
    if (folded || announced.length > 0) view = viewService(next, now, config);
    const saved = await store.saveService(next, view, now);
    if (saved) {
      // Published by the use case once its pages are out (withOutbox); without an outbox they
      // stay pending and the sweeper sends them after the lease.
      deps.outbox?.pending.push(...announced.map((item) => ({ key, announced: item })));
      deps.outbox?.latest.set(serviceKeyId(key), saved);
      await tidyAfterWrite(deps, key, { unfolded, folded, saved });
      return { saved, result: change.result };
    }
    // The pages this attempt wrote are left to their TTL: named by their content, they may be the
    // very pages the writer that won stored its state with.
    await backoff(attempt);
    read = await store.loadService(key);
  }
  throw new ConcurrentUpdateError(key, MAX_WRITE_ATTEMPTS);
}

interface Unfolded {
  readonly state: ServiceState;
  readonly pages: readonly FoldedPageRef[];
  /** The windows archived from those pages: the unfolded state holds them again. */
  readonly archived: readonly ImpactWindow[];
}

/**
 * The state with the folded history a late event at `time` falls into brought back; `null` when
 * it needs none, `stale` when a page it names is gone (another writer unfolded it meanwhile).
 */
async function unfoldFor(deps: UpdateDeps, key: ServiceKey, state: ServiceState, time: Instant): Promise<Unfolded | 'stale' | null> {
  const refs = pagesHolding(state, time);
  if (refs === null || refs.length === 0) return null;
  let pages: FoldedPage[];
  try {
    pages = await deps.store.loadFoldedPages(key, refs);
  } catch (error) {
    if (error instanceof FoldedPageMissingError) return 'stale';
    throw error;
  }
  const whole = unfold(state, refs, pages);
  const archived = await deps.store.archivedWindows(key, ...(whole.baseline ? [whole.baseline.asOf] : []));
  return { state: whole, pages: refs, archived };
}

/**
 * After a write: pages no state names any more (unfolded and folded again, or older than the
 * horizon) are removed, and so are archived windows an unfold brought back into the state that
 * are in it no more as they were (a late event moved their start). Best effort: what is left
 * over costs storage only (a window listed twice, never none).
 */
async function tidyAfterWrite(
  deps: UpdateDeps,
  key: ServiceKey,
  { unfolded, folded, saved }: { unfolded: Unfolded | null; folded: Compaction | null; saved: ServiceState },
): Promise<void> {
  const unnamed = [...(folded?.dropped ?? []), ...(unfolded?.pages ?? [])].filter((ref) => !saved.folded.some((still) => still.id === ref.id));
  await tidy(deps, key, () => deps.store.deleteFoldedPages(key, unnamed));
  if (!unfolded) return;
  // Kept: those the state still holds or this write archived again, under the same start.
  const current = new Set([...saved.derived.windows, ...(folded?.archived ?? [])].map((window) => window.start));
  const stale = unfolded.archived.filter((window) => !current.has(window.start));
  await tidy(deps, key, () => deps.store.deleteArchivedWindows(key, stale));
}

async function tidy(deps: UpdateDeps, key: ServiceKey, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    deps.log.warn('could not remove folded history or archived windows no longer needed; they only take space', { serviceKey: key, error: String(error) });
  }
}

/**
 * Window events still unsent that a fold took away with their windows: no sweep re-sends them
 * (a fold waits for them, but not for a bus that refuses them for long).
 */
function logDroppedAnnouncements(deps: UpdateDeps, key: ServiceKey, before: ServiceState, folded: Compaction): void {
  const dropped = before.announcements.filter((announced) => announced.sentAt === null && !folded.state.announcements.includes(announced));
  if (dropped.length === 0) return;
  deps.log.warn('window events the bus refused for long: folded away with their windows, not re-sent', {
    serviceKey: key,
    windowEvents: dropped.map((announced) => `${announced.type} ${formatInstant(announced.windowStart)}#${announced.revision}`),
  });
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
