/**
 * Operations (DESIGN.md, "Operations"): one run of CloudFormation on one stack, derived from the
 * stack's status events. The derivation sorts before it folds, so the result depends only on the
 * set of events, never on the order or number of deliveries.
 */
import type { StackRef } from './events.ts';
import { isTerminal, sameTimeRank, statusRule, StatusClass, type OperationType, type StackStatus } from './status.ts';
import type { Instant } from './time.ts';

/** One stack status event as the rules keep it. */
export interface StatusRecord {
  readonly stackId: string;
  readonly stackName: string;
  readonly time: Instant;
  readonly status: string;
  readonly statusReason: string;
  /** Made up from DescribeStacks when the event itself was lost; the real event replaces it. */
  readonly synthetic?: true;
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

function begin(stack: Pick<StackRef, 'stackId' | 'stackName'>, type: OperationType, start: Instant): RunningOperation {
  return { state: 'running', stackId: stack.stackId, stackName: stack.stackName, type, start, phases: [] };
}

function proceed(operation: RunningOperation, phase: Phase): RunningOperation {
  return { ...operation, phases: [...operation.phases, phase] };
}

function finish(operation: RunningOperation, phase: Phase, failed: boolean): EndedOperation {
  return { ...operation, state: 'ended', phases: [...operation.phases, phase], end: phase.time, finalStatus: phase.status, failed };
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
export function statusRecordOf(event: Pick<StatusRecord, 'stackId' | 'stackName' | 'time' | 'status' | 'statusReason'>): StatusRecord {
  const reason = event.statusReason;
  return {
    stackId: event.stackId,
    stackName: event.stackName,
    time: event.time,
    status: event.status,
    statusReason: reason.length > MAX_KEPT_REASON ? `${reason.slice(0, MAX_KEPT_REASON - 1)}…` : reason,
  };
}

/** Same stack, time and status: one event, however often delivered. */
export function statusRecordKey(record: Pick<StatusRecord, 'stackId' | 'time' | 'status'>): string {
  return `${record.stackId}|${record.time}|${record.status}`;
}

/**
 * Canonical order: time, then the same-time rank of DESIGN.md, then status and stack id so that
 * equal times never depend on delivery order.
 */
export function compareStatusRecords(a: StatusRecord, b: StatusRecord): number {
  return (
    a.time - b.time ||
    sameTimeRank(a.status) - sameTimeRank(b.status) ||
    (a.status < b.status ? -1 : a.status > b.status ? 1 : 0) ||
    (a.stackId < b.stackId ? -1 : a.stackId > b.stackId ? 1 : 0)
  );
}

/**
 * Of two deliveries of one event, the one to keep: a reason beats none, then the smaller text,
 * so that the choice does not depend on which came first.
 */
export function preferredRecord(a: StatusRecord, b: StatusRecord): StatusRecord {
  if (Boolean(a.synthetic) !== Boolean(b.synthetic)) return a.synthetic ? b : a;
  if ((a.statusReason === '') !== (b.statusReason === '')) return a.statusReason === '' ? b : a;
  return a.statusReason <= b.statusReason ? a : b;
}

/**
 * Deduplicates and sorts status records into the canonical order.
 *
 * @example
 * canonicalRecords([completed, started, started]); // [started, completed]
 */
export function canonicalRecords(records: readonly StatusRecord[]): StatusRecord[] {
  const byKey = new Map<string, StatusRecord>();
  for (const record of records) {
    const key = statusRecordKey(record);
    const kept = byKey.get(key);
    byKey.set(key, kept ? preferredRecord(kept, record) : record);
  }
  return [...byKey.values()].sort(compareStatusRecords);
}

/**
 * Folds one stack's status records (in any order, with duplicates) into its operations.
 *
 * @example
 * deriveOperations([deleteInProgress, deleteComplete]);
 * // [{ state: 'ended', type: 'DELETE', start: …, end: …, finalStatus: 'DELETE_COMPLETE' }]
 */
export function deriveOperations(records: readonly StatusRecord[]): Operation[] {
  const operations: Operation[] = [];
  for (const record of canonicalRecords(records)) {
    const rule = statusRule(record.status);
    if (!rule?.operation) continue; // unknown statuses and a change set under review time nothing
    const phase: Phase = { status: record.status as StackStatus, time: record.time, statusReason: record.statusReason };
    const last = operations.at(-1);
    const running = last?.state === 'running' ? last : undefined;
    const continues = running !== undefined && !rule.beginsOperation && running.type === rule.operation;
    if (continues) operations.pop();
    else if (running) operations[operations.length - 1] = abandon(running, record.time);
    const current = continues ? running : begin(record, rule.operation, record.time);
    operations.push(isTerminal(record.status) ? finish(current, phase, rule.statusClass === StatusClass.FAILURE) : proceed(current, phase));
  }
  return operations;
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
