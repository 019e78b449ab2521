import { parseStackArn, type StackStatusEvent } from './events.ts';
import type { StatusRecord } from './operations.ts';
import type { OperationView } from './operation-view.ts';
import { DELETE_COMPLETE, statusRule, StatusClass } from './status.ts';
import { formatInstant, type Instant } from './time.ts';

/** What CloudFormation says of a stack now (DescribeStacks), as the rules need it. */
export type StackDescription =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly status: string;
      readonly statusReason: string;
      readonly lastUpdatedAt: Instant | null;
      /** When the stack entered `status` (its stack event), where CloudFormation could tell. */
      readonly statusSince?: Instant | null;
    };

export type Reconciliation =
  | { readonly kind: 'confirmed' }
  /** The events missed something: apply this (synthetic) record instead of paging. */
  | { readonly kind: 'moved-on'; readonly record: StatusRecord };

/**
 * Compares a running operation with what CloudFormation says before anyone is paged (a lost
 * completion event must not page). A stack that no longer exists counts as DELETE_COMPLETE at the
 * time it was last seen: the later of its latest event and the last DescribeStacks answer that
 * still showed it (`opView.lastSeenAt`), never earlier, so that a deletion that hung 45 minutes
 * and whose DELETE_COMPLETE was lost keeps its 45 minutes, its severity and its window. A stack
 * that finished is closed with its status at the time of its stack event when CloudFormation
 * still has it (DescribeStackEvents), else as of `now`, when the watchdog learned of it; a stack
 * that began another operation (a later LastUpdatedTime) gets that operation's start. The records
 * are marked synthetic, with the real event they were made after: real events that come later
 * take their place.
 *
 * @example
 * reconcile(opView, { exists: false }, now); // { kind: 'moved-on', record: { status: 'DELETE_COMPLETE', time:
 * lastSeenAt, … } }
 */
export function reconcile(opView: OperationView, described: StackDescription, now: Instant): Reconciliation {
  const { operation, latest } = opView;
  // A made-up record stands on the real event it was made after: so does one made after it.
  const basis = latest.synthetic ? latest.synthetic.basis : { time: latest.time, status: latest.status };
  const base = { stackId: operation.stackId, stackName: operation.stackName, synthetic: { basis, askedAt: now } };
  if (!described.exists) {
    const lastSeen = Math.max(latest.time, opView.lastSeenAt ?? latest.time);
    return { kind: 'moved-on', record: { ...base, time: lastSeen, status: DELETE_COMPLETE, statusReason: '' } };
  }
  const rule = statusRule(described.status);
  // Unknown statuses and a change set under review say nothing about this operation: keep paging.
  if (!rule?.operation) return { kind: 'confirmed' };
  const moved = (time: Instant): Reconciliation => ({
    kind: 'moved-on',
    record: { ...base, time, status: described.status, statusReason: described.statusReason },
  });
  if (rule.statusClass === StatusClass.IN_PROGRESS && rule.operation === operation.type) {
    const restarted = rule.beginsOperation && described.lastUpdatedAt !== null && described.lastUpdatedAt > latest.time;
    return restarted ? moved(described.lastUpdatedAt as Instant) : { kind: 'confirmed' };
  }
  return moved(Math.max(latest.time, described.statusSince ?? now));
}

/**
 * The timeline entry of a status made up from DescribeStacks: a stack status event marked
 * synthetic, with an id that says so.
 *
 * @example
 * reconciledEvent(record).eventId; // 'reconciled:2021-09-21T19:56:00Z:DELETE_COMPLETE'
 */
export function reconciledEvent(record: StatusRecord): StackStatusEvent {
  const stack = parseStackArn(record.stackId);
  return {
    kind: 'stack-status',
    eventId: `reconciled:${formatInstant(record.time)}:${record.status}`,
    stackId: record.stackId,
    stackName: record.stackName,
    account: stack?.account ?? '',
    region: stack?.region ?? '',
    time: record.time,
    status: record.status,
    statusReason: record.statusReason,
    synthetic: record.synthetic ?? { basis: null, askedAt: record.time },
  };
}
