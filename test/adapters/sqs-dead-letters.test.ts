/**
 * Faults at the SQS boundary during a redrive: a DeleteMessageBatch that refuses one entry, and
 * one that fails whole. The events are applied to a real table (dynalite); SQS is mocked, and the
 * exact commands are asserted.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqsDeadLetterQueue } from '../../shared/adapters/sqs-dead-letters.ts';
import { ALL_SEEN_RECEIVES_TO_STOP, redriveDeadLetters } from '../../shared/app/redrive.ts';
import { freshStore } from '../support/dynamodb.ts';
import {
  eventBridgeAttributes,
  lambdaFailureRecord,
  RESOURCE_SAMPLE,
  ROLLBACK_SAMPLE,
  sampleEvent,
  STACK_SAMPLE,
} from '../support/dead-letters.ts';
import { watchdog } from '../support/watchdog.ts';

const QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/cfn-watchdog-EventsDeadLetterQueue-AbC';
const sqs = mockClient(SQSClient);

afterEach(() => {
  sqs.reset();
});

const stringAttributes = (attributes: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );

/** Three applicable messages: EventBridge's, Lambda's, EventBridge's. */
const MESSAGES = [
  {
    MessageId: 'msg-1',
    ReceiptHandle: 'rh-1',
    Body: JSON.stringify(sampleEvent(STACK_SAMPLE)),
    MessageAttributes: stringAttributes(eventBridgeAttributes()),
  },
  {
    MessageId: 'msg-2',
    ReceiptHandle: 'rh-2',
    Body: JSON.stringify(lambdaFailureRecord(sampleEvent(RESOURCE_SAMPLE))),
  },
  { MessageId: 'msg-3', ReceiptHandle: 'rh-3', Body: JSON.stringify(sampleEvent(ROLLBACK_SAMPLE)) },
];

async function redrive() {
  const { store } = await freshStore();
  const dog = watchdog(store, { now: '2021-09-21T19:40:00Z' });
  const queue = createSqsDeadLetterQueue({ client: new SQSClient({ region: 'eu-central-1' }), queueUrl: QUEUE_URL });
  return redriveDeadLetters(queue, dog.deps, { max: 100, dryRun: false, clock: dog.deps.clock });
}

describe('redrive through SQS when a delete fails', () => {
  it('reports the entry DeleteMessageBatch refused, keeps it, and releases it with its receipt handle', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: MESSAGES }).resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({
      Successful: [{ Id: 'm0' }, { Id: 'm2' }],
      Failed: [
        { Id: 'm1', Code: 'ReceiptHandleIsInvalid', Message: 'The receipt handle has expired', SenderFault: true },
      ],
    });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: 'm0' }], Failed: [] });

    // Act
    const { entries, notReleased } = await redrive();

    // Assess
    expect(entries.map((entry) => [entry.messageId, entry.outcome, entry.deleted, entry.why])).toEqual([
      ['msg-1', 'applied', true, null],
      ['msg-2', 'recorded', false, 'applied, but not deleted: ReceiptHandleIsInvalid: The receipt handle has expired'],
      ['msg-3', 'applied', true, null],
    ]);
    expect(notReleased).toEqual([]);
    expect(sqs.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input)).toEqual([
      {
        QueueUrl: QUEUE_URL,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 300,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      },
      expect.objectContaining({ QueueUrl: QUEUE_URL, VisibilityTimeout: 300 }),
    ]);
    expect(sqs.commandCalls(DeleteMessageBatchCommand).map((call) => call.args[0].input)).toEqual([
      {
        QueueUrl: QUEUE_URL,
        Entries: [
          { Id: 'm0', ReceiptHandle: 'rh-1' },
          { Id: 'm1', ReceiptHandle: 'rh-2' },
          { Id: 'm2', ReceiptHandle: 'rh-3' },
        ],
      },
    ]);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, Entries: [{ Id: 'm0', ReceiptHandle: 'rh-2', VisibilityTimeout: 0 }] },
    ]);
  });

  it('keeps every message of a batch whose DeleteMessageBatch failed whole, naming the error', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: MESSAGES.slice(0, 2) })
      .resolves({ Messages: [] });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    sqs.on(DeleteMessageBatchCommand).rejects(throttled);
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: 'm0' }, { Id: 'm1' }], Failed: [] });

    // Act
    const { entries } = await redrive();

    // Assess
    expect(entries.map((entry) => [entry.messageId, entry.deleted, entry.why])).toEqual([
      ['msg-1', false, 'applied, but not deleted: ThrottlingException: Rate exceeded'],
      ['msg-2', false, 'applied, but not deleted: ThrottlingException: Rate exceeded'],
    ]);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((call) => call.args[0].input.Entries)).toEqual([
      [
        { Id: 'm0', ReceiptHandle: 'rh-1', VisibilityTimeout: 0 },
        { Id: 'm1', ReceiptHandle: 'rh-2', VisibilityTimeout: 0 },
      ],
    ]);
  });

  it('stops when the queue answers only messages it has seen, and releases them with the latest handle', async () => {
    // Prepare: a message kept (not JSON) comes back, as from a queue whose timeout is shorter than the pass.
    const kept = { MessageId: 'msg-9', Body: 'not an event' };
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ ...kept, ReceiptHandle: 'rh-first' }] })
      .resolves({ Messages: [{ ...kept, ReceiptHandle: 'rh-again' }] });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: 'm0' }], Failed: [] });

    // Act
    const { entries } = await redrive();

    // Assess
    expect(entries.map((entry) => [entry.messageId, entry.outcome, entry.deleted])).toEqual([
      ['msg-9', 'unrecognised', false],
    ]);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1 + ALL_SEEN_RECEIVES_TO_STOP);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, Entries: [{ Id: 'm0', ReceiptHandle: 'rh-again', VisibilityTimeout: 0 }] },
    ]);
  });

  it('goes on past a receive of seen messages only, to the unseen one behind them', async () => {
    // Prepare: the kept message comes back once before a message the pass has not seen yet.
    const kept = { MessageId: 'msg-9', Body: 'not an event' };
    const behind = { MessageId: 'msg-10', Body: 'not an event either' };
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ ...kept, ReceiptHandle: 'rh-first' }] })
      .resolvesOnce({ Messages: [{ ...kept, ReceiptHandle: 'rh-again' }] })
      .resolvesOnce({ Messages: [{ ...behind, ReceiptHandle: 'rh-behind' }] })
      .resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: 'm0' }, { Id: 'm1' }], Failed: [] });

    // Act
    const { entries } = await redrive();

    // Assess
    expect(entries.map((entry) => entry.messageId)).toEqual(['msg-9', 'msg-10']);
  });
});
