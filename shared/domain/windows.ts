/**
 * Impact windows (DESIGN.md, "Impact windows"): the spans during which a service was disrupted,
 * derived from the status events of all its stacks. Like operations, they are a pure function of
 * the set of events and the clock, so delivery order cannot change them.
 */
import {
  canonicalRecords,
  foldOperations,
  stackRecordsForRules,
  type Operation,
  type StatusRecord,
} from './operations.ts';
import { maxSeverity, operationSeverity, type OperationSeverity } from './severity.ts';
import { DELETE_COMPLETE, REVIEW_IN_PROGRESS, statusRule, StatusClass, type StackStatus } from './status.ts';
import { groupBy } from './collections.ts';
import type { Thresholds } from './thresholds.ts';
import type { Instant } from './time.ts';

export interface ImpactWindow {
  readonly start: Instant;
  /** `null` while open. */
  readonly end: Instant | null;
  readonly peakSeverity: OperationSeverity;
  /** Names of the existing stacks with a status event inside the window, by first such event. */
  readonly stacks: readonly string[];
  /** While open with no stack left: the last DELETE_COMPLETE, from which the grace runs. */
  readonly awaitingReplacementSince: Instant | null;
}

/**
 * Whether two windows say the same, field by field (not by their JSON, whose key order depends
 * on who built them).
 *
 * @example
 * sameWindow(stored, derived); // true when a write would store nothing new
 */
export function sameWindow(a: ImpactWindow, b: ImpactWindow): boolean {
  return (
    a.start === b.start &&
    a.end === b.end &&
    a.peakSeverity === b.peakSeverity &&
    a.awaitingReplacementSince === b.awaitingReplacementSince &&
    a.stacks.length === b.stacks.length &&
    a.stacks.every((stack, index) => stack === b.stacks[index])
  );
}

export interface WindowRules {
  readonly thresholds: Thresholds;
  /** How long a service left with no stack waits for a replacement. */
  readonly graceMs: number;
}

interface StackPresence {
  readonly stackName: string;
  readonly appeared: boolean;
  readonly deleted: boolean;
  /** The latest status that belongs to an operation (review and unknown statuses excluded). */
  readonly latest: StackStatus | null;
}

/**
 * Where a walk over a service's events starts: the stacks that existed at `asOf` and their
 * statuses then, and the window open at that moment, if one was. Either what is left of settled
 * history folded away (`compaction.ts`: nothing running, no window open), or a checkpoint of a
 * walk (see {@link walkCheckpoint}), from which the walk goes on exactly as if it had walked the
 * events before it.
 */
export interface Baseline {
  readonly asOf: Instant;
  readonly stacks: readonly {
    readonly stackId: string;
    readonly stackName: string;
    readonly status: StackStatus | null;
  }[];
  /** The window open at `asOf`; absent or `null` when none was. */
  readonly open?: OpenWindowAt | null | undefined;
  /** The last DELETE_COMPLETE of a stack that existed, at or before `asOf`; absent when none. */
  readonly lastDeleteComplete?: Instant | null | undefined;
}

/** A window open at a checkpoint, as far as the walk had got. */
export interface OpenWindowAt {
  readonly start: Instant;
  /** Its stacks so far, by first status event inside it. */
  readonly stacks: readonly string[];
  /** While no stack of the service exists: the last DELETE_COMPLETE, from which the grace runs. */
  readonly waitingSince: Instant | null;
  /**
   * The highest severity of its operations so far: those that started inside it, as of the walk
   * that made the checkpoint. A walk that goes on may no longer see the operations of stacks whose
   * history was folded since; a maximum counts each one any number of times alike.
   */
  readonly peak: OperationSeverity | null;
}

const exists = (stack: StackPresence): boolean => stack.appeared && !stack.deleted;

function afterStatus(stack: StackPresence | undefined, record: StatusRecord): StackPresence {
  const before = stack ?? { stackName: record.stackName, appeared: false, deleted: false, latest: null };
  if (record.status === REVIEW_IN_PROGRESS) return before;
  const rule = statusRule(record.status);
  return {
    stackName: record.stackName,
    appeared: true,
    deleted: before.deleted || record.status === DELETE_COMPLETE,
    latest: rule?.operation ? (record.status as StackStatus) : before.latest,
  };
}

function initialPresence(baseline: Baseline | null): Map<string, StackPresence> {
  return new Map(
    (baseline?.stacks ?? []).map(({ stackId, stackName, status }) => [
      stackId,
      { stackName, appeared: true, deleted: false, latest: status },
    ]),
  );
}

/**
 * The stacks that exist after `records` (applied on top of `baseline`), with their latest
 * statuses: the next baseline when history is folded.
 */
export function existingStacksAfter(
  records: readonly StatusRecord[] | { readonly asTheRulesTakeThem: readonly StatusRecord[] },
  baseline: Baseline | null,
): Baseline['stacks'] {
  const presence = initialPresence(baseline);
  // Presence follows each stack's own records in order; how stacks interleave does not matter.
  const ordered = 'asTheRulesTakeThem' in records ? records.asTheRulesTakeThem : canonicalRecords(records);
  for (const record of ordered) presence.set(record.stackId, afterStatus(presence.get(record.stackId), record));
  return existingOf(presence);
}

function existingOf(presence: ReadonlyMap<string, StackPresence>): Baseline['stacks'] {
  return [...presence]
    .filter(([, stack]) => exists(stack))
    .map(([stackId, stack]) => ({ stackId, stackName: stack.stackName, status: stack.latest }))
    .sort((a, b) => (a.stackId < b.stackId ? -1 : 1));
}

type WalkState =
  | { readonly kind: 'closed' }
  | {
      readonly kind: 'open';
      readonly start: Instant;
      readonly stacks: readonly string[];
      /** Set while no stack of the service exists: the last DELETE_COMPLETE. */
      readonly waitingSince: Instant | null;
    };

interface SeverityAt {
  readonly start: Instant;
  readonly severity: OperationSeverity;
}

function groupByTime(records: readonly StatusRecord[]): StatusRecord[][] {
  const groups: StatusRecord[][] = [];
  for (const record of records) {
    const last = groups.at(-1);
    if (last?.[0]?.time === record.time) last.push(record);
    else groups.push([record]);
  }
  return groups;
}

interface Walk {
  readonly windows: ImpactWindow[];
  /** Event times after which no window was open and no operation running. */
  readonly settledAt: Instant[];
  /** The walk's state at the time it was asked for (`checkpointAt`), `null` when not asked. */
  readonly checkpoint: Baseline | null;
}

const peakOf = (
  severities: readonly SeverityAt[],
  from: Instant,
  to: Instant | null,
  inherited: OperationSeverity | null,
): OperationSeverity | null =>
  severities
    .filter(({ start }) => start >= from && (to === null || start <= to))
    .reduce<OperationSeverity | null>((peak, { severity }) => maxSeverity(peak, severity), inherited);

/**
 * One stack's records as the rules take them (`stackRecordsForRules`) and its operations folded
 * from them: what operation-view.ts derives once per stack state.
 */
export interface StackRecords {
  readonly records: readonly StatusRecord[];
  readonly operations: readonly Operation[];
}

/**
 * What a walk takes: a service's records in any order, or already per stack as the rules take
 * them (a sweep has them derived once per stack state; walking every minute, it need not again).
 */
export type WalkInput = readonly StatusRecord[] | { readonly byStack: readonly StackRecords[] };

function byStackOf(input: WalkInput): readonly StackRecords[] {
  if ('byStack' in input) return input.byStack;
  return [...groupBy(input, (record) => record.stackId).values()].map((stackRecords) => {
    const records = stackRecordsForRules(stackRecords);
    return { records, operations: foldOperations(records) };
  });
}

const stackIdOf = (stack: StackRecords): string => stack.records[0]?.stackId ?? '';

/**
 * The stacks' records merged by time as canonicalRecords merges them (a second's records grouped
 * by stack, in stack id order), up to `now`; and their operations as folded from those.
 */
function recordsUpTo(input: WalkInput, now: Instant): { records: StatusRecord[]; operations: Operation[] } {
  const stacks = [...byStackOf(input)].sort((a, b) =>
    stackIdOf(a) < stackIdOf(b) ? -1 : stackIdOf(a) > stackIdOf(b) ? 1 : 0,
  );
  const records: StatusRecord[] = [];
  const operations: Operation[] = [];
  for (const stack of stacks) {
    const seen = stack.records.every((record) => record.time <= now)
      ? stack.records
      : stack.records.filter((record) => record.time <= now);
    records.push(...seen);
    operations.push(...(seen === stack.records ? stack.operations : foldOperations(seen)));
  }
  // A stable sort by time keeps each stack's order and the stack id order within a second.
  return { records: records.sort((a, b) => a.time - b.time), operations };
}

function walkService(
  input: WalkInput,
  now: Instant,
  rules: WindowRules,
  baseline: Baseline | null,
  checkpointAt?: Instant,
): Walk {
  const { records: canonical, operations } = recordsUpTo(input, now);
  // The operations come from every record given (those before the baseline too: an operation
  // that began before a checkpoint is still one), the walk from those after it.
  const severities: SeverityAt[] = operations.flatMap((operation: Operation) => {
    const severity = operationSeverity(operation, now, rules.thresholds);
    return severity ? [{ start: operation.start, severity }] : [];
  });
  const asOf = baseline?.asOf ?? Number.NEGATIVE_INFINITY;
  const opensAt = new Set(severities.filter(({ start }) => start > asOf).map(({ start }) => start));

  const presence = initialPresence(baseline);
  const windows: Omit<ImpactWindow, 'peakSeverity'>[] = [];
  const settledAt: Instant[] = [];
  const inherited = baseline?.open ?? null;
  let state: WalkState = inherited
    ? { kind: 'open', start: inherited.start, stacks: inherited.stacks, waitingSince: inherited.waitingSince }
    : { kind: 'closed' };
  let lastDeleteComplete: Instant | null = baseline?.lastDeleteComplete ?? null;
  let checkpoint: Baseline | null = null;

  const closeIfGraceRanOut = (at: Instant): void => {
    if (state.kind === 'open' && state.waitingSince !== null && at >= state.waitingSince + rules.graceMs) {
      // The rules never open a window on a service with no stack left (DELETE_COMPLETE is final),
      // so the last deletion is never before the start; were it ever, the window still must not
      // end before it starts (its events could not be announced).
      windows.push({
        start: state.start,
        end: Math.max(state.start, state.waitingSince),
        stacks: state.stacks,
        awaitingReplacementSince: null,
      });
      state = { kind: 'closed' };
    }
  };
  const takeCheckpoint = (at: Instant): void => {
    const open = state.kind === 'open' ? state : null;
    checkpoint = {
      asOf: at,
      stacks: existingOf(presence),
      open: open && {
        start: open.start,
        stacks: open.stacks,
        waitingSince: open.waitingSince,
        peak: peakOf(severities, open.start, at, inherited?.start === open.start ? inherited.peak : null),
      },
      lastDeleteComplete,
    };
  };

  for (const group of groupByTime(canonical.filter((record) => record.time > asOf))) {
    const time = group[0]?.time as Instant;
    if (checkpointAt !== undefined && checkpoint === null && time > checkpointAt) takeCheckpoint(checkpointAt);
    closeIfGraceRanOut(time);
    const involved: string[] = [];
    for (const record of group) {
      const before = presence.get(record.stackId);
      const after = afterStatus(before, record);
      presence.set(record.stackId, after);
      const existed = before !== undefined && exists(before);
      if (existed || exists(after)) involved.push(record.stackName);
      // A change set deleted before it ran never made the stack exist: it leaves nothing to replace.
      if (record.status === DELETE_COMPLETE && existed) lastDeleteComplete = time;
    }
    const all = [...presence.values()];
    const inProgress = all.some(
      (stack) => exists(stack) && statusRule(stack.latest ?? '')?.statusClass === StatusClass.IN_PROGRESS,
    );
    if (state.kind === 'closed' && opensAt.has(time)) {
      state = { kind: 'open', start: time, stacks: [], waitingSince: null };
    }
    if (state.kind === 'closed') {
      if (!inProgress) settledAt.push(time);
      continue;
    }

    const known: readonly string[] = state.stacks;
    const stacks = [...known, ...involved.filter((name, i) => !known.includes(name) && involved.indexOf(name) === i)];
    const healthy = all.some((stack) => exists(stack) && statusRule(stack.latest ?? '')?.healthy === true);
    if (!inProgress && healthy) {
      windows.push({ start: state.start, end: time, stacks, awaitingReplacementSince: null });
      state = { kind: 'closed' };
      settledAt.push(time);
    } else {
      const waitingSince = all.some(exists) ? null : lastDeleteComplete;
      state = { kind: 'open', start: state.start, stacks, waitingSince };
    }
  }
  if (checkpointAt !== undefined && checkpoint === null) takeCheckpoint(checkpointAt);
  closeIfGraceRanOut(now);
  if (state.kind === 'open') {
    windows.push({ start: state.start, end: null, stacks: state.stacks, awaitingReplacementSince: state.waitingSince });
  }

  return {
    settledAt,
    checkpoint,
    windows: windows.map((window) => ({
      ...window,
      // A window that goes on from the baseline's open one keeps what that one had reached.
      peakSeverity: peakOf(
        severities,
        window.start,
        window.end,
        inherited?.start === window.start ? inherited.peak : null,
      ) as OperationSeverity,
    })),
  };
}

/**
 * Derives a service's impact windows as of `now` from the status events of all its stacks
 * (applied on top of `baseline`, when older history was folded away).
 *
 * @example
 * deriveWindows(serviceRecords, Date.parse('2021-09-21T21:00:00Z'), { thresholds, graceMs: 3_600_000 });
 * // [{ start: 19:09, end: 20:07, peakSeverity: 'FAILED', stacks: ['trustsource-core-prod', …] }]
 */
export function deriveWindows(
  records: WalkInput,
  now: Instant,
  rules: WindowRules,
  baseline: Baseline | null = null,
): ImpactWindow[] {
  return walkService(records, now, rules, baseline).windows;
}

/** The event times after which the service was settled: no window open, no operation running. */
export function settledTimes(
  records: WalkInput,
  now: Instant,
  rules: WindowRules,
  baseline: Baseline | null = null,
): Instant[] {
  return walkService(records, now, rules, baseline).settledAt;
}

/**
 * The state of the walk over a service's events at `at` (the stacks that existed then, the window
 * open then), as seen at `now`: a walk that starts from it with the events after `at` gives the
 * windows a walk over all of them gives. Operations that run at `at` outside an open window must
 * still be among the events given to that walk (their severity may yet come; the window opens back
 * at their start).
 *
 * @example
 * const checkpoint = walkCheckpoint(records, now, rules, baseline, now - 120_000);
 * deriveWindows(newerRecords, later, rules, checkpoint); // the same as over all records
 */
export function walkCheckpoint(
  records: WalkInput,
  now: Instant,
  rules: WindowRules,
  baseline: Baseline | null,
  at: Instant,
): Baseline {
  return walkService(records, now, rules, baseline, Math.max(at, baseline?.asOf ?? at)).checkpoint as Baseline;
}
