import type { Operation } from '../domain/operations.ts';
import { resourcesInProgress, type ResourceInProgress, type ResourceRecord } from '../domain/resources.ts';
import type { WatchdogStore } from './ports.ts';

/**
 * The resources of an operation still in progress, from its stack's timeline (access pattern 4):
 * what an escalation names as stuck and what `status` shows.
 *
 * @example
 * const stuck = await operationResourcesInProgress(store, opView.operation);
 */
export async function operationResourcesInProgress(store: WatchdogStore, operation: Operation): Promise<ResourceInProgress[]> {
  const history = await store.stackHistory(operation.stackId, operation.start);
  const resources: ResourceRecord[] = history.flatMap((event) => (event.kind === 'resource-status' ? [event] : []));
  return resourcesInProgress(resources, operation.start);
}
