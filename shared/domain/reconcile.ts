import type { StatusRecord } from './operations.ts';
import type { OperationView } from './service-state.ts';
import { DELETE_COMPLETE, statusRule, StatusClass } from './status.ts';
import type { Instant } from './time.ts';

/** What CloudFormation says of a stack now (DescribeStacks), as the rules need it. */
export type StackNow =
  | { readonly exists: false }
  | { readonly exists: true; readonly status: string; readonly statusReason: string; readonly lastUpdatedAt: Instant | null };

export type Reconciliation =
  | { readonly kind: 'confirmed' }
  /** The events missed something: apply this record instead of paging. */
  | { readonly kind: 'moved-on'; readonly record: StatusRecord };

/**
 * Compares a running operation with what CloudFormation says before anyone is paged (a lost
 * completion event must not page). A stack that no longer exists counts as DELETE_COMPLETE at
 * the time it was last seen; a stack that moved on gets its current status, dated no earlier
 * than what the events already showed.
 *
 * @example
 * reconcile(opView, { exists: false }); // { kind: 'moved-on', record: { status: 'DELETE_COMPLETE', … } }
 */
export function reconcile(opView: OperationView, now: StackNow): Reconciliation {
  const { operation, latest } = opView;
  const base = { stackId: operation.stackId, stackName: operation.stackName };
  if (!now.exists) {
    return { kind: 'moved-on', record: { ...base, time: latest.time, status: DELETE_COMPLETE, statusReason: '' } };
  }
  const rule = statusRule(now.status);
  const stillRunning = rule?.statusClass === StatusClass.IN_PROGRESS && rule.operation === operation.type && !(rule.beginsOperation && now.status !== operation.phases[0]?.status);
  if (now.status === latest.status || stillRunning || rule === undefined) return { kind: 'confirmed' };
  const time = Math.max(latest.time, now.lastUpdatedAt ?? latest.time);
  return { kind: 'moved-on', record: { ...base, time, status: now.status, statusReason: now.statusReason } };
}
