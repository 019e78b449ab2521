/**
 * What CloudFormation says of a stack now (DescribeStacks): the sweeper's confirmation before
 * paging, the facts the events lack (the `cfn-watchdog:service` and `cfn-watchdog:mute` tags, a
 * nested stack's root), and the resources still in progress when no Resource Status Change event
 * told (DescribeStackResources).
 */
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { isTerminal } from '../domain/status.ts';
import { parseStackArn } from '../domain/events.ts';
import type { StackDirectory, StackInspector } from '../app/ports.ts';
import type { StackDescription } from '../domain/reconcile.ts';
import { MUTE_TAG, muteTagSilences, NO_FACTS, SERVICE_TAG, type StackFacts } from '../domain/stack-facts.ts';

function factsOfStack(stack: Stack): StackFacts {
  const tag = (key: string): string | undefined => stack.Tags?.find((candidate) => candidate.Key === key)?.Value;
  return {
    serviceTag: tag(SERVICE_TAG)?.trim() || null,
    mutedByTag: muteTagSilences(tag(MUTE_TAG)),
    // A root stack's RootId is absent (CloudFormation sets it on nested stacks only).
    rootStackId: stack.RootId && stack.RootId !== stack.StackId ? stack.RootId : null,
  };
}

/** DescribeStacks answers a stack it does not know with a ValidationError of this wording. */
const DOES_NOT_EXIST = /does not exist/i;

async function describeStack(clientFor: ClientForRegion, stackId: string): Promise<Stack | null> {
  // CloudFormation answers only for its own region: ask the stack's, whatever the function's is.
  const region = parseStackArn(stackId)?.region;
  if (!region) throw new Error(`not a stack ARN: ${stackId}`);
  try {
    const { Stacks } = await clientFor(region).send(new DescribeStacksCommand({ StackName: stackId }));
    return Stacks?.[0] ?? null;
  } catch (error) {
    if (error instanceof CloudFormationServiceException && error.name === 'ValidationError' && DOES_NOT_EXIST.test(error.message)) {
      return null;
    }
    throw error;
  }
}

/**
 * When the stack entered its current status: its newest stack-level event with that status, on
 * DescribeStackEvents' first page (newest first); `null` when that page does not have it.
 */
async function statusSince(clientFor: ClientForRegion, stack: Stack, region: string): Promise<number | null> {
  const { StackEvents } = await clientFor(region).send(new DescribeStackEventsCommand({ StackName: stack.StackId }));
  const entered = StackEvents?.find(
    (event) => event.ResourceType === 'AWS::CloudFormation::Stack' && event.PhysicalResourceId === stack.StackId && event.ResourceStatus === stack.StackStatus,
  );
  return entered?.Timestamp ? entered.Timestamp.getTime() : null;
}

export type ClientForRegion = (region: string) => CloudFormationClient;

/** One client per region, made when first needed. */
export function cloudFormationClients(): ClientForRegion {
  const clients = new Map<string, CloudFormationClient>();
  return (region) => {
    const known = clients.get(region);
    if (known) return known;
    const client = new CloudFormationClient({ region });
    clients.set(region, client);
    return client;
  };
}

/**
 * @example
 * const inspector = createCloudFormationInspector({ clientFor: cloudFormationClients() });
 * await inspector.describe(stackArn); // { exists: true, status: 'DELETE_IN_PROGRESS', … }
 */
export function createCloudFormationInspector({ clientFor }: { clientFor: ClientForRegion }): StackInspector & StackDirectory {
  // Facts are read once per stack and warm container, so that an event burst does not become a
  // DescribeStacks burst. A tag changed during a stack's life therefore reaches new containers
  // first (see the README: which stack belongs to which service). Nesting never changes.
  const known = new Map<string, StackFacts>();
  return {
    async describe(stackId): Promise<StackDescription> {
      const stack = await describeStack(clientFor, stackId);
      if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return { exists: false };
      const lastUpdated = stack.LastUpdatedTime ?? stack.CreationTime;
      const status = stack.StackStatus ?? '';
      return {
        exists: true,
        status,
        statusReason: stack.StackStatusReason ?? '',
        lastUpdatedAt: lastUpdated ? lastUpdated.getTime() : null,
        // Only a finished stack needs it: that is when the watchdog closes an operation with it.
        statusSince: isTerminal(status) ? await statusSince(clientFor, stack, parseStackArn(stackId)?.region ?? '') : null,
      };
    },

    async resourcesInProgress(stackId) {
      const region = parseStackArn(stackId)?.region;
      if (!region) throw new Error(`not a stack ARN: ${stackId}`);
      const { StackResources } = await clientFor(region).send(new DescribeStackResourcesCommand({ StackName: stackId }));
      return (StackResources ?? [])
        .filter((resource) => resource.ResourceStatus?.endsWith('_IN_PROGRESS'))
        .map((resource) => ({
          logicalResourceId: resource.LogicalResourceId ?? '',
          physicalResourceId: resource.PhysicalResourceId ?? '',
          resourceType: resource.ResourceType ?? '',
          status: resource.ResourceStatus ?? '',
          statusReason: resource.ResourceStatusReason ?? '',
          since: resource.Timestamp?.getTime() ?? 0,
        }))
        .sort((a, b) => a.since - b.since);
    },

    async factsOf(stackId) {
      const cached = known.get(stackId);
      if (cached) return cached;
      const stack = await describeStack(clientFor, stackId);
      const facts = stack ? factsOfStack(stack) : NO_FACTS;
      known.set(stackId, facts);
      return facts;
    },
  };
}
