/**
 * Resources still in progress in a stack, from "CloudFormation Resource Status Change" events:
 * what an alert names as stuck. Same rule as for stacks: the set of events decides, not their order.
 */
import type { Instant } from './time.ts';

export interface ResourceRecord {
  readonly logicalResourceId: string;
  readonly physicalResourceId: string;
  readonly resourceType: string;
  readonly status: string;
  readonly statusReason: string;
  readonly time: Instant;
}

export interface ResourceInProgress extends Omit<ResourceRecord, 'time'> {
  /** When the resource entered its current in-progress status. */
  readonly since: Instant;
}

const inProgress = (status: string): boolean => status.endsWith('_IN_PROGRESS');

function later(a: ResourceRecord, b: ResourceRecord): ResourceRecord {
  if (a.time !== b.time) return a.time > b.time ? a : b;
  // At the same second a resource finishing outranks it starting, as for stacks.
  if (inProgress(a.status) !== inProgress(b.status)) return inProgress(a.status) ? b : a;
  return a.status >= b.status ? a : b;
}

/**
 * The resources whose latest status, among those at or after `since`, is an in-progress one;
 * oldest first.
 *
 * @example
 * resourcesInProgress(records, operation.start)
 *   .map((r) => r.logicalResourceId); // ['ScanAnalysisFunction']
 */
export function resourcesInProgress(records: readonly ResourceRecord[], since: Instant = 0): ResourceInProgress[] {
  const latest = new Map<string, ResourceRecord>();
  for (const record of records) {
    if (record.time < since || record.logicalResourceId === '') continue;
    const kept = latest.get(record.logicalResourceId);
    latest.set(record.logicalResourceId, kept ? later(kept, record) : record);
  }
  return [...latest.values()]
    .filter((record) => inProgress(record.status))
    .map((record) => ({
      logicalResourceId: record.logicalResourceId,
      physicalResourceId: record.physicalResourceId,
      resourceType: record.resourceType,
      status: record.status,
      statusReason: record.statusReason,
      since: record.time,
    }))
    .sort((a, b) => a.since - b.since || (a.logicalResourceId < b.logicalResourceId ? -1 : 1));
}
