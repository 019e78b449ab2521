import type { StackRef } from './events.ts';
import type { ResourceInProgress } from './resources.ts';
import type { DueNotification } from './service-state.ts';
import type { ServiceKey } from './service.ts';
import type { Severity } from './severity.ts';
import type { OperationType } from './status.ts';
import type { Instant } from './time.ts';

/** What a notification says (DESIGN.md, "Escalation"); adapters render it for SNS, JSON or tables. */
export interface Notification extends StackRef {
  readonly at: Instant;
  readonly severity: Severity;
  readonly service: string;
  readonly operation: OperationType;
  readonly status: string;
  readonly statusReason: string;
  /** When the stack entered `status`: for FAILED and RESOLVED, the terminal event they report. */
  readonly statusAt: Instant;
  readonly startedAt: Instant;
  readonly elapsedMs: number;
  readonly resourcesInProgress: readonly ResourceInProgress[];
}

/**
 * The notification for a due claim, sent at `at`.
 *
 * @example
 * buildNotification(due, view.key, sweepMinute, resourcesInProgress(history, due.view.operation.start));
 */
export function buildNotification(
  due: DueNotification,
  key: ServiceKey,
  at: Instant,
  resources: readonly ResourceInProgress[] = [],
): Notification {
  const { operation } = due.view;
  return {
    at,
    severity: due.severity,
    stackId: operation.stackId,
    stackName: operation.stackName,
    account: key.account,
    region: key.region,
    service: key.service,
    operation: operation.type,
    status: due.status.status,
    statusReason: due.status.statusReason,
    statusAt: due.status.time,
    startedAt: operation.start,
    elapsedMs: Math.max(0, at - operation.start),
    resourcesInProgress: resources,
  };
}
