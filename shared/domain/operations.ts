/**
 * Operations (DESIGN.md, "Operations"): one run of CloudFormation on one stack, derived from the
 * stack's status events. The derivation sorts before it folds, so the result depends only on the
 * set of events, never on the order or number of deliveries.
 */
import { groupBy } from './collections.ts';
import type { StackRef } from './events.ts';
import {
  DELETE_COMPLETE,
  isTerminal,
  sameSecondRank,
  statusRule,
  StatusClass,
  UPDATE_ROLLBACK_COMPLETE,
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS,
  UPDATE_ROLLBACK_FAILED,
  UPDATE_ROLLBACK_IN_PROGRESS,
  type OperationType,
  type StackStatus,
} from './status.ts';
import type { Instant } from './time.ts';

/** One stack status event as the rules keep it. */
export interface StatusRecord {
  readonly stackId: string;
  readonly stackName: string;
  readonly time: Instant;
  readonly status: string;
  readonly statusReason: string;
  /**
   * Set on a record made up from DescribeStacks because the event itself was lost (reconcile.ts):
   * provisional: the real event, should it arrive after all, takes its place.
   */
  readonly synthetic?: SyntheticOrigin | undefined;
}

/**
 * What a made-up record was made from: the stack's events as the watchdog knew them, and when
 * CloudFormation was asked. The real event it stood in for happened between the two.
 */
export interface SyntheticOrigin {
  /** The stack's latest real status event when CloudFormation was asked (`null`: it had none). */
  readonly basis: Pick<StatusRecord, 'time' | 'status'> | null;
  /** When CloudFormation was asked (the sweep): the real event was dated no later. */
  readonly askedAt: Instant;
}

export interface Phase {
  readonly status: StackStatus;
  readonly time: Instant;
  readonly statusReason: string;
}

interface OperationBase extends Pick<StackRef, 'stackId' | 'stackName'> {
  readonly type: OperationType;
  readonly start: Instant;
  readonly phases: readonly Phase[];
  /**
   * A continue-update-rollback: the rollback resumed after UPDATE_ROLLBACK_FAILED. It succeeds at
   * UPDATE_ROLLBACK_COMPLETE (the stack is stable again), and says so even if never escalated.
   */
  readonly continuesRollback: boolean;
  /** For a continue-update-rollback: the start of the update whose rollback it resumes. */
  readonly continuesFrom?: Instant | undefined;
}

/** The stack's latest operation, no terminal status yet. */
export interface RunningOperation extends OperationBase {
  readonly state: 'running';
}

export interface EndedOperation extends OperationBase {
  readonly state: 'ended';
  readonly end: Instant;
  readonly finalStatus: StackStatus;
  readonly failed: boolean;
}

/** Its terminal event never arrived and a later operation began: never escalated, `end: null`. */
export interface AbandonedOperation extends OperationBase {
  readonly state: 'abandoned';
  readonly supersededAt: Instant;
}

export type Operation = RunningOperation | EndedOperation | AbandonedOperation;

function begin(
  stack: Pick<StackRef, 'stackId' | 'stackName'>,
  type: OperationType,
  start: Instant,
  continuesFrom: Instant | null,
): RunningOperation {
  return {
    state: 'running',
    stackId: stack.stackId,
    stackName: stack.stackName,
    type,
    start,
    phases: [],
    continuesRollback: continuesFrom !== null,
    ...(continuesFrom === null ? {} : { continuesFrom }),
  };
}

function proceed(operation: RunningOperation, phase: Phase): RunningOperation {
  return { ...operation, phases: [...operation.phases, phase] };
}

function finish(operation: RunningOperation, phase: Phase, failureStatus: boolean): EndedOperation {
  const failed = failureStatus && !(operation.continuesRollback && phase.status === UPDATE_ROLLBACK_COMPLETE);
  return {
    ...operation,
    state: 'ended',
    phases: [...operation.phases, phase],
    end: phase.time,
    finalStatus: phase.status,
    failed,
  };
}

function abandon(operation: RunningOperation, at: Instant): AbandonedOperation {
  return { ...operation, state: 'abandoned', supersededAt: at };
}

/**
 * Longest status reason a service's state keeps (its item must stay far below DynamoDB's
 * 400 KB); the stack's timeline keeps the whole text.
 */
export const MAX_KEPT_REASON = 300;

/**
 * A status event as the rules keep it, its reason shortened to {@link MAX_KEPT_REASON}.
 *
 * @example
 * statusRecordOf(event); // { stackId, stackName, time, status, statusReason }
 */
export function statusRecordOf(
  event: Pick<StatusRecord, 'stackId' | 'stackName' | 'time' | 'status' | 'statusReason' | 'synthetic'>,
): StatusRecord {
  const reason = event.statusReason;
  return {
    stackId: event.stackId,
    stackName: event.stackName,
    time: event.time,
    status: event.status,
    statusReason: reason.length > MAX_KEPT_REASON ? `${reason.slice(0, MAX_KEPT_REASON - 1)}…` : reason,
    ...(event.synthetic ? { synthetic: event.synthetic } : {}),
  };
}

/** Same stack, time and status: one event, however often delivered. */
export function statusRecordKey(record: Pick<StatusRecord, 'stackId' | 'time' | 'status'>): string {
  return `${record.stackId}|${record.time}|${record.status}`;
}

/**
 * Of two deliveries of one event, the one to keep: a real one beats one made up from
 * DescribeStacks, a reason beats none, then the smaller text, so that the choice does not
 * depend on which came first.
 */
export function preferredRecord(a: StatusRecord, b: StatusRecord): StatusRecord {
  if (Boolean(a.synthetic) !== Boolean(b.synthetic)) return a.synthetic ? b : a;
  if ((a.statusReason === '') !== (b.statusReason === '')) return a.statusReason === '' ? b : a;
  return a.statusReason <= b.statusReason ? a : b;
}

function deduplicated(records: Iterable<StatusRecord>): StatusRecord[] {
  const byKey = new Map<string, StatusRecord>();
  for (const record of records) {
    const key = statusRecordKey(record);
    const kept = byKey.get(key);
    byKey.set(key, kept ? preferredRecord(kept, record) : record);
  }
  return [...byKey.values()];
}

const byStatusName = (a: StatusRecord, b: StatusRecord): number =>
  a.status < b.status ? -1 : a.status > b.status ? 1 : 0;

/** The statuses a continue-update-rollback goes through. */
const RESUMED_ROLLBACK: ReadonlySet<string> = new Set([
  UPDATE_ROLLBACK_IN_PROGRESS,
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS,
  UPDATE_ROLLBACK_COMPLETE,
]);

const bySameSecondRank = (a: StatusRecord, b: StatusRecord): number =>
  sameSecondRank(a.status) - sameSecondRank(b.status) || byStatusName(a, b);

/**
 * The order of one stack's statuses of one second, given the type of the operation running
 * before it. When a status that begins an operation is among them, the terminal that ends the
 * running operation comes first (one only: should there be several, as DELETE_FAILED, a retry and
 * its DELETE_COMPLETE, the first in the order below, a failure), preceded by that operation's own
 * other in-progress statuses (a rollback and its end in the second the next deployment starts
 * belong to the operation they end, not to one of their own); the rest by `sameSecondRank`.
 */
function orderOfSecond(second: readonly StatusRecord[], running: OperationType | null): StatusRecord[] {
  const sorted = [...second].sort(bySameSecondRank);
  const begins = second.some((record) => statusRule(record.status)?.beginsOperation === true);
  if (!begins || running === null) return sorted;
  const ofRunning = (record: StatusRecord): boolean => statusRule(record.status)?.operation === running;
  const endings = sorted.filter((record) => ofRunning(record) && isTerminal(record.status));
  const continuing = sorted.filter(
    (record) => ofRunning(record) && !isTerminal(record.status) && statusRule(record.status)?.beginsOperation === false,
  );
  // The terminal the running operation's statuses of this second lead to, if one does (a
  // rollback ends in a rollback's end), else the first.
  const ending =
    endings.find((terminal) => continuing.some((phase) => leadsTo(phase.status, terminal.status))) ?? endings[0];
  if (!ending) return sorted;
  const leading = [...continuing.filter((phase) => leadsTo(phase.status, ending.status)), ending];
  return [...leading, ...sorted.filter((record) => !leading.includes(record))];
}

/** The terminal statuses an in-progress status that does not begin an operation is on its way to. */
const LEADS_TO: Readonly<Record<string, readonly string[]>> = {
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: ['UPDATE_COMPLETE'],
  UPDATE_ROLLBACK_IN_PROGRESS: ['UPDATE_ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED'],
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: ['UPDATE_ROLLBACK_COMPLETE'],
  ROLLBACK_IN_PROGRESS: ['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED'],
  IMPORT_ROLLBACK_IN_PROGRESS: ['IMPORT_ROLLBACK_COMPLETE', 'IMPORT_ROLLBACK_FAILED'],
};
const leadsTo = (phase: string, terminal: string): boolean => LEADS_TO[phase]?.includes(terminal) === true;

/** The type of the operation running after `record`, given the one running before it (as the fold below goes). */
function runningAfter(running: OperationType | null, record: StatusRecord): OperationType | null {
  const rule = statusRule(record.status);
  if (!rule?.operation) return running;
  return isTerminal(record.status) ? null : rule.operation;
}

/**
 * One stack's records (deduplicated) in the order DESIGN.md takes them: by time, each second as
 * {@link orderOfSecond} orders it. The order of a second depends on what ran before it, so it is
 * built second by second rather than by a comparator.
 */
function orderedStackRecords(records: readonly StatusRecord[]): StatusRecord[] {
  const byTime = [...records].sort((a, b) => a.time - b.time);
  const ordered: StatusRecord[] = [];
  let running: OperationType | null = null;
  for (let first = 0; first < byTime.length; ) {
    let next = first;
    while (byTime[next]?.time === byTime[first]?.time) next++;
    const second = byTime.slice(first, next);
    for (const record of orderOfSecond(second, running)) {
      ordered.push(record);
      running = runningAfter(running, record);
    }
    first = next;
  }
  return ordered;
}

/**
 * Whether the real event a made-up record stood in for has arrived: one of the same status, dated
 * after what it was made from and no later than when CloudFormation was asked. Other real events
 * do not replace it: those before it are history it does not contradict (a DELETE_FAILED and its
 * retry before the stack was found gone), those after it continue from it (the DELETE_COMPLETE of
 * a deletion whose start was lost, a later retry of the same status).
 */
function superseded(made: StatusRecord, synthetic: SyntheticOrigin, real: readonly StatusRecord[]): boolean {
  const { basis, askedAt } = synthetic;
  const at =
    basis === null ? -1 : real.findIndex((record) => record.time === basis.time && record.status === basis.status);
  // A stack is deleted once: its real DELETE_COMPLETE is the one, whenever it is dated.
  const inTime = (record: StatusRecord): boolean => record.time <= askedAt || record.status === DELETE_COMPLETE;
  return real.some(
    (record, index) =>
      record.status === made.status &&
      inTime(record) &&
      (basis === null || (at >= 0 ? index > at : record.time > basis.time)),
  );
}

/**
 * A stack found gone counts as deleted when last seen: the later of the sweeper's last sighting
 * and its latest event (DESIGN.md). Events that CloudFormation had emitted before it was asked,
 * and that arrive only later, count among its latest events: a DELETE_FAILED after the last
 * sighting means the deletion that succeeded came after it.
 */
function lastSeenAfter(made: StatusRecord, synthetic: SyntheticOrigin, real: readonly StatusRecord[]): StatusRecord {
  if (made.status !== DELETE_COMPLETE) return made;
  const { basis, askedAt } = synthetic;
  const later = real
    .filter((record) => record.time <= askedAt && (basis === null || record.time > basis.time))
    .map((record) => record.time);
  const latest = Math.max(made.time, ...later);
  return latest === made.time ? made : { ...made, time: latest };
}

/**
 * One stack's records as the rules take them, in canonical order: deduplicated; a record made up
 * from DescribeStacks only until the real event it stood in for arrives; and nothing
 * after the stack's real DELETE_COMPLETE, which is final (DESIGN.md: kept in the timeline,
 * ignored by the rules). A pure function of the set of records, so delivery order cannot matter.
 *
 * @example
 * stackRecordsForRules([deleteComplete, updateInProgressDatedLater, deleteInProgress]);
 * // [deleteInProgress, deleteComplete]
 */
export function stackRecordsForRules(records: readonly StatusRecord[]): StatusRecord[] {
  const unique = deduplicated(records);
  const real = orderedStackRecords(unique.filter((record) => !record.synthetic));
  const standing = unique.flatMap((record) =>
    record.synthetic !== undefined && !superseded(record, record.synthetic, real)
      ? [lastSeenAfter(record, record.synthetic, real)]
      : [],
  );
  const ordered = standing.length === 0 ? real : orderedStackRecords([...real, ...standing]);
  const final = ordered.findIndex((record) => !record.synthetic && record.status === DELETE_COMPLETE);
  return final < 0 ? ordered : ordered.slice(0, final + 1);
}

/**
 * The records of several stacks as the rules take them ({@link stackRecordsForRules} per stack),
 * merged by time; records of one second stay grouped by stack, in stack id order.
 *
 * @example
 * canonicalRecords([completed, started, started]); // [started, completed]
 */
export function canonicalRecords(records: readonly StatusRecord[]): StatusRecord[] {
  const stacks = [...groupBy(records, (record) => record.stackId)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // A stable sort by time keeps each stack's order and the stack id order within a second.
  return stacks.flatMap(([, stackRecords]) => stackRecordsForRules(stackRecords)).sort((a, b) => a.time - b.time);
}

/**
 * Folds one stack's status records (in any order, with duplicates) into its operations.
 *
 * @example
 * deriveOperations([deleteInProgress, deleteComplete]);
 * // [{ state: 'ended', type: 'DELETE', start: …, end: …, finalStatus: 'DELETE_COMPLETE' }]
 */
export function deriveOperations(records: readonly StatusRecord[]): Operation[] {
  return foldOperations(stackRecordsForRules(records));
}

/**
 * Folds one stack's records that are already as the rules take them ({@link stackRecordsForRules})
 * into its operations: for callers that hold them anyway, so as not to order them twice.
 *
 * @example
 * foldOperations(stackRecordsForRules(records)); // the same as deriveOperations(records)
 */
export function foldOperations(ordered: readonly StatusRecord[]): Operation[] {
  const operations: Operation[] = [];
  for (const record of ordered) {
    const rule = statusRule(record.status);
    if (!rule?.operation) continue; // unknown statuses and a change set under review time nothing
    const phase: Phase = { status: record.status as StackStatus, time: record.time, statusReason: record.statusReason };
    const last = operations.at(-1);
    const running = last?.state === 'running' ? last : undefined;
    const continues = running !== undefined && !rule.beginsOperation && running.type === rule.operation;
    if (continues) operations.pop();
    else if (running) operations[operations.length - 1] = abandon(running, record.time);
    // A rollback resumed after UPDATE_ROLLBACK_FAILED (continue-update-rollback) is one of its own,
    // also when its first status to arrive is a later one of the rollback (the start came late).
    const resumesRollback =
      last?.state === 'ended' && last.finalStatus === UPDATE_ROLLBACK_FAILED && RESUMED_ROLLBACK.has(record.status);
    const current = continues
      ? running
      : begin(record, rule.operation, record.time, resumesRollback && last ? last.start : null);
    operations.push(
      isTerminal(record.status)
        ? finish(current, phase, rule.statusClass === StatusClass.FAILURE)
        : proceed(current, phase),
    );
  }
  return operations;
}

/**
 * The order a service's state keeps its records in: by time, stack id and status (the rules reorder them as they need).
 */
export function storageOrder(a: StatusRecord, b: StatusRecord): number {
  return a.time - b.time || (a.stackId < b.stackId ? -1 : a.stackId > b.stackId ? 1 : 0) || byStatusName(a, b);
}

/** Operations in the order they are listed and notified: by start, then stack id. */
export function compareOperations(a: Operation, b: Operation): number {
  return a.start - b.start || (a.stackId < b.stackId ? -1 : a.stackId > b.stackId ? 1 : 0);
}

/** When the operation stopped counting time: its end, its successor's start, or not yet. */
export function operationStop(operation: Operation): Instant | null {
  if (operation.state === 'ended') return operation.end;
  if (operation.state === 'abandoned') return operation.supersededAt;
  return null;
}

/** Duration for severity: to the end, to the next operation's start, or to now while running. */
export function operationDuration(operation: Operation, now: Instant): number {
  return Math.max(0, (operationStop(operation) ?? now) - operation.start);
}
