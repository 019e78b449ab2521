/**
 * Deriving a service's impact windows (the sweeper's, once a minute for each service whose
 * stacks changed): walk on from where the last walk got to over the stacks' newer events (or
 * again from a point kept before a late event), store the window entries that changed with the
 * events they make due, then move the service's walk point on and mark the stacks' events seen.
 */
import { entriesAfterWalk, isLive, type WindowEntry } from '../domain/window-entries.ts';
import { isPending } from '../domain/outbox.ts';
import type { ServiceKey } from '../domain/service.ts';
import {
  nextWalkPoint,
  sameWalkPoint,
  serviceWindows,
  stacksShortOf,
  walkAgainFrom,
  WALK_POINT_KEPT_EVERY_MS,
  type WalkPoint,
} from '../domain/service-walk.ts';
import { unwalkedAfter, type StackState } from '../domain/stack-state.ts';
import type { ServiceState } from '../domain/service-walk.ts';
import type { ImpactWindow } from '../domain/windows.ts';
import { formatInstant, type Instant } from '../domain/time.ts';
import type { WindowAnnouncement } from '../domain/window-events.ts';
import type { WatchdogDeps } from './deps.ts';
import { FoldedPageMissingError, type ServiceSnapshot } from './ports.ts';
import { unfoldedFrom } from './stack-updates.ts';
import { backoff, ConcurrentUpdateError, MAX_WRITE_ATTEMPTS } from './versioned-write.ts';
import { forEachBounded, UNBOUNDED_TIME } from './bounded.ts';

/** A window event claimed in a window entry, to be put on the bus. */
export interface ClaimedWindowEvent {
  readonly key: ServiceKey;
  readonly id: Instant;
  readonly announced: WindowAnnouncement;
  /** The entry as the claim stored it, when known: marking it sent starts from it instead of a read. */
  readonly entry?: WindowEntry | undefined;
}

/**
 * The window ids a walk from `point` may go on as: the one open at it, every later one (and the
 * ids still open, ServiceState.openWindowIds, read apart). From no point, those from the stacks'
 * earliest history on: windows of stacks whose states have expired since are kept as they are.
 */
function entriesFrom(point: WalkPoint | null, stacks: readonly StackState[]): { from: Instant; exclusive: boolean } {
  if (point === null) {
    const earliest = stacks.flatMap((stack) => [
      stack.baseline?.asOf ?? stack.records[0]?.time ?? Number.POSITIVE_INFINITY,
    ]);
    return { from: Math.max(0, Math.min(...earliest)), exclusive: false };
  }
  return point.open ? { from: point.open.start, exclusive: false } : { from: point.asOf, exclusive: true };
}

/** Every stack with the history the walk from `point` needs (pages brought back in memory only). */
async function withHistoryFrom(
  deps: WatchdogDeps,
  stacks: readonly StackState[],
  point: WalkPoint | null,
): Promise<StackState[]> {
  const short = new Set(stacksShortOf(stacks, point));
  return Promise.all(
    stacks.map(async (stack) =>
      short.has(stack) ? (await unfoldedFrom(deps, stack, point?.asOf ?? Number.NEGATIVE_INFINITY)).state : stack,
    ),
  );
}

/** What a walk over a service's stacks gives, before anything is written. */
interface Walk {
  readonly service: ServiceState;
  /** The stacks as read (what their marks are cleared on). */
  readonly stacks: readonly StackState[];
  /** The stacks with the history the walk needed brought back. */
  readonly whole: readonly StackState[];
  readonly point: WalkPoint | null;
  /** The windows from `point` on. */
  readonly windows: readonly ImpactWindow[];
  /** Walked again from a point kept before a late event: windows after it may have vanished. */
  readonly late: boolean;
  /** The earliest event the last walk did not see. */
  readonly since: Instant | null;
}

/**
 * Reads a service and walks its windows from where the last walk got to, or again from a point
 * kept before a late event; `null` when a page of folded history vanished meanwhile (read again).
 */
async function planWalk(
  deps: WatchdogDeps,
  key: ServiceKey,
  now: Instant,
  known?: ServiceSnapshot,
): Promise<Walk | null> {
  const { store, config } = deps;
  const { service, stacks } = known ?? (await store.loadService(key));
  // An event dated before where the last walk got to: walk again from a point kept before it.
  const since = walkAgainFrom(service.walked, stacks);
  const late = since !== null;
  const point = since !== null ? await store.walkPointBefore(key, since) : service.walked;
  let whole: StackState[];
  try {
    whole = await withHistoryFrom(deps, stacks, point);
  } catch (error) {
    if (error instanceof FoldedPageMissingError) return null;
    throw error;
  }
  return { service, stacks, whole, point, windows: serviceWindows(point, whole, now, config), late, since };
}

/** What a walk changes in a service's window entries, before anything is written. */
interface EntryPlan {
  /** The entries the walk read (those that may go on as its windows). */
  readonly entries: readonly WindowEntry[];
  readonly changed: readonly WindowEntry[];
  readonly unannounceable: readonly ImpactWindow[];
}

/** Reads the entries a walk may go on as, and plans what it changes in them. */
async function planEntries(deps: WatchdogDeps, key: ServiceKey, walk: Walk, now: Instant): Promise<EntryPlan> {
  const { service, whole, point, windows, late } = walk;
  const { from, exclusive } = entriesFrom(point, whole);
  // No window from the point on, none open at it or downstream, no event before it: no entry can
  // go on as one, nor has any vanished (a quiet minute).
  const openBefore = idsBefore(service, point, from, exclusive);
  const quiet = !late && windows.length === 0 && point !== null && point.open === null && openBefore.length === 0;
  const entries = quiet
    ? []
    : [...(await loadEntries(deps, key, openBefore)), ...(await deps.store.windowEntries(key, from, exclusive))];
  return { entries, ...entriesAfterWalk(key, entries, windows, now, { from, exclusive }) };
}

/**
 * A service's windows as of `now`, without writing anything: its window entries as a walk would
 * leave them (the replay's read-out at a moment between two sweeps, `status`).
 *
 * @example
 * const windows = await windowsAsOf(deps, key, until);
 */
export async function windowsAsOf(deps: WatchdogDeps, key: ServiceKey, now: Instant): Promise<ImpactWindow[]> {
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const walk = await planWalk(deps, key, now);
    if (!walk) {
      await backoff(attempt);
      continue;
    }
    const { changed } = await planEntries(deps, key, walk, now);
    const byId = new Map((await deps.store.windowEntries(key, 0)).map((entry) => [entry.id, entry]));
    for (const entry of changed) byId.set(entry.id, entry);
    return [...byId.values()]
      .flatMap((entry) => (entry.window ? [entry.window] : []))
      .sort((a, b) => a.start - b.start);
  }
  throw new ConcurrentUpdateError(`windows of service ${key.account}/${key.region}/${key.service}`, MAX_WRITE_ATTEMPTS);
}

/**
 * Derives the service's windows as of `now` and stores what changed. Returns the window events
 * the write claimed (pending: the caller publishes them). A writer that loses a race for a window
 * entry or the service's item reads and walks again. `concurrency`: how many of its stacks' marks
 * are written at once (1, the default, one after another).
 *
 * @example
 * const claimed = await walkWindows(deps, key, sweepMinute);
 */
export async function walkWindows(
  deps: WatchdogDeps,
  key: ServiceKey,
  now: Instant,
  known?: ServiceSnapshot,
  options: { readonly concurrency?: number | undefined } = {},
): Promise<ClaimedWindowEvent[]> {
  const { store, config, log } = deps;
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const walk = await planWalk(deps, key, now, attempt === 1 ? known : undefined);
    if (!walk) {
      await backoff(attempt);
      continue;
    }
    const { service, stacks, whole, point, late, since } = walk;
    const { entries, changed, unannounceable } = await planEntries(deps, key, walk, now);
    if (unannounceable.length > 0) {
      log.warn(
        "impact windows that cannot be announced (their id is taken by another window's events): left unannounced",
        {
          serviceKey: key,
          windows: unannounceable.map(
            (window) => `${formatInstant(window.start)}–${window.end === null ? 'open' : formatInstant(window.end)}`,
          ),
        },
      );
    }
    const saved: WindowEntry[] = [];
    for (const entry of changed) {
      const stored = await store.saveWindowEntry(entry, now);
      if (!stored) break;
      saved.push(stored);
    }
    if (saved.length < changed.length) {
      // Another sweep stored that entry meanwhile: walk again over what it stored.
      await backoff(attempt);
      continue;
    }
    const next = withOpenId(nextWalkPoint(point, whole, now, config), [...entries, ...saved]);
    // A late event made the points kept from its time on stale (they did not know it): dropped, so
    // that no later walk starts from one; the next kept is the one this walk got from, or none.
    const lastKept = late && since !== null ? (point?.asOf ?? null) : service.lastKeptAt;
    if (late && since !== null) await store.dropWalkPoints(key, since);
    const keep = next !== null && (lastKept === null || next.asOf - lastKept >= WALK_POINT_KEPT_EVERY_MS);
    if (keep && next) await store.keepWalkPoint(key, next);
    const openWindowIds = stillOpen(service.openWindowIds, entries, saved);
    const idsChanged =
      openWindowIds.length !== service.openWindowIds.length ||
      openWindowIds.some((id, index) => id !== service.openWindowIds[index]);
    const storePoint = late || keep || idsChanged || movedOn(service.walked, next, whole);
    if (storePoint) {
      const stored = await store.saveService(
        { ...service, walked: next, lastKeptAt: keep && next ? next.asOf : lastKept, openWindowIds },
        now,
      );
      if (!stored) {
        await backoff(attempt);
        continue;
      }
    }
    await markWalked(deps, stacks, storePoint ? next : service.walked, now, options.concurrency ?? 1);
    return saved.flatMap((entry) =>
      entry.announcements
        .filter((announced) => isPending(announced) && announced.claimedAt === now)
        .map((announced) => ({ key, id: entry.id, announced, entry })),
    );
  }
  throw new ConcurrentUpdateError(`windows of service ${key.account}/${key.region}/${key.service}`, MAX_WRITE_ATTEMPTS);
}

/**
 * The ids before where a walk from `point` reads entries that may still go on as one of its
 * windows: those still open, and the one that went on as the window open at the point.
 */
function idsBefore(service: ServiceState, point: WalkPoint | null, from: Instant, exclusive: boolean): Instant[] {
  const ids = [
    ...service.openWindowIds,
    ...(point?.openId === null || point?.openId === undefined ? [] : [point.openId]),
  ];
  return [...new Set(ids.filter((id) => (exclusive ? id <= from : id < from)))];
}

/** The point with the id of the entry that goes on as its open window, among `entries` (later ones win). */
function withOpenId(point: WalkPoint | null, entries: readonly WindowEntry[]): WalkPoint | null {
  if (point === null || point.open === null) return point;
  const start = point.open.start;
  const owner = [...entries].reverse().find((entry) => entry.window !== null && entry.window.start === start);
  return { ...point, openId: owner?.id ?? null };
}

/** The entries of these ids, those that exist. */
async function loadEntries(deps: WatchdogDeps, key: ServiceKey, ids: readonly Instant[]): Promise<WindowEntry[]> {
  const entries = await Promise.all(ids.map((id) => deps.store.loadWindowEntry(key, id)));
  return entries.flatMap((entry) => (entry ? [entry] : []));
}

/**
 * The ids still open after a walk: of the entries it read, as it stored them, those live; and the others it did not
 * read.
 */
function stillOpen(known: readonly Instant[], read: readonly WindowEntry[], saved: readonly WindowEntry[]): Instant[] {
  const latest = new Map(read.map((entry) => [entry.id, entry]));
  for (const entry of saved) latest.set(entry.id, entry);
  const open = new Set(known.filter((id) => !latest.has(id)));
  for (const entry of latest.values()) if (isLive(entry)) open.add(entry.id);
  return [...open].sort((a, b) => a - b);
}

/**
 * Whether the next walk point is worth storing: the window state moved, or events were walked
 * past the old point. A point that only moved with the clock over a quiet stretch is not: a walk
 * from the old one gives the same (an open window's peak is taken again from the operations).
 */
function movedOn(old: WalkPoint | null, next: WalkPoint | null, stacks: readonly StackState[]): boolean {
  if (old === null || next === null) return old !== next;
  if (next.asOf === old.asOf) return !sameWalkPoint(old, next);
  const sameState = sameWalkPoint(
    { ...old, asOf: next.asOf, open: old.open && { ...old.open, peak: next.open?.peak ?? null } },
    next,
  );
  const walkedPast = stacks.some((stack) =>
    stack.records.some((record) => record.time > old.asOf && record.time <= next.asOf),
  );
  return !sameState || walkedPast;
}

/**
 * The stacks' events up to the stored walk point are in the windows for good: a stack's mark moves
 * to its first event after the point (the next walks go over those again, the point lagging the
 * clock), or is cleared; each only while the stack is as read (one that changed meanwhile keeps
 * its mark, and the next sweep walks it). A stack keeps its service in the sweep index while it
 * has a mark, so a service is walked until its point has passed every event.
 */
async function markWalked(
  deps: WatchdogDeps,
  stacks: readonly StackState[],
  point: WalkPoint | null,
  now: Instant,
  concurrency: number,
): Promise<void> {
  const moved = stacks.flatMap((stack) => {
    if (stack.unwalkedSince === null) return [];
    const marks = unwalkedAfter(stack, point?.asOf ?? null);
    const same =
      marks.unwalkedSince === stack.unwalkedSince && marks.unwalkedOperationStart === stack.unwalkedOperationStart;
    return same ? [] : [{ ...stack, ...marks }];
  });
  // Each stack is its own item: a service of many stacks would otherwise wait on one write after another.
  await forEachBounded(moved, concurrency, UNBOUNDED_TIME, async (marked) => {
    await deps.store.saveStack(marked, now);
  });
}
