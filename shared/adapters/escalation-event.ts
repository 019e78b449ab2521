/**
 * A page as data, for programs rather than people (issue 17): `Deployment Escalated` for WARNING,
 * CRITICAL (and its reminders) and FAILED, `Deployment Resolved` for RESOLVED, with a versioned
 * `detail` (docs/escalation-event.schema.json) that a PagerDuty, Opsgenie or Incident Manager
 * integration maps without parsing prose. `dedupKey` names the operation, so an escalation and its
 * resolution share it (PagerDuty's `dedup_key`, Incident Manager's dedupe string).
 */
import { createHash } from 'node:crypto';
import type { Notification } from '../domain/notification.ts';
import { Severity } from '../domain/severity.ts';
import { formatInstant } from '../domain/time.ts';
import { consoleLink } from './sns-message.ts';
import { explainThreshold } from '../domain/adaptive.ts';

export const EscalationDetailType = {
  ESCALATED: 'Deployment Escalated',
  RESOLVED: 'Deployment Resolved',
} as const;
export type EscalationDetailType = (typeof EscalationDetailType)[keyof typeof EscalationDetailType];

/** The `detail`'s version: a consumer checks it; a field removed or changed in meaning bumps it. */
export const ESCALATION_SCHEMA_VERSION = '1';

/**
 * At most this many resources in progress in one event: a stack of 150 nested stacks must not push
 * the SNS message (256 KB, with the other subscribers' renderings) or an EventBridge entry (256 KB)
 * over its limit; `resourcesInProgressTotal` says how many there were.
 */
export const MAX_RESOURCES_IN_EVENT = 25;

export interface EscalationResource {
  readonly logicalResourceId: string;
  readonly physicalResourceId: string;
  readonly resourceType: string;
  readonly status: string;
  readonly statusReason: string;
  readonly since: string;
  readonly inNestedStack: string | null;
}

export interface EscalationDetail {
  readonly schemaVersion: typeof ESCALATION_SCHEMA_VERSION;
  readonly severity: Severity;
  /** 0, or for a CRITICAL's reminder its number (RepeatCriticalEvery). */
  readonly reminder: number;
  /** The same for every event of one operation: its escalations and its resolution. */
  readonly dedupKey: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly account: string;
  readonly region: string;
  readonly service: string;
  readonly operation: string;
  readonly status: string;
  readonly statusReason: string;
  readonly statusAt: string;
  readonly startedAt: string;
  readonly sentAt: string;
  readonly elapsedSeconds: number;
  readonly resourcesInProgress: readonly EscalationResource[];
  readonly resourcesInProgressTotal: number;
  readonly likelyCauses: readonly {
    readonly cause: string;
    readonly resource: string | null;
    readonly typically: string;
    readonly nextSteps: readonly string[];
    readonly source: string;
  }[];
  readonly blockedBy: {
    readonly stackId: string;
    readonly stackName: string;
    readonly since: string | null;
    readonly heldResource: string | null;
  } | null;
  readonly consoleUrl: string;
  /** Set when an adaptive threshold set the escalation off (adaptive.ts); `null`: the fixed ones. */
  readonly threshold: {
    readonly rule: 'adaptive';
    readonly p95Seconds: number;
    readonly operations: number;
    readonly explanation: string;
  } | null;
}

export interface EscalationEvent {
  readonly source: 'cfn-watchdog';
  readonly detailType: EscalationDetailType;
  readonly detail: EscalationDetail;
}

/**
 * The key one operation's events share: its stack, the start that names its incident
 * (`incidentStart`: a late event that moves the start earlier does not change it, and a resumed
 * rollback's resolution closes the FAILED update's) and its type, hashed to a fixed length (a
 * stack ARN alone runs to 200 characters; PagerDuty's `dedup_key` takes 255). The type, because
 * two operations of one stack can start in the same second (a create that failed at once, then
 * its deletion): each must open and resolve its own incident.
 *
 * @example
 * dedupKeyOf({ stackId, incidentStart, operation: 'DELETE' }); // 'cfn-watchdog-3f2a…' (40 hex digits)
 */
export function dedupKeyOf({
  stackId,
  incidentStart,
  operation,
}: Pick<Notification, 'stackId' | 'incidentStart' | 'operation'>): string {
  const digest = createHash('sha256')
    .update(`${stackId}\n${formatInstant(incidentStart)}\n${operation}`)
    .digest('hex');
  return `cfn-watchdog-${digest.slice(0, 40)}`;
}

/**
 * The event a notification becomes on the bus (and in SNS's `sqs` and `lambda` messages).
 *
 * @example
 * const { detailType, detail } = escalationEventOf(notification); // 'Deployment Escalated', { severity: 'WARNING', … }
 */
export function escalationEventOf(notification: Notification): EscalationEvent {
  const resources = notification.resourcesInProgress;
  return {
    source: 'cfn-watchdog',
    detailType:
      notification.severity === Severity.RESOLVED ? EscalationDetailType.RESOLVED : EscalationDetailType.ESCALATED,
    detail: {
      schemaVersion: ESCALATION_SCHEMA_VERSION,
      severity: notification.severity,
      reminder: notification.reminder,
      dedupKey: dedupKeyOf(notification),
      stackName: notification.stackName,
      stackId: notification.stackId,
      account: notification.account,
      region: notification.region,
      service: notification.service,
      operation: notification.operation,
      status: notification.status,
      statusReason: notification.statusReason,
      statusAt: formatInstant(notification.statusAt),
      startedAt: formatInstant(notification.startedAt),
      sentAt: formatInstant(notification.at),
      elapsedSeconds: Math.floor(notification.elapsedMs / 1000),
      resourcesInProgress: resources.slice(0, MAX_RESOURCES_IN_EVENT).map((resource) => ({
        logicalResourceId: resource.logicalResourceId,
        physicalResourceId: resource.physicalResourceId,
        resourceType: resource.resourceType,
        status: resource.status,
        statusReason: resource.statusReason,
        since: formatInstant(resource.since),
        inNestedStack: resource.inNestedStack ?? null,
      })),
      resourcesInProgressTotal: resources.length,
      likelyCauses: notification.diagnosis.map(({ cause, resource, typically, nextSteps, source }) => ({
        cause,
        resource,
        typically,
        nextSteps,
        source,
      })),
      blockedBy:
        notification.blockedBy === null
          ? null
          : {
              stackId: notification.blockedBy.stackId,
              stackName: notification.blockedBy.stackName,
              since: notification.blockedBy.since === null ? null : formatInstant(notification.blockedBy.since),
              heldResource: notification.blockedBy.heldResource,
            },
      consoleUrl: consoleLink(notification),
      threshold: thresholdOf(notification),
    },
  };
}

/**
 * Which adaptive threshold set an escalation off, as data (the bus event's `detail.threshold`,
 * replay's `notifications[].threshold`); `null` under the fixed thresholds.
 *
 * @example
 * thresholdOf(warning)?.explanation; // "2.0× this stack's usual 4 min (p95 of 6 updates)"
 */
export function thresholdOf(notification: Notification): EscalationDetail['threshold'] {
  const rule = notification.threshold;
  if (rule?.kind !== 'adaptive') return null;
  return {
    rule: 'adaptive',
    p95Seconds: Math.round(rule.p95Ms / 1000),
    operations: rule.operations,
    explanation: explainThreshold(rule, notification.elapsedMs, notification.operation) ?? '',
  };
}

/**
 * The event as a program subscriber of the SNS topic reads it (the `sqs` and `lambda` messages):
 * EventBridge's field names, so that one handler takes it from either.
 *
 * @example
 * JSON.parse(programMessageOf(n))['detail-type']; // 'Deployment Escalated'
 */
export function programMessageOf(notification: Notification): string {
  const { source, detailType, detail } = escalationEventOf(notification);
  return JSON.stringify({ source, 'detail-type': detailType, detail });
}
