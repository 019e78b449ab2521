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
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsClientConfig } from './aws-clients.ts';
import type { MemberAccess } from './env-config.ts';
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

async function describeStack(clientFor: ClientForStack, stackId: string): Promise<Stack | null> {
  try {
    const { Stacks } = await clientFor(stackId).send(new DescribeStacksCommand({ StackName: stackId }));
    return Stacks?.[0] ?? null;
  } catch (error) {
    if (
      error instanceof CloudFormationServiceException &&
      error.name === 'ValidationError' &&
      DOES_NOT_EXIST.test(error.message)
    ) {
      return null;
    }
    throw error;
  }
}

/**
 * When the stack entered its current status: its newest stack-level event with that status, on
 * DescribeStackEvents' first page (newest first); `null` when that page does not have it.
 */
async function statusSince(clientFor: ClientForStack, stackId: string, stack: Stack): Promise<number | null> {
  const { StackEvents } = await clientFor(stackId).send(new DescribeStackEventsCommand({ StackName: stackId }));
  const entered = StackEvents?.find(
    (event) =>
      event.ResourceType === 'AWS::CloudFormation::Stack' &&
      event.PhysicalResourceId === stack.StackId &&
      event.ResourceStatus === stack.StackStatus,
  );
  return entered?.Timestamp ? entered.Timestamp.getTime() : null;
}

/** The client that may ask CloudFormation about a stack: in its region, with credentials for its account. */
export type ClientForStack = (stackId: string) => CloudFormationClient;

/**
 * One client per region and account, made when first needed. CloudFormation answers only for its
 * own region, so each stack is asked in its own; a stack of another account (organisation-wide)
 * is asked through that account's read role, the watchdog's own (any region) with the function's role.
 *
 * @example
 * const clientFor = cloudFormationClients(runtime.memberAccess);
 * await clientFor(stackArn).send(new DescribeStacksCommand({ StackName: stackArn }));
 */
export function cloudFormationClients(
  memberAccess: MemberAccess | null = null,
  base: AwsClientConfig = {},
): ClientForStack {
  const clients = new Map<string, CloudFormationClient>();
  return (stackId) => {
    const stack = parseStackArn(stackId);
    if (!stack) throw new Error(`not a stack ARN: ${stackId}`);
    const own = memberAccess === null || stack.account === memberAccess.homeAccount;
    const key = own ? stack.region : `${stack.account}/${stack.region}`;
    const known = clients.get(key);
    if (known) return known;
    const client = own
      ? new CloudFormationClient({ ...base, region: stack.region })
      : memberClient(stackId, stack.account, stack.region, memberAccess, base);
    clients.set(key, client);
    return client;
  };
}

function memberClient(
  stackId: string,
  account: string,
  region: string,
  access: MemberAccess,
  base: AwsClientConfig,
): CloudFormationClient {
  const partition = stackId.split(':')[1] ?? 'aws';
  const { credentials, profile, ...where } = base;
  return new CloudFormationClient({
    ...where,
    region,
    // Refreshed before they expire, by the provider; one session per account and region.
    credentials: fromTemporaryCredentials({
      params: {
        RoleArn: `arn:${partition}:iam::${account}:role/${access.roleName}`,
        RoleSessionName: 'cfn-watchdog',
        ...(access.externalId ? { ExternalId: access.externalId } : {}),
      },
      // The caller's own credentials assume the role (a CLI's profile, the function's role).
      clientConfig: {
        ...where,
        region: access.homeRegion,
        ...(credentials ? { credentials } : {}),
        ...(profile ? { profile } : {}),
      },
    }),
  });
}

/**
 * @example
 * const inspector = createCloudFormationInspector({ clientFor: cloudFormationClients() });
 * await inspector.describe(stackArn); // { exists: true, status: 'DELETE_IN_PROGRESS', … }
 */
export function createCloudFormationInspector({
  clientFor,
}: {
  clientFor: ClientForStack;
}): StackInspector & StackDirectory {
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
        statusSince: isTerminal(status) ? await statusSince(clientFor, stackId, stack) : null,
      };
    },

    async resourcesInProgress(stackId) {
      const { StackResources } = await clientFor(stackId).send(
        new DescribeStackResourcesCommand({ StackName: stackId }),
      );
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
      if (!stack) return NO_FACTS;
      // Only an answer is kept: "does not exist" may be a stack that DescribeStacks does not show yet.
      const facts = factsOfStack(stack);
      known.set(stackId, facts);
      return facts;
    },
  };
}
