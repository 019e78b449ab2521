/**
 * How a notification reads in e-mail and in the SNS message attributes subscribers filter on.
 */
import type { Notification } from '../domain/notification.ts';
import { Severity } from '../domain/severity.ts';
import { formatInstant, humanDuration } from '../domain/time.ts';
import { resourceLabel } from '../domain/resources.ts';
import { explainThreshold } from '../domain/adaptive.ts';

/** A status reason can be long (a stack's reason lists every failed resource): an alert keeps a readable part. */
export const MAX_REASON_LENGTH = 1000;

export const capped = (reason: string): string =>
  reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;

/** SNS takes subjects of *less than* 100 characters; e-mail clients cut them anyway. */
export const MAX_SUBJECT_LENGTH = 99;

const CONSOLE_HOST: Readonly<Record<string, string>> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

/**
 * The stack's events in the CloudFormation console of its own region and partition.
 *
 * @example
 * consoleLink(notification); //
 * 'https://eu-central-1.console.aws.amazon.com/cloudformation/home?region=eu-central-1#/stacks/events?stackId=arn%3A…'
 */
export function consoleLink({ stackId, region }: Pick<Notification, 'stackId' | 'region'>): string {
  const partition = stackId.split(':')[1] ?? 'aws';
  const host = CONSOLE_HOST[partition] ?? CONSOLE_HOST.aws;
  return (
    `https://${region}.${host}/cloudformation/home?region=${region}#/stacks/events?stackId=` +
    `${encodeURIComponent(stackId)}`
  );
}

/** `CRITICAL`, or `CRITICAL #2` for its second reminder: short, so that the subject keeps its place. */
function severityTag(n: Notification): string {
  return n.reminder > 0 ? `${n.severity} #${n.reminder}` : n.severity;
}

function headline(n: Notification): string {
  const elapsed = humanDuration(n.elapsedMs);
  switch (n.severity) {
    case Severity.INFO:
      return `${n.operation} of ${n.stackName}: ${n.diagnosis.find((d) => d.headsUp)?.headsUp ?? 'a known slow step'}`;
    case Severity.WARNING:
    case Severity.CRITICAL:
      return `${n.operation} of ${n.stackName} running for ${elapsed}`;
    case Severity.FAILED:
      return `${n.operation} of ${n.stackName} failed: ${n.status}`;
    case Severity.RESOLVED:
      return `${n.operation} of ${n.stackName} finished after ${elapsed}`;
  }
}

/**
 * An e-mail subject: severity, what, how long, where; printable ASCII and under 100
 * characters, as SNS requires.
 *
 * @example
 * subjectOf(notification); // '[CRITICAL] DELETE of trustsource-core-prod running for 40 min (trustsource-core,
 * eu-central-1)'
 */
export function subjectOf(n: Notification): string {
  const text = `[${severityTag(n)}] ${headline(n)} (${n.service}, ${n.region})`.replace(/[^\x20-\x7e]/g, '?');
  return text.length <= MAX_SUBJECT_LENGTH ? text : `${text.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
}

/**
 * The plain-text body: everything an engineer needs at 19:29 without opening anything else.
 */
export function bodyOf(n: Notification): string {
  const lines = [
    `${severityTag(n)}: ${headline(n)}.`,
    '',
    `Stack:      ${n.stackName}`,
    `Stack id:   ${n.stackId}`,
    `Service:    ${n.service}`,
    `Account:    ${n.account}`,
    `Region:     ${n.region}`,
    `Operation:  ${n.operation}, started ${formatInstant(n.startedAt)}`,
    `Elapsed:    ${humanDuration(n.elapsedMs)} (as of ${formatInstant(n.at)})`,
    `Status:     ${n.status}${n.statusReason ? ` (${capped(n.statusReason)})` : ''}`,
  ];
  const unusual = n.threshold ? explainThreshold(n.threshold, n.elapsedMs, n.operation) : null;
  if (unusual) lines.splice(lines.length - 1, 0, `Threshold:  adaptive, ${unusual}`);
  if (n.resourcesInProgress.length > 0) {
    lines.push('', 'Still in progress:');
    for (const r of n.resourcesInProgress.slice(0, MAX_LISTED_RESOURCES)) {
      const physical = r.physicalResourceId ? ` ${r.physicalResourceId}` : '';
      lines.push(`  - ${resourceLabel(r)}${physical}: ${r.status} since ${formatInstant(r.since)}`);
      if (r.statusReason) lines.push(`    ${capped(r.statusReason)}`);
    }
    const more = n.resourcesInProgress.length - MAX_LISTED_RESOURCES;
    if (more > 0) lines.push(`  … and ${more} more (see the stack's events)`);
  }
  for (const advice of adviceOf(n)) {
    lines.push('', `Likely cause: ${advice.cause}`);
    if (advice.typically) lines.push(`Usually: ${advice.typically}.`);
    lines.push('Next steps:', ...advice.nextSteps.map((step, index) => `  ${index + 1}. ${step}`));
    if (advice.source) lines.push(`Source: ${advice.source}`);
  }
  lines.push('', `Stack events: ${consoleLink(n)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A stack can have hundreds of resources in progress (a nested deployment): an alert names the
 * oldest ones, so that it stays readable and far below SNS's 256 KB.
 */
export const MAX_LISTED_RESOURCES = 20;

/** One explanation an alert gives: a known cause, or the deletion that blocked a deployment. */
export interface Advice {
  readonly cause: string;
  readonly typically: string | null;
  readonly nextSteps: readonly string[];
  readonly source: string | null;
}

/** Says only what is known: a deletion when one was running, a name clash when only the reason tells. */
function blockedAdvice(n: Notification, blocked: NonNullable<Notification['blockedBy']>): Advice {
  const { stackName, runningMsAtFailure, heldResource } = blocked;
  if (runningMsAtFailure === null) {
    return {
      cause:
        `${heldResource ?? 'a resource it creates'} already exists in stack ${stackName}: this ${n.operation} ` +
        `needs a name that stack holds.`,
      typically: null,
      nextSteps: [
        `Give the resource another name in this stack, or remove it from ${stackName} (if ${stackName} is being ` +
          `deleted, wait for it), then deploy again.`,
      ],
      source: null,
    };
  }
  const running = `in progress for ${humanDuration(runningMsAtFailure)} when this failed`;
  const cause = heldResource
    ? `the deletion of stack ${stackName} (${running}), which still holds ${heldResource}: this ${n.operation} ` +
      `needed what the old stack had not released yet.`
    : `possibly the deletion of stack ${stackName} of the same service (${running}): a deployment that overlaps a ` +
      `deletion often needs what the old stack has not released yet.`;
  return {
    cause,
    typically: null,
    nextSteps: [
      `Wait for the deletion of ${stackName} to end, then deploy again.`,
      'Or deploy now with new names for what the old stack still holds (queues, buckets, log groups).',
    ],
    source: null,
  };
}

/**
 * What the alert explains, in the order a person should read it: the deletion that blocked a
 * failed deployment first (it is the reason to act), then the known causes.
 *
 * @example
 * adviceOf(failed).map((advice) => advice.cause); // ['the deletion of stack trustsource-core-prod, …']
 */
export function adviceOf(n: Notification): Advice[] {
  const advice: Advice[] = [];
  if (n.blockedBy) advice.push(blockedAdvice(n, n.blockedBy));
  for (const found of n.diagnosis)
    advice.push({ cause: found.cause, typically: found.typically, nextSteps: found.nextSteps, source: found.source });
  return advice;
}

/** The attributes SNS subscription filter policies match on. */
export function attributesOf(n: Notification): Record<string, { DataType: 'String'; StringValue: string }> {
  const text = (value: string) => ({ DataType: 'String' as const, StringValue: value });
  return {
    severity: text(n.severity),
    service: text(n.service),
    stackName: text(n.stackName),
    account: text(n.account),
    region: text(n.region),
    operation: text(n.operation),
  };
}
