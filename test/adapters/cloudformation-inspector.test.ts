import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type ResourceStatus,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  cloudFormationClients,
  createCloudFormationInspector,
} from '../../shared/adapters/cloudformation-inspector.ts';
import { MUTE_TAG, SERVICE_TAG } from '../../shared/domain/stack-facts.ts';

const cloudFormation = mockClient(CloudFormationClient);
const ARN =
  'arn:aws:cloudformation:eu-central-1:123456789012:stack/trustsource-core-prod/091c23ec-9c34-11eb-9c3e-0a8f4e2b71d5';

const notFound = (): CloudFormationServiceException =>
  new CloudFormationServiceException({
    name: 'ValidationError',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `Stack with id ${ARN} does not exist`,
  });

beforeEach(() => cloudFormation.reset());

describe('describe', () => {
  it('asks DescribeStacks by stack ARN and reports status, reason and the last update', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackId: ARN,
          StackName: 'trustsource-core-prod',
          StackStatus: 'DELETE_IN_PROGRESS',
          StackStatusReason: 'User Initiated',
          CreationTime: new Date('2021-04-13T10:00:00Z'),
          LastUpdatedTime: new Date('2021-09-20T08:00:00Z'),
        },
      ],
    });
    const inspector = createCloudFormationInspector({
      clientFor: () => new CloudFormationClient({ region: 'eu-central-1' }),
    });

    // Act
    const described = await inspector.describe(ARN);

    // Assess
    expect(cloudFormation).toHaveReceivedCommandExactlyOnceWith(DescribeStacksCommand, { StackName: ARN });
    expect(described).toEqual({
      exists: true,
      status: 'DELETE_IN_PROGRESS',
      statusReason: 'User Initiated',
      lastUpdatedAt: Date.parse('2021-09-20T08:00:00Z'),
      statusSince: null,
    });
    expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStackEventsCommand, 0);
  });

  it(
    'dates a finished stack by its stack event (DescribeStackEvents), so that a lost completion closes at its ' +
      'real time',
    async () => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).resolves({
        Stacks: [
          {
            StackId: ARN,
            StackName: 'trustsource-core-prod',
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: new Date('2021-04-13T10:00:00Z'),
            LastUpdatedTime: new Date('2021-09-21T19:05:00Z'),
          },
        ],
      });
      // The SDK types ResourceStatus without the stack-only statuses the API does return for the stack itself.
      const stackEvent = (
        status: string,
        time: string,
        resourceType = 'AWS::CloudFormation::Stack',
        physical = ARN,
      ): StackEvent => ({
        StackId: ARN,
        EventId: `${status}-${time}`,
        StackName: 'trustsource-core-prod',
        LogicalResourceId:
          resourceType === 'AWS::CloudFormation::Stack' ? 'trustsource-core-prod' : 'ScanAnalysisFunction',
        PhysicalResourceId: physical,
        ResourceType: resourceType,
        ResourceStatus: status as ResourceStatus,
        Timestamp: new Date(time),
      });
      cloudFormation.on(DescribeStackEventsCommand).resolves({
        StackEvents: [
          stackEvent('UPDATE_COMPLETE', '2021-09-21T19:41:07Z'),
          stackEvent('DELETE_COMPLETE', '2021-09-21T19:41:05Z', 'AWS::Lambda::Function', 'old-function'),
          stackEvent('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', '2021-09-21T19:07:00Z'),
          stackEvent('UPDATE_IN_PROGRESS', '2021-09-21T19:05:00Z'),
        ],
      });
      const inspector = createCloudFormationInspector({
        clientFor: () => new CloudFormationClient({ region: 'eu-central-1' }),
      });

      // Act
      const described = await inspector.describe(ARN);

      // Assess
      expect(described).toMatchObject({
        exists: true,
        status: 'UPDATE_COMPLETE',
        statusSince: Date.parse('2021-09-21T19:41:07Z'),
      });
      expect(cloudFormation).toHaveReceivedCommandExactlyOnceWith(DescribeStackEventsCommand, { StackName: ARN });
    },
  );

  it.each([
    ['answers that the stack does not exist', () => cloudFormation.on(DescribeStacksCommand).rejects(notFound())],
    [
      'shows it deleted',
      () =>
        cloudFormation.on(DescribeStacksCommand).resolves({
          Stacks: [{ StackId: ARN, StackName: 'x', StackStatus: 'DELETE_COMPLETE', CreationTime: new Date() }],
        }),
    ],
  ])('reports a stack gone when CloudFormation %s', async (_case, answer) => {
    answer();
    const inspector = createCloudFormationInspector({
      clientFor: () => new CloudFormationClient({ region: 'eu-central-1' }),
    });
    expect(await inspector.describe(ARN)).toEqual({ exists: false });
  });

  it("asks CloudFormation in the stack's own region, one client per region", async () => {
    // Prepare
    const clientFor = cloudFormationClients();
    const tokyo = ARN.replace(/eu-central-1/g, 'ap-northeast-1');

    // Act
    const regions = await Promise.all([clientFor(ARN).config.region(), clientFor(tokyo).config.region()]);

    // Assess
    expect(regions).toEqual(['eu-central-1', 'ap-northeast-1']);
    expect(clientFor(ARN)).toBe(clientFor(ARN));
    expect(() => clientFor('not-an-arn')).toThrow('not a stack ARN: not-an-arn');
  });

  it('lets other errors (throttling, access) through, so that the caller retries', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    const inspector = createCloudFormationInspector({
      clientFor: () => new CloudFormationClient({ region: 'eu-central-1', maxAttempts: 1 }),
    });
    await expect(inspector.describe(ARN)).rejects.toThrow('Rate exceeded');
  });
});

describe('factsOf', () => {
  const described = (stack: Partial<Stack>) => () =>
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackId: ARN, StackName: 'x', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), ...stack }],
    });

  it(`reads the ${SERVICE_TAG} tag once per stack`, async () => {
    // Prepare
    described({
      Tags: [
        { Key: 'team', Value: 'scan' },
        { Key: SERVICE_TAG, Value: ' payments ' },
      ],
    })();
    const inspector = createCloudFormationInspector({
      clientFor: () => new CloudFormationClient({ region: 'eu-central-1' }),
    });

    // Act
    const first = await inspector.factsOf(ARN);
    const second = await inspector.factsOf(ARN);

    // Assess
    expect([first, second]).toEqual([
      { serviceTag: 'payments', mutedByTag: false, rootStackId: null },
      { serviceTag: 'payments', mutedByTag: false, rootStackId: null },
    ]);
    expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStacksCommand, 1);
    expect(cloudFormation).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: ARN });
  });

  it.each([
    ['true', true],
    ['sandbox until 2026-12-31', true],
    ['', true],
    ['FALSE', false],
    [' false ', false],
  ])(`reads a ${MUTE_TAG} tag of value '%s' as muted: %s`, async (value, muted) => {
    described({ Tags: [{ Key: MUTE_TAG, Value: value }] })();
    const inspector = createCloudFormationInspector({
      clientFor: () => new CloudFormationClient({ region: 'eu-central-1' }),
    });
    expect((await inspector.factsOf(ARN)).mutedByTag).toBe(muted);
  });

  it("reads a nested stack's root from RootId, and none for a root", async () => {
    // Prepare
    const nested = ARN.replace('trustsource-core-prod', 'trustsource-core-prod-ScanStack-1ABCDEF');
    cloudFormation
      .on(DescribeStacksCommand, { StackName: nested })
      .resolves({
        Stacks: [
          {
            StackId: nested,
            StackName: 'n',
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
            ParentId: ARN,
            RootId: ARN,
          },
        ],
      })
      .on(DescribeStacksCommand, { StackName: ARN })
      .resolves({
        Stacks: [{ StackId: ARN, StackName: 'x', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
      });
    const inspector = createCloudFormationInspector({
      clientFor: () => new CloudFormationClient({ region: 'eu-central-1' }),
    });

    // Act
    const ofNested = await inspector.factsOf(nested);
    const ofRoot = await inspector.factsOf(ARN);

    // Assess
    expect(ofNested.rootStackId).toBe(ARN);
    expect(ofRoot.rootStackId).toBeNull();
  });

  it.each([
    ['has no such tag', described({ Tags: [] })],
    ['is gone', () => cloudFormation.on(DescribeStacksCommand).rejects(notFound())],
  ])('knows nothing of a stack that %s', async (_case, answer) => {
    answer();
    const inspector = createCloudFormationInspector({
      clientFor: () => new CloudFormationClient({ region: 'eu-central-1' }),
    });
    expect(await inspector.factsOf(ARN)).toEqual({ serviceTag: null, mutedByTag: false, rootStackId: null });
  });
});

describe('resourcesInProgress', () => {
  it(
    "asks DescribeStackResources with the stack's client and keeps the resources in progress, oldest " + 'first',
    async () => {
      // Prepare
      cloudFormation.on(DescribeStackResourcesCommand).resolves({
        StackResources: [
          {
            StackName: 'trustsource-core-prod',
            LogicalResourceId: 'ScanQueue',
            ResourceType: 'AWS::SQS::Queue',
            ResourceStatus: 'DELETE_COMPLETE',
            Timestamp: new Date('2021-09-21T19:09:10Z'),
          },
          {
            StackName: 'trustsource-core-prod',
            LogicalResourceId: 'ScanAnalysisFunction',
            PhysicalResourceId: 'trustsource-core-prod-ScanAnalysisFunction-64ALSUP8LGD5',
            ResourceType: 'AWS::Lambda::Function',
            ResourceStatus: 'DELETE_IN_PROGRESS',
            ResourceStatusReason:
              'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.',
            Timestamp: new Date('2021-09-21T19:09:22Z'),
          },
          {
            StackName: 'trustsource-core-prod',
            LogicalResourceId: 'Api',
            ResourceType: 'AWS::ApiGateway::RestApi',
            ResourceStatus: 'DELETE_IN_PROGRESS',
            Timestamp: new Date('2021-09-21T19:09:05Z'),
          },
        ],
      });
      const asked: string[] = [];
      const inspector = createCloudFormationInspector({
        clientFor: (stackId) => {
          asked.push(stackId);
          return new CloudFormationClient({ region: 'eu-central-1' });
        },
      });

      // Act
      const resources = await inspector.resourcesInProgress?.(ARN);

      // Assess
      expect(cloudFormation).toHaveReceivedCommandWith(DescribeStackResourcesCommand, { StackName: ARN });
      expect(asked).toEqual([ARN]);
      expect(resources).toEqual([
        {
          logicalResourceId: 'Api',
          physicalResourceId: '',
          resourceType: 'AWS::ApiGateway::RestApi',
          status: 'DELETE_IN_PROGRESS',
          statusReason: '',
          since: Date.parse('2021-09-21T19:09:05Z'),
        },
        {
          logicalResourceId: 'ScanAnalysisFunction',
          physicalResourceId: 'trustsource-core-prod-ScanAnalysisFunction-64ALSUP8LGD5',
          resourceType: 'AWS::Lambda::Function',
          status: 'DELETE_IN_PROGRESS',
          statusReason:
            'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.',
          since: Date.parse('2021-09-21T19:09:22Z'),
        },
      ]);
    },
  );
});
