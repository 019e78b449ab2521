/**
 * Resources still in progress in a stack, from "CloudFormation Resource Status Change" events:
 * what an alert names as stuck. Same rule as for stacks: the set of events decides, not their order.
 */
import { groupBy } from './collections.ts';
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
  /** For a resource of a nested stack, listed in its root's alert: that nested stack's name. */
  readonly inNestedStack?: string | undefined;
}

const inProgress = (status: string): boolean => status.endsWith('_IN_PROGRESS');

/** Time order; at the same second a resource finishing outranks it starting, as for stacks. */
function compareResourceRecords(a: ResourceRecord, b: ResourceRecord): number {
  return (
    a.time - b.time ||
    Number(!inProgress(a.status)) - Number(!inProgress(b.status)) ||
    (a.status < b.status ? -1 : a.status > b.status ? 1 : 0)
  );
}

/**
 * The resources whose latest status, among those at or after `since`, is an in-progress one;
 * oldest first. A resource is dated from the first event of its current status: CloudFormation
 * sends CREATE_IN_PROGRESS twice ("Resource creation Initiated" the second time).
 *
 * @example
 * resourcesInProgress(records, operation.start)
 *   .map((r) => r.logicalResourceId); // ['ScanAnalysisFunction']
 */
export function resourcesInProgress(records: readonly ResourceRecord[], since: Instant = 0): ResourceInProgress[] {
  const relevant = records.filter((record) => record.time >= since && record.logicalResourceId !== '');
  const byResource = groupBy(relevant, (record) => record.logicalResourceId);
  const stuck: ResourceInProgress[] = [];
  for (const history of byResource.values()) {
    const ordered = history.sort(compareResourceRecords);
    const latest = ordered.at(-1) as ResourceRecord;
    if (!inProgress(latest.status)) continue;
    let entered = latest.time;
    // CloudFormation names the physical resource only from the second CREATE_IN_PROGRESS on.
    let physicalResourceId = latest.physicalResourceId;
    for (let i = ordered.length - 1; i >= 0 && ordered[i]?.status === latest.status; i--) {
      entered = ordered[i]?.time ?? entered;
      physicalResourceId ||= ordered[i]?.physicalResourceId ?? '';
    }
    stuck.push({
      logicalResourceId: latest.logicalResourceId,
      physicalResourceId,
      resourceType: latest.resourceType,
      status: latest.status,
      statusReason: latest.statusReason,
      since: entered,
    });
  }
  return stuck.sort((a, b) => a.since - b.since || (a.logicalResourceId < b.logicalResourceId ? -1 : 1));
}

/**
 * How a sentence names a resource: its logical id, and the nested stack that holds it.
 *
 * @example
 * resourceName({ logicalResourceId: 'AnalysisFunction', inNestedStack: 'core-ScanStack-1AB', … }); // 'AnalysisFunction
 * in nested stack core-ScanStack-1AB'
 */
export function resourceName(resource: Pick<ResourceInProgress, 'logicalResourceId' | 'inNestedStack'>): string {
  return `${resource.logicalResourceId}${whereNested(resource)}`;
}

/** ` in nested stack <name>` for a resource of a nested stack, else nothing: how every list says it. */
export function whereNested(resource: Pick<ResourceInProgress, 'inNestedStack'>): string {
  return resource.inNestedStack ? ` in nested stack ${resource.inNestedStack}` : '';
}

/**
 * How a list of resources names one: logical id, type, and the nested stack that holds it.
 *
 * @example
 * resourceLabel(fn); // 'AnalysisFunction (AWS::Lambda::Function)'
 */
export function resourceLabel(
  resource: Pick<ResourceInProgress, 'logicalResourceId' | 'resourceType' | 'inNestedStack'>,
): string {
  return `${resource.logicalResourceId} (${resource.resourceType})${whereNested(resource)}`;
}
