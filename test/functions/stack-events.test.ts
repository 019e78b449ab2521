import { readFileSync } from 'node:fs';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidEventError } from '../../shared/domain/cfn-event.ts';
import { stackArn, stackEvent } from '../support/events.ts';
import { sharedPath, unmaskedSample } from '../support/shared-files.ts';
import {
  captureLogs,
  lambdaContext,
  loadLambdas,
  LOGS_AND_METRICS,
  mockedAws,
  quietly,
  TOPIC_ARN,
} from './lambda-harness.ts';

const aws = mockedAws();
const { sns, cloudFormation, eventBridge } = aws;
const context = lambdaContext('cfn-watchdog-StackEventsFunction');
// The real capture's account id is masked; a 12-digit one stands in for it.
const sample = (file: string): unknown =>
  JSON.parse(unmaskedSample(readFileSync(sharedPath('events-samples', file), 'utf8')));

const scan = {
  name: 'trustsource-scan-prod',
  account: '123456789012',
  region: 'eu-central-1',
  uuid: 'c3348cd2-1b12-11ec-b0a7-06d21c93e4f7',
};

beforeEach(() => {
  aws.reset();
  cloudFormation.on(DescribeStacksCommand).callsFake(({ StackName }: { StackName: string }) => ({
    Stacks: [
      {
        StackId: StackName,
        StackName: StackName.split('/')[1],
        StackStatus: 'CREATE_IN_PROGRESS',
        CreationTime: new Date('2021-04-13T10:00:00Z'),
        Tags: [],
      },
    ],
  }));
  vi.useFakeTimers({ toFake: ['Date'] });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('stack-events handler', () => {
  it(
    'takes the events AWS publishes as they are: status changes applied, resources recorded, drift ' + 'ignored',
    async () => {
      // Prepare
      const { stackEvents, store } = await loadLambdas();
      const inputs = [
        sample('aws-docs-stack-status-change-CREATE_COMPLETE.json'),
        sample('aws-docs-resource-status-change-CREATE_COMPLETE.json'),
        sample('aws-docs-drift-detection-status-change-DRIFTED.json'),
        ...(sample('real-capture-stack-status-2022.json') as unknown[]),
      ];

      // Act: each arrives a second after it happened (the samples span years).
      const outcomes = [];
      for (const input of inputs) {
        vi.setSystemTime(Date.parse((input as { time: string }).time) + 1000);
        outcomes.push(await stackEvents.handler(input, context));
      }

      // Assess
      expect(outcomes.map((outcome) => outcome.kind)).toEqual([
        'applied',
        'recorded',
        'ignored',
        'applied',
        'applied',
        'applied',
      ]);
      const docsStack = 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack';
      // Both at 18:43:48: within a second the timeline lists resources first (its sort key).
      expect((await store.stackHistory(docsStack)).map((event) => `${event.kind} ${event.status}`)).toEqual([
        'resource-status CREATE_COMPLETE',
        'stack-status CREATE_COMPLETE',
      ]);
      // The service tag is read once per stack, for status changes only; nothing was worth a page.
      expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStacksCommand, 2);
      expect(cloudFormation).toHaveReceivedNthCommandWith(DescribeStacksCommand, 1, { StackName: docsStack });
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    },
  );

  it('maps a stack to the service of its cfn-watchdog:service tag before the name rules', async () => {
    // Prepare
    const { stackEvents } = await loadLambdas({ WATCHDOG_SERVICE_RULES: 'scanner=^trustsource-scan-' });
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackId: stackArn(scan),
          StackName: scan.name,
          StackStatus: 'CREATE_IN_PROGRESS',
          CreationTime: new Date(),
          Tags: [{ Key: 'cfn-watchdog:service', Value: 'payments' }],
        },
      ],
    });

    vi.setSystemTime(new Date('2021-09-21T19:33:15Z'));

    // Act
    const outcome = await stackEvents.handler(
      stackEvent(scan, '2021-09-21T19:33:14Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      context,
    );

    // Assess
    expect(outcome).toMatchObject({
      kind: 'applied',
      key: { account: '123456789012', region: 'eu-central-1', service: 'payments' },
    });
  });

  it('keeps an event more than 7 days late in the timeline and leaves the rules alone', async () => {
    // Prepare
    const { stackEvents, store } = await loadLambdas();
    vi.setSystemTime(new Date('2021-09-28T19:33:15Z'));

    // Act
    const outcome = await stackEvents.handler(
      stackEvent(scan, '2021-09-21T19:33:14Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      context,
    );

    // Assess
    expect(outcome).toEqual({ kind: 'too-late' });
    expect((await store.stackHistory(stackArn(scan))).map((event) => event.status)).toEqual(['CREATE_IN_PROGRESS']);
    expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStacksCommand, 0);
  });

  it('publishes FAILED at once, with the subject, body and attributes subscribers filter on', async () => {
    // Prepare
    const { stackEvents } = await loadLambdas({ WATCHDOG_SERVICE_RULES: 'trustsource-core=^trustsource-(core|scan)-' });
    vi.setSystemTime(new Date('2021-09-21T19:33:15Z'));
    await stackEvents.handler(
      stackEvent(scan, '2021-09-21T19:33:14Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      context,
    );
    vi.setSystemTime(new Date('2021-09-21T19:35:33Z'));

    // Act
    const outcome = await stackEvents.handler(
      stackEvent(
        scan,
        '2021-09-21T19:35:32Z',
        'ROLLBACK_COMPLETE',
        'The following resource(s) failed to create: [ScanQueue].',
      ),
      context,
    );

    // Assess
    expect(outcome).toMatchObject({ kind: 'applied', notifications: [{ severity: 'FAILED' }] });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      Subject: '[FAILED] CREATE of trustsource-scan-prod failed: ROLLBACK_COMPLETE (trustsource-core, eu-central-1)',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'FAILED' },
        service: { DataType: 'String', StringValue: 'trustsource-core' },
        stackName: { DataType: 'String', StringValue: 'trustsource-scan-prod' },
        account: { DataType: 'String', StringValue: '123456789012' },
        region: { DataType: 'String', StringValue: 'eu-central-1' },
        operation: { DataType: 'String', StringValue: 'CREATE' },
      },
    });
    const message = sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '';
    expect(message).toContain(
      'Status:     ROLLBACK_COMPLETE (The following resource(s) failed to create: [ScanQueue].)',
    );
    expect(message).toContain('Elapsed:    2 min (as of 2021-09-21T19:35:33Z)');
    expect(message).toContain(
      `https://eu-central-1.console.aws.amazon.com/cloudformation/home?region=eu-central-1#/stacks/events?stackId=` +
        `${encodeURIComponent(stackArn(scan))}`,
    );
  });

  it('throws a failed publish so the event is retried, and the sweeper sends it once after the lease', async () => {
    // Prepare
    const { stackEvents, sweeper } = await loadLambdas();
    sns.on(PublishCommand).rejectsOnce(new Error('Rate exceeded')).resolves({ MessageId: 'message-2' });
    vi.setSystemTime(new Date('2021-09-21T19:33:15Z'));
    await stackEvents.handler(stackEvent(scan, '2021-09-21T19:33:14Z', 'CREATE_IN_PROGRESS'), context);
    vi.setSystemTime(new Date('2021-09-21T19:35:33Z'));

    // Act
    // Powertools warns that the failed invocation published no metrics, even with them off.
    const failure = quietly(() =>
      stackEvents.handler(stackEvent(scan, '2021-09-21T19:35:32Z', 'ROLLBACK_COMPLETE'), context),
    );
    await expect(failure).rejects.toThrow('Rate exceeded');
    const retried = await stackEvents.handler(stackEvent(scan, '2021-09-21T19:35:32Z', 'ROLLBACK_COMPLETE'), context);
    vi.setSystemTime(new Date('2021-09-21T19:36:00Z'));
    const early = await sweeper.handleSweep();
    vi.setSystemTime(new Date('2021-09-21T19:38:00Z'));
    const afterLease = await sweeper.handleSweep();
    vi.setSystemTime(new Date('2021-09-21T19:39:00Z'));
    const later = await sweeper.handleSweep();

    // Assess
    expect(retried.kind).toBe('duplicate');
    expect([early, afterLease, later].map((result) => result.notifications.map((sent) => sent.severity))).toEqual([
      [],
      ['FAILED'],
      [],
    ]);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
  });

  it("puts FAILED on the watchdog's bus after the page; a refused PutEvents does not fail the event", async () => {
    // Prepare
    const { stackEvents, sweeper } = await loadLambdas({
      ...LOGS_AND_METRICS,
      WATCHDOG_EVENT_BUS_NAME: 'prod-watchdog-watchdog-events',
    });
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not authorized' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-2' }] });
    vi.setSystemTime(new Date('2021-09-21T19:33:15Z'));
    await stackEvents.handler(stackEvent(scan, '2021-09-21T19:33:14Z', 'CREATE_IN_PROGRESS'), context);
    vi.setSystemTime(new Date('2021-09-21T19:35:33Z'));
    const logs = captureLogs();

    // Act
    const outcome = await stackEvents.handler(stackEvent(scan, '2021-09-21T19:35:32Z', 'ROLLBACK_COMPLETE'), context);
    vi.setSystemTime(new Date('2021-09-21T19:37:00Z'));
    await sweeper.handleSweep();
    vi.setSystemTime(new Date('2021-09-21T19:38:00Z'));
    await sweeper.handleSweep();
    logs.restore();

    // Assess
    expect(outcome).toMatchObject({ kind: 'applied', notifications: [{ severity: 'FAILED' }] });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    // The failure opened an impact window too: its events are the sweeper's, left out here.
    const entries = eventBridge
      .commandCalls(PutEventsCommand)
      .map((call) => call.args[0].input.Entries)
      .filter((put) => put?.[0]?.DetailType?.startsWith('Deployment'));
    expect(entries).toHaveLength(2);
    expect(entries[1]).toEqual(entries[0]?.map((entry) => ({ ...entry, Detail: expect.any(String) })));
    expect(entries[0]).toEqual([
      {
        EventBusName: 'prod-watchdog-watchdog-events',
        Source: 'cfn-watchdog',
        DetailType: 'Deployment Escalated',
        Detail: expect.stringContaining('"severity":"FAILED"'),
        Resources: [stackArn(scan)],
      },
    ]);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'pages sent; their events are left for the sweeper to put on the bus',
        error: expect.stringContaining('AccessDeniedException not authorized'),
      }),
    );
  });

  it('logs a malformed event with its id and the field at fault, then throws it', async () => {
    // Prepare
    const { stackEvents } = await loadLambdas(LOGS_AND_METRICS);
    const input = stackEvent(scan, '2021-09-21T19:33:14Z', 'CREATE_IN_PROGRESS', '', 'broken-event-1');
    delete (input.detail['status-details'] as { status?: string }).status;
    const logs = captureLogs();

    // Act
    const result = stackEvents.handler(input, context);

    // Assess
    // The handler module was loaded afresh, so its error class is not this file's: compare by name.
    await expect(result).rejects.toMatchObject({ name: InvalidEventError.name, field: 'detail.status-details.status' });
    logs.restore();
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'malformed CloudFormation event: thrown so that it is retried and dead-lettered',
        eventId: 'broken-event-1',
        field: 'detail.status-details.status',
      }),
    );
    expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStacksCommand, 0);
  });

  it("logs an event whose account is not its stack ARN's with its id, then throws it (dead-lettered)", async () => {
    // Prepare: a sender in 210987654321 writes a stack ARN of 123456789012 in the detail.
    const { stackEvents, store } = await loadLambdas(LOGS_AND_METRICS);
    const input = {
      ...stackEvent(scan, '2021-09-21T19:33:14Z', 'UPDATE_ROLLBACK_IN_PROGRESS', '', 'forged-event-1'),
      account: '210987654321',
    };
    vi.setSystemTime(new Date('2021-09-21T19:33:15Z'));
    const logs = captureLogs();

    // Act
    const result = stackEvents.handler(input, context);

    // Assess
    await expect(result).rejects.toMatchObject({
      name: InvalidEventError.name,
      field: 'account',
      message: 'account: expected 123456789012, the account of detail.stack-id, got "210987654321"',
    });
    logs.restore();
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'malformed CloudFormation event: thrown so that it is retried and dead-lettered',
        eventId: 'forged-event-1',
        field: 'account',
      }),
    );
    expect(await store.stackHistory(stackArn(scan))).toEqual([]);
    expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStacksCommand, 0);
  });
});

describe('stack-events handler with nested stacks', () => {
  const core = {
    name: 'core-prod',
    account: '123456789012',
    region: 'eu-central-1',
    uuid: '0a1b2c3d-0000-11ef-8c2a-0a1b2c3d4e5f',
  };
  const nested = {
    name: 'core-prod-ScanStack-1N2E3S4T5E6D',
    account: '123456789012',
    region: 'eu-central-1',
    uuid: '0a1b2c3d-1111-11ef-8c2a-0a1b2c3d4e5f',
  };

  it(
    "puts a nested stack in its root's service (DescribeStacks RootId, then the root's tags) and sends nothing " +
      'for it',
    async () => {
      // Prepare
      const { stackEvents, store } = await loadLambdas();
      cloudFormation
        .on(DescribeStacksCommand, { StackName: stackArn(nested) })
        .resolves({
          Stacks: [
            {
              StackId: stackArn(nested),
              StackName: nested.name,
              StackStatus: 'CREATE_FAILED',
              CreationTime: new Date(),
              ParentId: stackArn(core),
              RootId: stackArn(core),
              Tags: [],
            },
          ],
        })
        .on(DescribeStacksCommand, { StackName: stackArn(core) })
        .resolves({
          Stacks: [
            {
              StackId: stackArn(core),
              StackName: core.name,
              StackStatus: 'ROLLBACK_IN_PROGRESS',
              CreationTime: new Date(),
              Tags: [{ Key: 'cfn-watchdog:service', Value: 'core' }],
            },
          ],
        });
      vi.setSystemTime(new Date('2024-03-05T11:00:10Z'));

      await stackEvents.handler(
        stackEvent(core, '2024-03-05T11:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
        context,
      );

      // Act
      const started = await stackEvents.handler(
        stackEvent(nested, '2024-03-05T11:00:03Z', 'CREATE_IN_PROGRESS'),
        context,
      );
      const failed = await stackEvents.handler(
        stackEvent(
          nested,
          '2024-03-05T11:00:09Z',
          'ROLLBACK_COMPLETE',
          'The following resource(s) failed to create: [ScanQueue].',
        ),
        context,
      );

      // Assess
      expect([started, failed]).toMatchObject([
        { kind: 'applied', key: { service: 'core' }, notifications: [] },
        { kind: 'applied', key: { service: 'core' }, notifications: [] },
      ]);
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
      expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStacksCommand, 2);
      const { stacks } = await store.loadService({ account: '123456789012', region: 'eu-central-1', service: 'core' });
      expect(
        stacks
          .filter((stack) => stack.rootStackId !== null)
          .map((stack) => [stack.stackId, stack.mutedByTag, stack.rootStackId]),
      ).toEqual([[stackArn(nested), false, stackArn(core)]]);
      expect(stacks.flatMap((stack) => stack.claims)).toMatchObject([
        { severity: 'FAILED', delivery: { state: 'suppressed', why: 'nested' } },
      ]);
    },
  );
});

describe('stack-events handler metrics', () => {
  it(
    'emits EventLag and Notifications by severity in the Embedded Metric Format, in the cfn-watchdog ' + 'namespace',
    async () => {
      // Prepare
      const { stackEvents } = await loadLambdas(LOGS_AND_METRICS);
      vi.setSystemTime(new Date('2021-09-21T19:33:44Z'));
      await quietly(() =>
        stackEvents.handler(stackEvent(scan, '2021-09-21T19:33:14Z', 'CREATE_IN_PROGRESS', 'User Initiated'), context),
      );
      const logs = captureLogs();

      // Act
      try {
        await stackEvents.handler(
          stackEvent(
            scan,
            '2021-09-21T19:33:24Z',
            'ROLLBACK_COMPLETE',
            'The following resource(s) failed to create: [ScanQueue].',
          ),
          context,
        );
      } finally {
        logs.restore();
      }

      // Assess
      const emf = logs.lines().filter((line) => '_aws' in line);
      const metric = (name: string) => emf.find((line) => name in line);
      expect(metric('EventLag')).toMatchObject({
        EventLag: 20,
        service: 'cfn-watchdog',
        _aws: { CloudWatchMetrics: [{ Namespace: 'cfn-watchdog', Metrics: [{ Name: 'EventLag', Unit: 'Seconds' }] }] },
      });
      expect(metric('Notifications')).toMatchObject({
        Notifications: 1,
        severity: 'FAILED',
        _aws: { CloudWatchMetrics: [{ Namespace: 'cfn-watchdog', Dimensions: [['service', 'severity']] }] },
      });
    },
  );
});
