/**
 * `cfn-watchdog redrive` against moto: a deployed watchdog stack (its outputs and parameters), its
 * dead-letter queue holding both senders' messages and two that cannot be applied, and the table
 * the events are applied to.
 */
import { randomUUID } from 'node:crypto';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { ensureTable } from '../../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient } from '../../shared/adapters/embedded-dynamodb.ts';
import { createDynamoDbTable } from '../../shared/adapters/item-table.ts';
import {
  eventBridgeAttributes,
  lambdaFailureRecord,
  RESOURCE_SAMPLE,
  sampleEvent,
  STACK_SAMPLE,
} from '../support/dead-letters.ts';
import { expectOneLine, runCli } from './harness.ts';

const REGION = 'eu-central-1';
/** Six minutes after the stack sample's DELETE_IN_PROGRESS: the events are on time. */
const NOW = '2021-09-21T19:15:00Z';
const aws = () => ({
  endpoint: inject('motoEndpoint'),
  region: REGION,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

const STACK_EVENT_ID = '5873c14b-68a1-4a59-a972-dc2c26f8dccf';
const RESOURCE_EVENT_ID = 'd9ea9855-ede1-4cb7-bcd9-36050c9d5757';
const INVALID_TIME = { ...sampleEvent(STACK_SAMPLE), id: 'bad-time', time: 'yesterday' };
const NOT_JSON = 'this is not an event';

/** The parameters template.yaml declares, as `sam deploy` would have set them. */
const PARAMETERS = {
  Thresholds: '*=20m/40m',
  ServiceRules: 'trustsource-core=^trustsource-(core|scan)-',
  Grace: '60m',
  RepeatCriticalEvery: '',
  MutedStacks: '',
  EventBusName: 'default',
  OrganizationId: '',
};

interface Deployment {
  readonly stackName: string;
  readonly queueUrl: string;
  readonly sqs: SQSClient;
  readonly scanTable: () => Promise<string>;
  /** The flags that point a command at moto and the watchdog stack. */
  readonly where: string[];
  /** The same, and JSON output. */
  readonly flags: string[];
}

async function deploy(): Promise<Deployment> {
  const id = randomUUID().slice(0, 8);
  const sqs = new SQSClient(aws());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `cfn-watchdog-dlq-${id}` }));
  const { TopicArn } = await new SNSClient(aws()).send(new CreateTopicCommand({ Name: `cfn-watchdog-alerts-${id}` }));
  const tableName = `cfn-watchdog-table-${id}`;
  const dynamoDb = localDynamoDbClient(inject('motoEndpoint'), REGION);
  await ensureTable(dynamoDb, tableName);
  const stackName = `cfn-watchdog-${id}`;
  const template = {
    Parameters: Object.fromEntries(Object.keys(PARAMETERS).map((name) => [name, { Type: 'String', Default: '' }])),
    Resources: { Placeholder: { Type: 'AWS::SQS::Queue' } },
    Outputs: {
      TableName: { Value: tableName },
      TopicArn: { Value: TopicArn },
      DeadLetterQueueUrl: { Value: QueueUrl },
    },
  };
  await new CloudFormationClient(aws()).send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: JSON.stringify(template),
      Parameters: Object.entries(PARAMETERS).map(([key, value]) => ({ ParameterKey: key, ParameterValue: value })),
    }),
  );
  const table = createDynamoDbTable({ client: dynamoDb, tableName });
  return {
    stackName,
    queueUrl: QueueUrl as string,
    sqs,
    scanTable: async () => JSON.stringify(await table.scanAll()),
    where: [...atMoto(), '--watchdog-stack', stackName],
    flags: [...atMoto(), '--watchdog-stack', stackName, '--format', 'json'],
  };
}

const atMoto = (): string[] => ['--endpoint', inject('motoEndpoint'), '--aws-region', REGION];

const attributesOf = (attributes: Record<string, string>): Record<string, MessageAttributeValue> =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );

/** The four messages: EventBridge's, Lambda's, one whose event does not parse, one that is not JSON. */
async function fillQueue({ sqs, queueUrl }: Deployment): Promise<Record<string, string>> {
  const send = async (body: string, attributes: Record<string, string> = {}): Promise<string> => {
    const { MessageId } = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: attributesOf(attributes) }),
    );
    return MessageId as string;
  };
  return {
    eventBridge: await send(JSON.stringify(sampleEvent(STACK_SAMPLE)), eventBridgeAttributes()),
    lambda: await send(JSON.stringify(lambdaFailureRecord(sampleEvent(RESOURCE_SAMPLE)))),
    invalid: await send(JSON.stringify(lambdaFailureRecord(INVALID_TIME))),
    notJson: await send(NOT_JSON),
  };
}

async function visibleCount({ sqs, queueUrl }: Deployment): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages);
}

/** The bodies left in the queue (received, so hidden from then on: the last look of a test). */
async function bodiesLeft({ sqs, queueUrl }: Deployment): Promise<string[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return (Messages ?? []).map((message) => message.Body ?? '').sort();
}

interface MessageJson {
  readonly messageId: string;
  readonly kind: string | null;
  readonly eventId: string | null;
  readonly stack: string | null;
  readonly status: string | null;
  readonly time: string | null;
  readonly failure: string | null;
  readonly problem: string | null;
  readonly outcome?: string;
  readonly deleted?: boolean;
  readonly why?: string | null;
}

/** Each named message's outcome and whether it was deleted. */
const outcomeByName = (ids: Record<string, string>, outcomes: Record<string, MessageJson>) =>
  Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, [outcomes[id]?.outcome, outcomes[id]?.deleted]]));

const byId = (messages: readonly MessageJson[]): Record<string, MessageJson> =>
  Object.fromEntries(messages.map((message) => [message.messageId, message]));

describe('cfn-watchdog redrive list', () => {
  it("lists both senders' messages, why they failed and whether they parse, and leaves them visible", async () => {
    // Prepare
    const deployment = await deploy();
    const ids = await fillQueue(deployment);

    // Act
    const run = await runCli(['redrive', 'list', ...deployment.flags], NOW);

    // Assess
    expect([run.status, run.stderr]).toEqual([0, '']);
    const listed = byId((JSON.parse(run.stdout) as { messages: MessageJson[] }).messages);
    expect(Object.keys(listed).sort()).toEqual(Object.values(ids).sort());
    expect(listed[ids.eventBridge as string]).toMatchObject({
      kind: 'eventbridge',
      eventId: STACK_EVENT_ID,
      stack: 'trustsource-core-prod',
      status: 'DELETE_IN_PROGRESS',
      time: '2021-09-21T19:09:00Z',
      failure: 'THROTTLING: Rate exceeded (MaximumRetryAttempts after 4 attempts)',
      problem: null,
    });
    expect(listed[ids.lambda as string]).toMatchObject({
      kind: 'lambda-destination',
      eventId: RESOURCE_EVENT_ID,
      stack: 'trustsource-core-prod',
      status: 'DELETE_IN_PROGRESS',
      failure: 'InvalidEventError: time: expected … (RetriesExhausted after 3 attempts)',
      problem: null,
    });
    expect(listed[ids.invalid as string]).toMatchObject({
      kind: 'lambda-destination',
      eventId: 'bad-time',
      stack: 'trustsource-core-prod',
    });
    expect(listed[ids.invalid as string]?.problem).toMatch(/^time: expected an ISO-8601 time/);
    expect(listed[ids.notJson as string]).toMatchObject({ kind: null, eventId: null });
    expect(listed[ids.notJson as string]?.problem).toMatch(/^body: expected JSON/);
    expect(await visibleCount(deployment)).toBe(4);
  });

  it('takes the queue from --queue-url alone, and stops at --max', async () => {
    // Prepare
    const deployment = await deploy();
    await fillQueue(deployment);

    // Act
    const run = await runCli(['redrive', 'list', ...atMoto(), '--queue-url', deployment.queueUrl, '--max', '2'], NOW);

    // Assess
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect((JSON.parse(run.stdout) as { queue: string; messages: MessageJson[] }).messages).toHaveLength(2);
    expect(await visibleCount(deployment)).toBe(4);
  });
});

describe('cfn-watchdog redrive show', () => {
  it('shows one message with its attributes and the event unwrapped from the Lambda record', async () => {
    // Prepare
    const deployment = await deploy();
    const ids = await fillQueue(deployment);

    // Act
    const lambda = await runCli(['redrive', 'show', ids.lambda as string, ...deployment.where], NOW);
    const eventBridge = await runCli(['redrive', 'show', ids.eventBridge as string, ...deployment.where], NOW);

    // Assess
    expect([lambda.status, lambda.stderr]).toEqual([0, '']);
    expect(JSON.parse(lambda.stdout)).toMatchObject({
      messageId: ids.lambda,
      kind: 'lambda-destination',
      event: sampleEvent(RESOURCE_SAMPLE),
    });
    expect(JSON.parse(eventBridge.stdout)).toMatchObject({
      attributes: eventBridgeAttributes(),
      event: sampleEvent(STACK_SAMPLE),
    });
    expect(await visibleCount(deployment)).toBe(4);
  });

  it('exits 1 naming the message when the queue does not hold it', async () => {
    // Prepare
    const deployment = await deploy();
    await fillQueue(deployment);

    // Act
    const run = await runCli(['redrive', 'show', 'no-such-message', ...deployment.where], NOW);

    // Assess
    expect(run.status).toBe(1);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain('no message no-such-message among the 4 messages of');
  });
});

describe('cfn-watchdog redrive apply', () => {
  it('with --dry-run says what would be applied, and writes and deletes nothing', async () => {
    // Prepare
    const deployment = await deploy();
    const ids = await fillQueue(deployment);

    // Act
    const run = await runCli(['redrive', 'apply', '--dry-run', ...deployment.flags], NOW);

    // Assess
    expect([run.status, run.stderr]).toEqual([1, '']);
    const outcomes = byId((JSON.parse(run.stdout) as { messages: MessageJson[] }).messages);
    expect(outcomeByName(ids, outcomes)).toEqual({
      eventBridge: ['would-apply', false],
      lambda: ['would-apply', false],
      invalid: ['invalid', false],
      notJson: ['unrecognised', false],
    });
    expect(await deployment.scanTable()).toBe('[]');
    expect(await visibleCount(deployment)).toBe(4);
  });

  it("applies both senders' events to the table, deletes them, and keeps the two it cannot apply", async () => {
    // Prepare
    const deployment = await deploy();
    const ids = await fillQueue(deployment);

    // Act
    const run = await runCli(['redrive', 'apply', ...deployment.flags], NOW);

    // Assess
    expect([run.status, run.stderr]).toEqual([1, '']);
    const outcomes = byId((JSON.parse(run.stdout) as { messages: MessageJson[] }).messages);
    expect(outcomeByName(ids, outcomes)).toEqual({
      eventBridge: ['applied', true],
      lambda: ['recorded', true],
      invalid: ['invalid', false],
      notJson: ['unrecognised', false],
    });
    expect(outcomes[ids.invalid as string]?.why).toMatch(/^time: expected an ISO-8601 time/);
    const table = await deployment.scanTable();
    expect(table).toContain(STACK_EVENT_ID);
    expect(table).toContain(RESOURCE_EVENT_ID);
    expect(table).toContain('trustsource-core');
    expect(await bodiesLeft(deployment)).toEqual([JSON.stringify(lambdaFailureRecord(INVALID_TIME)), NOT_JSON].sort());
  });

  it('applies nothing twice: a second run finds only the two it kept', async () => {
    // Prepare
    const deployment = await deploy();
    await fillQueue(deployment);
    await runCli(['redrive', 'apply', ...deployment.flags], NOW);
    const tableAfterFirst = await deployment.scanTable();

    // Act
    const run = await runCli(['redrive', 'apply', ...deployment.flags], NOW);

    // Assess
    expect(run.status).toBe(1);
    const { messages } = JSON.parse(run.stdout) as { messages: MessageJson[] };
    const outcomes = messages.map((message) => message.outcome).sort();
    expect(outcomes).toEqual(['invalid', 'unrecognised']);
    expect(await deployment.scanTable()).toBe(tableAfterFirst);
  });

  it('exits 0 when every message was applied and deleted', async () => {
    // Prepare
    const deployment = await deploy();
    const body = JSON.stringify(sampleEvent(STACK_SAMPLE));
    await deployment.sqs.send(new SendMessageCommand({ QueueUrl: deployment.queueUrl, MessageBody: body }));

    // Act
    const run = await runCli(['redrive', 'apply', ...deployment.flags], NOW);

    // Assess
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(await visibleCount(deployment)).toBe(0);
  });

  it('prints a table with --format table: each message, why it failed and what became of it', async () => {
    // Prepare
    const deployment = await deploy();
    const ids = await fillQueue(deployment);

    // Act
    const run = await runCli(['redrive', 'apply', ...deployment.where, '--format', 'table'], NOW);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^Re-applied from \S+: 4 messages, 2 deleted, 2 kept\n/);
    for (const id of Object.values(ids)) expect(run.stdout).toContain(id);
    for (const text of ['applied, deleted', 'recorded, deleted', 'invalid, kept', 'unrecognised, kept', 'THROTTLING']) {
      expect(run.stdout).toContain(text);
    }
  });

  it('exits 2 naming the queue when --queue-url names none', async () => {
    // Act
    const queueUrl = `${inject('motoEndpoint')}/123456789012/none`;
    const run = await runCli(['redrive', 'list', ...atMoto(), '--queue-url', queueUrl]);

    // Assess
    expect(run.status).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain('/123456789012/none not found in');
  });

  it.each([
    [['redrive', 'apply', '--queue-url', 'http://localhost:1/q'], 'redrive apply: give --watchdog-stack NAME'],
    [['redrive', 'list'], 'redrive list: say which queue: --queue-url URL, or --watchdog-stack NAME'],
    [['redrive', 'list', '--queue-url', 'http://localhost:1/q', '--max', '0'], '--max: expected a whole number'],
  ])('exits 2 with one line for %j', async (argv, message) => {
    // Act
    const run = await runCli([...argv, '--endpoint', inject('motoEndpoint'), '--aws-region', REGION]);

    // Assess
    expect(run.status).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(message);
  });
});
