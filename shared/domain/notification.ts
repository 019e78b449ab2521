import type { ThresholdRule } from './adaptive.ts';
import type { StackRef } from './events.ts';
import { blockingDeletion, type BlockingDeletion } from './blocking.ts';
import { diagnose, type Diagnosis } from './known-causes.ts';
import type { Operation } from './operations.ts';
import type { ResourceInProgress } from './resources.ts';
import type { DueNotification } from './due.ts';
import type { ServiceKey } from './service.ts';
import { Severity } from './severity.ts';
import type { OperationType } from './status.ts';
import type { Instant } from './time.ts';

/** What a notification says (DESIGN.md, "Escalation"); adapters render it for SNS, JSON or tables. */
export interface Notification extends StackRef {
  readonly at: Instant;
  readonly severity: Severity;
  /** For a CRITICAL: 0 for the CRITICAL itself, n for its n-th reminder (RepeatCriticalEvery). */
  readonly reminder: number;
  readonly service: string;
  readonly operation: OperationType;
  readonly status: string;
  readonly statusReason: string;
  /** When the stack entered `status`: for FAILED and RESOLVED, the terminal event they report. */
  readonly statusAt: Instant;
  readonly startedAt: Instant;
  /**
   * What names the operation's incident on every one of its notifications (the dedupKey, the chat
   * thread): its start as its first claim named it (a late event can move `startedAt` earlier
   * since), or for a resumed rollback the start of the update whose FAILED it resolves.
   */
  readonly incidentStart: Instant;
  readonly elapsedMs: number;
  readonly resourcesInProgress: readonly ResourceInProgress[];
  /** Known causes that apply (known-causes.ts): what it likely is, how long it takes, what to do. */
  readonly diagnosis: readonly Diagnosis[];
  /** For a FAILED deployment: the deletion of the same service that most likely blocked it. */
  readonly blockedBy: BlockingDeletion | null;
  /** For a WARNING or CRITICAL that an adaptive threshold set off (adaptive.ts): which one. */
  readonly threshold?: ThresholdRule | undefined;
}

/** What the alert is built from besides the claim: read from the stack's timeline and the service's state. */
export interface NotificationEvidence {
  /** For WARNING and CRITICAL: the operation's resources still in progress. */
  readonly resources?: readonly ResourceInProgress[];
  /** For FAILED: the status reasons of the resources that failed in the operation. */
  readonly failureReasons?: readonly string[];
  /** The operations of every stack of the service, to find a deletion that blocked a deployment. */
  readonly serviceOperations?: readonly Operation[];
}

/**
 * The notification for a due claim, sent at `at`, with what the evidence tells about its cause.
 *
 * @example
 * buildNotification(due, view.key, sweepMinute, { resources: resourcesInProgress(history, due.view.operation.start) });
 */
export function buildNotification(
  due: DueNotification,
  key: ServiceKey,
  at: Instant,
  evidence: NotificationEvidence = {},
): Notification {
  const { operation } = due.view;
  const resources = evidence.resources ?? [];
  const explained = due.severity !== Severity.RESOLVED;
  return {
    at,
    severity: due.severity,
    reminder: due.repeat ?? 0,
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
    incidentStart: incidentStartOf(due),
    elapsedMs: Math.max(0, at - operation.start),
    resourcesInProgress: resources,
    diagnosis: explained
      ? diagnose({
          stackName: operation.stackName,
          region: key.region,
          stackStatus: due.status.status,
          stackStatusReason: due.status.statusReason,
          resources,
        })
      : [],
    blockedBy:
      due.severity === Severity.FAILED
        ? blockingDeletion(operation, evidence.serviceOperations ?? [], evidence.failureReasons ?? [])
        : null,
    ...((due.severity === Severity.WARNING || due.severity === Severity.CRITICAL) &&
    due.view.threshold.rule.kind === 'adaptive'
      ? { threshold: due.view.threshold.rule }
      : {}),
  };
}

/**
 * The start that names an operation's incident: a start only moves earlier (late events), so the
 * latest anchor among its claims is the one its first notification named; none yet: its start.
 */
function incidentStartOf({ view }: DueNotification): Instant {
  const { operation } = view;
  if (operation.continuesFrom !== undefined) return operation.continuesFrom;
  return view.claims.reduce((latest, claim) => Math.max(latest, claim.anchor), operation.start);
}
