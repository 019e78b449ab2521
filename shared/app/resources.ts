/**
 * What an alert names as stuck or failed, read from the stacks' timelines (access pattern 4) or
 * from CloudFormation, following nested stacks down: a root's deletion that hangs is usually a
 * resource deep in one of its nested stacks, and the root's alert is the one that tells it.
 */
import type { Operation } from '../domain/operations.ts';
import { resourcesInProgress, type ResourceInProgress, type ResourceRecord } from '../domain/resources.ts';
import { nestedStackOf } from '../domain/stack-facts.ts';
import type { Instant } from '../domain/time.ts';
import type { WatchdogStore } from './ports.ts';

/** How deep nested stacks are followed; the bound also keeps a forged self-reference from looping. */
export const MAX_NESTING_DEPTH = 5;

type ReadInProgress = (stackId: string, since: Instant) => Promise<ResourceInProgress[]>;

/**
 * A stack's resources in progress, each nested stack among them followed by its own (marked with
 * the nested stack's name), depth first.
 */
async function withNested(
  read: ReadInProgress,
  stackId: string,
  since: Instant,
  depth: number,
): Promise<ResourceInProgress[]> {
  const listed: ResourceInProgress[] = [];
  for (const resource of await read(stackId, since)) {
    listed.push(resource);
    const nested = nestedStackOf(resource, stackId);
    if (!nested || depth >= MAX_NESTING_DEPTH) continue;
    const inner = await withNested(read, nested.stackId, resource.since, depth + 1);
    listed.push(...inner.map((found) => (found.inNestedStack ? found : { ...found, inNestedStack: nested.stackName })));
  }
  return listed;
}

async function recordedInProgress(
  store: WatchdogStore,
  stackId: string,
  since: Instant,
): Promise<ResourceInProgress[]> {
  const history = await store.stackHistory(stackId, since);
  const resources: ResourceRecord[] = history.flatMap((event) => (event.kind === 'resource-status' ? [event] : []));
  return resourcesInProgress(resources, since);
}

/**
 * The resources of an operation still in progress, from the timelines of its stack and of its
 * nested stacks: what an escalation names as stuck and what `status` shows.
 *
 * @example
 * const stuck = await operationResourcesInProgress(store, opView.operation);
 * stuck.map((r) => r.inNestedStack ?? '(root)'); // ['(root)', 'core-prod-ScanStack-1ABC']
 */
export function operationResourcesInProgress(
  store: WatchdogStore,
  operation: Operation,
): Promise<ResourceInProgress[]> {
  return withNested(
    (stackId, since) => recordedInProgress(store, stackId, since),
    operation.stackId,
    operation.start,
    0,
  );
}

/**
 * The same from DescribeStackResources, for an escalation whose Resource Status Change events
 * never arrived.
 */
export function liveResourcesInProgress(
  askLive: (stackId: string) => Promise<ResourceInProgress[]>,
  stackId: string,
): Promise<ResourceInProgress[]> {
  return withNested(askLive, stackId, 0, 0);
}

/**
 * The status reasons of the resources that failed in an operation, each failed nested stack's
 * own reasons right after its line: the root only says "Embedded stack … was not successfully
 * created"; the name clash that blocked it is said inside.
 *
 * @example
 * await operationFailureReasons(store, operation); // ['Embedded stack … failed', 'trustsource-scan-queue already
 * exists']
 */
export function operationFailureReasons(store: WatchdogStore, operation: Operation): Promise<string[]> {
  return failureReasons(store, operation.stackId, operation.start, 0, new Set([operation.stackId]));
}

/** `visited`: a nested stack that failed twice (its update, then its rollback) is read once. */
async function failureReasons(
  store: WatchdogStore,
  stackId: string,
  since: Instant,
  depth: number,
  visited: Set<string>,
): Promise<string[]> {
  const reasons: string[] = [];
  for (const event of await store.stackHistory(stackId, since)) {
    if (event.kind !== 'resource-status' || !event.status.endsWith('_FAILED')) continue;
    if (event.statusReason !== '') reasons.push(event.statusReason);
    const nested = nestedStackOf(event, stackId);
    if (!nested || visited.has(nested.stackId) || depth >= MAX_NESTING_DEPTH) continue;
    visited.add(nested.stackId);
    reasons.push(...(await failureReasons(store, nested.stackId, since, depth + 1, visited)));
  }
  return reasons;
}
