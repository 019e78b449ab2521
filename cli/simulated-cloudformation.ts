/**
 * `replay --simulate-cloudformation`: CloudFormation as the sweeper would find it, answered from
 * the whole replay input (lost and not-yet-delivered events included) as of the virtual clock,
 * through the port the Lambda's inspector implements (shared/adapters/cloudformation-inspector.ts).
 */
import type { StackInspector } from '../shared/app/ports.ts';
import { groupBy } from '../shared/domain/collections.ts';
import type { CloudFormationEvent, ResourceStatusEvent } from '../shared/domain/events.ts';
import { canonicalRecords, type StatusRecord } from '../shared/domain/operations.ts';
import type { StackDescription } from '../shared/domain/reconcile.ts';
import { resourcesInProgress, type ResourceInProgress } from '../shared/domain/resources.ts';
import { DELETE_COMPLETE, isTerminal, OperationType, statusRule } from '../shared/domain/status.ts';
import type { Clock, Instant } from '../shared/domain/time.ts';

/** A stack inspector that can always list resources (DescribeStackResources). */
export type SimulatedCloudFormation = StackInspector & Required<Pick<StackInspector, 'resourcesInProgress'>>;

/** One stack's history, indexed so that each question is a binary search by time. */
interface StackIndex {
  /** Its status records in canonical order (by time first). */
  readonly records: readonly StatusRecord[];
  /**
   * Per record: the time of the latest record up to it that began an UPDATE or IMPORT (LastUpdatedTime), else `null`.
   */
  readonly lastUpdatedAt: readonly (Instant | null)[];
  /** Per record: the time of the latest record up to it that began an operation, else `null`. */
  readonly operationStart: readonly (Instant | null)[];
  /** Its resource events, by time. */
  readonly resources: readonly ResourceStatusEvent[];
}

/** How many items at the start of `items` satisfy `before` (which holds for a prefix of them): a binary search. */
function countWhile<T>(items: readonly T[], before: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(items[middle] as T)) low = middle + 1;
    else high = middle;
  }
  return low;
}

function indexStack(statusEvents: readonly StatusRecord[], resourceEvents: readonly ResourceStatusEvent[]): StackIndex {
  // The statuses' own order: the same as the watchdog's rules take them (duplicates folded).
  const records = canonicalRecords(statusEvents);
  const lastUpdatedAt: (Instant | null)[] = [];
  const operationStart: (Instant | null)[] = [];
  let updated: Instant | null = null;
  let started: Instant | null = null;
  for (const record of records) {
    const rule = statusRule(record.status);
    if (rule?.beginsOperation) {
      started = record.time;
      // CloudFormation's LastUpdatedTime; a CREATE's start is its CreationTime instead.
      if (rule.operation === OperationType.UPDATE || rule.operation === OperationType.IMPORT) updated = record.time;
    }
    lastUpdatedAt.push(updated);
    operationStart.push(started);
  }
  // By time only, for the binary search: resourcesInProgress orders the events of one second itself.
  const resources = [...resourceEvents].sort((a, b) => a.time - b.time);
  return { records, lastUpdatedAt, operationStart, resources };
}

/**
 * Indexes every stack of `events` once, then answers DescribeStacks and DescribeStackResources
 * for the time `clock` says, as CloudFormation would have then: a stack exists from its first
 * status event on until its DELETE_COMPLETE; its status is its latest status event's; a finished
 * stack tells when it finished (DescribeStackEvents); its resources in progress are those of its
 * latest operation.
 *
 * @example
 * let now = Date.parse('2021-09-21T19:30:00Z');
 * const inspector = createSimulatedCloudFormation(allEvents, () => now);
 * await inspector.describe(coreArn); // { exists: true, status: 'DELETE_IN_PROGRESS', … }
 */
export function createSimulatedCloudFormation(
  events: readonly CloudFormationEvent[],
  clock: Clock,
): SimulatedCloudFormation {
  const statusEvents = events.flatMap((event): StatusRecord[] =>
    // The whole reason, as DescribeStacks gives it (the service's state keeps a shortened one).
    event.kind === 'stack-status'
      ? [
          {
            stackId: event.stackId,
            stackName: event.stackName,
            time: event.time,
            status: event.status,
            statusReason: event.statusReason,
          },
        ]
      : [],
  );
  const resourceEvents = events.filter((event): event is ResourceStatusEvent => event.kind === 'resource-status');
  const statusesOf = groupBy(statusEvents, (record) => record.stackId);
  const resourcesOf = groupBy(resourceEvents, (event) => event.stackId);
  const stacks = new Map<string, StackIndex>();
  for (const stackId of new Set([...statusesOf.keys(), ...resourcesOf.keys()])) {
    stacks.set(stackId, indexStack(statusesOf.get(stackId) ?? [], resourcesOf.get(stackId) ?? []));
  }

  /** The position of the stack's latest status record at or before `now`, or -1. */
  const latestAt = (index: StackIndex, now: Instant): number =>
    countWhile(index.records, (record) => record.time <= now) - 1;

  return {
    async describe(stackId): Promise<StackDescription> {
      const index = stacks.get(stackId);
      const at = index ? latestAt(index, clock()) : -1;
      const latest = at < 0 ? undefined : index?.records[at];
      if (!index || !latest || latest.status === DELETE_COMPLETE) return { exists: false };
      return {
        exists: true,
        status: latest.status,
        statusReason: latest.statusReason,
        // LastUpdatedTime ?? CreationTime, the stack's first status event standing for its creation.
        lastUpdatedAt: index.lastUpdatedAt[at] ?? index.records[0]?.time ?? null,
        statusSince: isTerminal(latest.status) ? latest.time : null,
      };
    },

    async resourcesInProgress(stackId): Promise<ResourceInProgress[]> {
      const index = stacks.get(stackId);
      const now = clock();
      const at = index ? latestAt(index, now) : -1;
      if (!index || at < 0) return [];
      const since = index.operationStart[at] ?? index.records[0]?.time ?? 0;
      const from = countWhile(index.resources, (event) => event.time < since);
      const upTo = countWhile(index.resources, (event) => event.time <= now);
      return resourcesInProgress(index.resources.slice(from, upTo), since);
    },
  };
}
