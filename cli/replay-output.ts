/**
 * The replay's two renderings: the contract's JSON (`contracts/replay-output.schema.json`) and
 * tables for people.
 */
import Table from 'cli-table3';
import type { Notification } from '../shared/domain/notification.ts';
import { operationStop } from '../shared/domain/operations.ts';
import type { WatchdogConfig } from '../shared/domain/config.ts';
import { formatThresholds } from '../shared/domain/thresholds.ts';
import { formatDurationSpec, formatInstant, humanDuration, type Instant } from '../shared/domain/time.ts';
import { resourceLabel } from '../shared/domain/resources.ts';
import type { ReplayResult } from './replay.ts';
import type { ReplayInput } from './replay-input.ts';
import { plural } from './text.ts';
import { escapeControlCharacters } from '../shared/domain/cfn-event.ts';
import { adviceOf } from '../shared/adapters/sns-message.ts';
import { WINDOW_EVENT_SOURCE } from '../shared/domain/window-events.ts';
import { explainThreshold } from '../shared/domain/adaptive.ts';
import { thresholdOf } from '../shared/adapters/escalation-event.ts';

const time = (at: Instant | null): string | null => (at === null ? null : formatInstant(at));

function notificationFields(notification: Notification) {
  return {
    at: formatInstant(notification.at),
    severity: notification.severity,
    // Only with --repeat-critical-every: which reminder of the CRITICAL this is.
    ...(notification.reminder > 0 ? { reminder: notification.reminder } : {}),
    stackName: notification.stackName,
    stackId: notification.stackId,
    account: notification.account,
    region: notification.region,
    service: notification.service,
    operation: notification.operation,
    status: notification.status,
    statusReason: notification.statusReason,
    startedAt: formatInstant(notification.startedAt),
    elapsedSeconds: Math.floor(notification.elapsedMs / 1000),
    resourcesInProgress: notification.resourcesInProgress.map((resource) => ({
      logicalResourceId: resource.logicalResourceId,
      physicalResourceId: resource.physicalResourceId,
      resourceType: resource.resourceType,
      status: resource.status,
      statusReason: resource.statusReason,
      since: formatInstant(resource.since),
      ...(resource.inNestedStack ? { inNestedStack: resource.inNestedStack } : {}),
    })),
  };
}

function notificationJson(notification: Notification) {
  // Only for an escalation an adaptive threshold set off: which rule fired, and why.
  const threshold = thresholdOf(notification);
  return { ...notificationFields(notification), ...(threshold === null ? {} : { threshold }) };
}

/**
 * The replay result as the contract's JSON object.
 *
 * @example
 * process.stdout.write(`${JSON.stringify(replayJson(result), null, 2)}\n`);
 */
export function replayJson(result: ReplayResult) {
  return {
    notifications: result.notifications.map(notificationJson),
    operations: result.operations.map(({ operation, peakSeverity, account, region, service }) => ({
      stackName: operation.stackName,
      stackId: operation.stackId,
      account,
      region,
      service,
      operation: operation.type,
      start: formatInstant(operation.start),
      end: operation.state === 'ended' ? formatInstant(operation.end) : null,
      finalStatus: operation.state === 'ended' ? operation.finalStatus : null,
      peakSeverity,
    })),
    windows: result.windows.map((window) => ({
      account: window.key.account,
      region: window.key.region,
      service: window.key.service,
      start: formatInstant(window.start),
      end: time(window.end),
      peakSeverity: window.peakSeverity,
      stacks: window.stacks,
    })),
    rejected: result.rejected.map((rejected) => ({ ...rejected })),
    // As the watchdog's bus carries them, beside the recovery hand-off: one per page sent.
    escalationEvents: result.escalationEvents.map(({ at, event: { detailType, detail } }) => ({
      at: formatInstant(at),
      type: detailType,
      detail,
    })),
    windowEvents: result.windowEvents.map(({ at, event: { detailType, detail } }) => ({
      at: formatInstant(at),
      type: detailType,
      windowId: detail.windowId,
      revision: detail.revision,
      service: detail.service,
      account: detail.account,
      region: detail.region,
      // Already as the bus carries them: ISO-8601 UTC to the second.
      start: detail.start,
      end: detail.end,
      peakSeverity: detail.peakSeverity,
      stacks: [...detail.stacks],
      withdrawn: detail.withdrawn,
    })),
  };
}

/** A table for a terminal; `widths` caps the columns that hold free text (wrapped), others fit their content. */
function table(head: string[], widths: (number | null)[] = []): Table.Table {
  return new Table({ head, style: { head: [], border: [] }, wordWrap: true, colWidths: widths });
}

/**
 * The replay result for people: the notifications as a timeline, the operations, the windows
 * with start, end and duration, and what was rejected.
 */
export function replayTable(result: ReplayResult, config: WatchdogConfig): string {
  const sections: string[] = [
    `Replayed${result.until === null ? '' : ` until ${formatInstant(result.until)}`} with thresholds ` +
      `${formatThresholds(config.thresholds)} and a grace of ${formatDurationSpec(config.graceMs)}.\n`,
  ];
  const asOf = result.until === null ? '' : ` (as of ${formatInstant(result.until)})`;

  const notifications = table(
    [
      'at (UTC)',
      'severity',
      'stack',
      'service',
      'operation',
      'status',
      'elapsed',
      'in progress',
      'likely cause → first step',
    ],
    [null, null, null, null, null, 30, null, 40, 50],
  );
  for (const n of result.notifications) {
    notifications.push([
      formatInstant(n.at),
      n.severity,
      n.stackName,
      n.service,
      n.operation,
      n.statusReason ? `${n.status}\n${n.statusReason}` : n.status,
      humanDuration(n.elapsedMs) +
        (n.threshold ? `\n${explainThreshold(n.threshold, n.elapsedMs, n.operation) ?? ''}` : ''),
      n.resourcesInProgress
        .map(
          (r) =>
            `${resourceLabel(r)} ${r.status} since ` +
            `${formatInstant(r.since)}${r.statusReason ? `: ${r.statusReason}` : ''}`,
        )
        .join('\n'),
      adviceOf(n)
        .map((advice) => `${advice.cause}${advice.nextSteps[0] ? `\n→ ${advice.nextSteps[0]}` : ''}`)
        .join('\n\n'),
    ]);
  }
  sections.push(
    `Notifications${asOf}: ${result.notifications.length}`,
    result.notifications.length ? notifications.toString() : '(none)',
  );

  const operations = table([
    'stack',
    'service',
    'operation',
    'start (UTC)',
    'end (UTC)',
    'duration',
    'final status',
    'severity',
  ]);
  for (const { operation, peakSeverity, service } of result.operations) {
    const stop = operationStop(operation);
    operations.push([
      operation.stackName,
      service,
      operation.type,
      formatInstant(operation.start),
      operation.state === 'ended'
        ? formatInstant(operation.end)
        : operation.state === 'running'
          ? 'running'
          : 'no end event',
      humanDuration((stop ?? result.until ?? operation.start) - operation.start) + (stop === null ? ' so far' : ''),
      operation.state === 'ended' ? operation.finalStatus : '',
      peakSeverity ?? '',
    ]);
  }
  sections.push(
    `\nOperations: ${result.operations.length}`,
    result.operations.length ? operations.toString() : '(none)',
  );

  const windows = table(['service', 'account / region', 'start (UTC)', 'end (UTC)', 'duration', 'peak', 'stacks']);
  for (const window of result.windows) {
    const end =
      window.end !== null
        ? formatInstant(window.end)
        : window.awaitingReplacementSince !== null
          ? 'OPEN (no stack left; waiting for a replacement)'
          : 'OPEN';
    windows.push([
      window.key.service,
      `${window.key.account} / ${window.key.region}`,
      formatInstant(window.start),
      end,
      humanDuration((window.end ?? result.until ?? window.start) - window.start) +
        (window.end === null ? ' so far' : ''),
      window.peakSeverity,
      window.stacks.join('\n'),
    ]);
  }
  sections.push(`\nImpact windows: ${result.windows.length}`, result.windows.length ? windows.toString() : '(none)');

  const handOff = table(['sent (UTC)', 'detail-type', 'window id', 'start (UTC)', 'end (UTC)', 'peak']);
  for (const { at, event } of result.windowEvents) {
    handOff.push([
      formatInstant(at),
      event.detailType,
      event.detail.windowId,
      event.detail.start,
      event.detail.end ?? '',
      event.detail.peakSeverity,
    ]);
  }
  sections.push(
    `\nRecovery hand-off (EventBridge, source ${WINDOW_EVENT_SOURCE}): ${result.windowEvents.length}`,
    result.windowEvents.length ? handOff.toString() : '(none)',
    `\nPages as events on the same bus (Deployment Escalated/Resolved, --format json lists them): ` +
      `${result.escalationEvents.length}`,
  );

  const rejected = rejectedTable(result);
  return `${sections.join('\n')}\n${rejected === '' ? '' : `\n${rejected}`}`;
}

/** The rejected input as a table, or nothing when none was; all the table output has when nothing was replayed. */
export function rejectedTable(result: ReplayResult): string {
  if (result.rejected.length === 0) return '';
  const rejected = table(['index', 'id', 'error']);
  for (const r of result.rejected) rejected.push([String(r.index), escapeControlCharacters(r.id ?? ''), r.error]);
  return `Rejected input: ${result.rejected.length}\n${rejected.toString()}\n`;
}

/** How many rejected elements the summary on stderr names; the table and the JSON list them all. */
const REJECTED_NAMED = 3;

/**
 * One line naming the first rejected elements (counted from 1, as editors count lines), or null
 * when none was: the table and the JSON list them all, but `--format json > out.json` shows
 * someone at a terminal nothing else.
 *
 * @example
 * rejectedSummary(input); // '2 of 69 lines rejected: line 3 (detail.stack-id: expected …), line 9 (…)'
 */
export function rejectedSummary(input: ReplayInput): string | null {
  const { rejected, unit } = input;
  if (rejected.length === 0) return null;
  const total = input.deliveries.length + input.lost.length + rejected.length;
  const named = rejected.slice(0, REJECTED_NAMED).map(({ index, error }) => `${unit} ${index + 1} (${error})`);
  const more = rejected.length - named.length;
  return (
    `${rejected.length} of ${plural(total, unit)} rejected: ` +
    `${named.join(', ')}${more > 0 ? `, and ${more} more` : ''}`
  );
}

/**
 * Why no event was replayed, or null when one was. Four empty sections and exit status 0 would
 * read as an all-clear to someone on call, when the file or `--until` was the mistake.
 *
 * @example
 * nothingReplayed('empty.jsonl', readReplayInput(''), undefined); // 'no events replayed (empty.jsonl holds none)'
 */
export function nothingReplayed(file: string, input: ReplayInput, until: Instant | undefined): string | null {
  let first: Instant | null = null;
  for (const { deliverAt } of input.deliveries) if (first === null || deliverAt < first) first = deliverAt;
  if (first === null) {
    const why =
      input.lost.length > 0
        ? `holds none to deliver, only ${plural(input.lost.length, 'lost event')}`
        : input.rejected.length > 0
          ? 'holds none that could be read'
          : 'holds none';
    return `no events replayed (${file} ${why})`;
  }
  // As the replay delivers: every event due at or before --until.
  if (until !== undefined && until < first) {
    return (
      `no events replayed (${file}: --until ${formatInstant(until)} is before the first event at ` +
      `${formatInstant(first)})`
    );
  }
  return null;
}
