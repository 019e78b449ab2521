/**
 * A service's impact windows, derived by the sweeper from all of its stacks' states. The service's
 * own item keeps only where the last derivation got to (a checkpoint: the moment, the window open
 * then, the last deletion): the next one walks on from there over the stacks' newer events, so
 * that no item holds a service's whole history, and every event of every stack still counts.
 */
import type { WatchdogConfig } from './config.ts';
import { stackOperations } from './operation-view.ts';
import type { ServiceKey } from './service.ts';
import type { StackState } from './stack-state.ts';
import type { Instant } from './time.ts';
import {
  deriveWindows,
  existingStacksAfter,
  walkCheckpoint,
  type Baseline,
  type ImpactWindow,
  type OpenWindowAt,
  type WalkInput,
} from './windows.ts';

/**
 * Where a walk over a service's events got to. The stacks' statuses at `asOf` are not kept here
 * (they would grow with the number of stacks): each stack's state gives its own.
 */
export interface WalkPoint {
  readonly asOf: Instant;
  readonly open: OpenWindowAt | null;
  readonly lastDeleteComplete: Instant | null;
  /**
   * The id of the window entry that went on as the open window (window-entries.ts), when there is
   * one: an id may go on as a window that starts after it, so a walk from here reads its entry.
   */
  readonly openId?: Instant | null | undefined;
}

/** The service's own item: where its windows were last derived to. */
export interface ServiceState {
  readonly key: ServiceKey;
  /** Version of the stored item, for conditional writes; 0 before the first write. */
  readonly version: number;
  /** `null` before the first derivation: the walk starts at the stacks' first events. */
  readonly walked: WalkPoint | null;
  /** The latest walk point kept on its own for late events to walk again from (`null`: none yet). */
  readonly lastKeptAt: Instant | null;
  /**
   * The window ids downstream may believe open (their last event an Opened) or whose window is
   * open: such an id can go on as a window that starts after it, so every walk reads its entry.
   */
  readonly openWindowIds: readonly Instant[];
}

export function emptyServiceState(key: ServiceKey): ServiceState {
  return { key, version: 0, walked: null, lastKeptAt: null, openWindowIds: [] };
}

/**
 * How far behind the clock a walk point is taken: events of the last moments may still be on
 * their way, and one dated before the point makes the next sweep walk again from further back.
 */
export const WALK_POINT_LAG_MS = 2 * 60_000;

/** How often a walk point is kept on its own (a late event walks again from the one before it). */
export const WALK_POINT_KEPT_EVERY_MS = 60 * 60_000;

/**
 * Stacks that folded history a walk from `point` needs (their baseline is later than it): the
 * caller brings their folded pages back first (compaction.ts `pagesHolding`).
 *
 * @example
 * const short = stacksShortOf(stacks, service.walked); // unfold these, then walk
 */
export function stacksShortOf(stacks: readonly StackState[], point: WalkPoint | null): StackState[] {
  return stacks.filter((stack) => stack.baseline !== null && (point === null || stack.baseline.asOf > point.asOf));
}

/** The stacks' records and operations as derived once per stack state, for a walk. */
const byStack = (stacks: readonly StackState[]): WalkInput => ({ byStack: stacks.map(stackOperations) });

/** The walk's starting state: the point, and each stack's status at it, from the stack's own state. */
function baselineAt(point: WalkPoint | null, stacks: readonly StackState[]): Baseline | null {
  if (point === null) {
    // From the stacks' first events; one that folded history for good (older than the horizon
    // twice) starts from what it kept.
    const folded = stacks.flatMap((stack) => stack.baseline?.stacks ?? []);
    return folded.length === 0 ? null : { asOf: Number.NEGATIVE_INFINITY, stacks: folded };
  }
  const present = stacks.flatMap((stack) =>
    existingStacksAfter(
      { asTheRulesTakeThem: stackOperations(stack).records.filter((record) => record.time <= point.asOf) },
      stack.baseline,
    ),
  );
  return { asOf: point.asOf, stacks: present, open: point.open, lastDeleteComplete: point.lastDeleteComplete };
}

/**
 * The service's windows from `point` on (the one open then, and every later one) as of `now`,
 * from its stacks' states. Each stack must hold its events after `point` ({@link stacksShortOf}).
 *
 * @example
 * serviceWindows(service.walked, stacks, sweepMinute, config); // [{ start, end: null, … }]
 */
export function serviceWindows(
  point: WalkPoint | null,
  stacks: readonly StackState[],
  now: Instant,
  config: WatchdogConfig,
): ImpactWindow[] {
  return deriveWindows(byStack(stacks), now, config, baselineAt(point, stacks));
}

/**
 * How far the next walk may start from: {@link WALK_POINT_LAG_MS} before `now`, but never past
 * the start of an operation still running outside the window open then (its severity may still
 * come with the clock, and the window would open back at its start). `point` itself when it cannot
 * move on. An operation that stopped may still change with a late event (its end): a late event
 * marks its stack from its operation's start (stack-state.ts), and the walk goes again from before it.
 *
 * @example
 * const next = nextWalkPoint(service.walked, stacks, now, config);
 */
export function nextWalkPoint(
  point: WalkPoint | null,
  stacks: readonly StackState[],
  now: Instant,
  config: WatchdogConfig,
): WalkPoint | null {
  const records = byStack(stacks);
  const baseline = baselineAt(point, stacks);
  const running = stacks.flatMap((stack) => {
    const last = stackOperations(stack).operations.at(-1);
    return last?.state === 'running' ? [last.start] : [];
  });
  let at = now - WALK_POINT_LAG_MS;
  for (;;) {
    if (point !== null && at <= point.asOf) return point;
    const checkpoint = walkCheckpoint(records, now, config, baseline, at);
    const covered = (start: Instant): boolean =>
      start > at || (checkpoint.open !== null && checkpoint.open !== undefined && checkpoint.open.start <= start);
    const uncovered = running.filter((start) => !covered(start));
    if (uncovered.length === 0) {
      return {
        asOf: checkpoint.asOf,
        open: checkpoint.open ?? null,
        lastDeleteComplete: checkpoint.lastDeleteComplete ?? null,
      };
    }
    at = Math.min(...uncovered) - 1;
  }
}

/** Whether two walk points say the same (a write would store nothing new). */
export function sameWalkPoint(a: WalkPoint | null, b: WalkPoint | null): boolean {
  if (a === null || b === null) return a === b;
  const openA = a.open;
  const openB = b.open;
  const sameOpen =
    openA === null || openB === null
      ? openA === openB
      : openA.start === openB.start &&
        openA.waitingSince === openB.waitingSince &&
        openA.peak === openB.peak &&
        openA.stacks.length === openB.stacks.length &&
        openA.stacks.every((name, index) => name === openB.stacks[index]);
  return (
    a.asOf === b.asOf &&
    a.lastDeleteComplete === b.lastDeleteComplete &&
    (a.openId ?? null) === (b.openId ?? null) &&
    sameOpen
  );
}

/**
 * Where a walk must go again from, `null` when it can go on from `point`: the earliest event the
 * last walk did not see, when it is dated at or before the point; or the start of the operation it
 * changes, when that operation began before the point (its end, arrived late, can open a window
 * back at its start, or take away the one open then, there only because it seemed to run on).
 *
 * @example
 * const from = walkAgainFrom(service.walked, stacks); // an event delivered three hours late: three hours ago
 */
export function walkAgainFrom(point: WalkPoint | null, stacks: readonly StackState[]): Instant | null {
  if (point === null) return null;
  const times = stacks.flatMap((stack) => {
    const { unwalkedSince: since, unwalkedOperationStart: start } = stack;
    if (since === null) return [];
    if (start !== null && start <= point.asOf) return [Math.min(start, since)];
    return since <= point.asOf ? [since] : [];
  });
  return times.length === 0 ? null : Math.min(...times);
}
