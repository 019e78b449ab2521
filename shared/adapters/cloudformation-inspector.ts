/**
 * What CloudFormation says of a stack now (DescribeStacks): the sweeper's confirmation before
 * paging, and the `cfn-watchdog:service` tag that maps a stack to its service.
 */
import { CloudFormationServiceException, DescribeStacksCommand, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import type { StackInspector } from '../app/ports.ts';
import type { StackDescription } from '../domain/reconcile.ts';

export const SERVICE_TAG = 'cfn-watchdog:service';

/** DescribeStacks answers a stack it does not know with a ValidationError of this wording. */
const DOES_NOT_EXIST = /does not exist/i;

async function describeStack(client: CloudFormationClient, stackId: string): Promise<Stack | null> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackId }));
    return Stacks?.[0] ?? null;
  } catch (error) {
    if (error instanceof CloudFormationServiceException && error.name === 'ValidationError' && DOES_NOT_EXIST.test(error.message)) {
      return null;
    }
    throw error;
  }
}

/**
 * @example
 * const inspector = createCloudFormationInspector({ client: new CloudFormationClient({}) });
 * await inspector.describe(stackArn); // { exists: true, status: 'DELETE_IN_PROGRESS', … }
 */
export function createCloudFormationInspector({ client }: { client: CloudFormationClient }): StackInspector {
  // Tags are read once per stack and container: a stack keeps its service for its whole life.
  const serviceTags = new Map<string, string | null>();
  return {
    async describe(stackId): Promise<StackDescription> {
      const stack = await describeStack(client, stackId);
      if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return { exists: false };
      const lastUpdated = stack.LastUpdatedTime ?? stack.CreationTime;
      return {
        exists: true,
        status: stack.StackStatus ?? '',
        statusReason: stack.StackStatusReason ?? '',
        lastUpdatedAt: lastUpdated ? lastUpdated.getTime() : null,
      };
    },

    async serviceTag(stackId) {
      if (serviceTags.has(stackId)) return serviceTags.get(stackId) ?? null;
      const stack = await describeStack(client, stackId);
      const tag = stack?.Tags?.find((candidate) => candidate.Key === SERVICE_TAG)?.Value?.trim() || null;
      serviceTags.set(stackId, tag);
      return tag;
    },
  };
}
