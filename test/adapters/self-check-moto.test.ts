/**
 * The self-check's AWS probe and ops notifier with the real SDK clients against moto: a real
 * table, alerts topic, bus and key, each broken in turn as it breaks in production, and the page
 * read back from the ops topic through an SQS subscription.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, DeleteEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, DisableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { createAwsResourceProbe } from '../../shared/adapters/aws-resource-probe.ts';
import { createDynamoDbStore, ensureTable } from '../../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient } from '../../shared/adapters/embedded-dynamodb.ts';
import { createSnsOpsNotifier } from '../../shared/adapters/sns-notifier.ts';
import { silentLog } from '../../shared/app/log.ts';
import type { WatchdogStore } from '../../shared/app/ports.ts';
import { selfCheck, type SelfCheckResult } from '../../shared/app/self-check.ts';
import { t } from '../support/states.ts';

const REGION = 'eu-central-1';
const NOW = t('06:00');
const clientConfig = () => ({
  endpoint: inject('motoEndpoint'),
  region: REGION,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

interface Watchdog {
  readonly run: () => Promise<SelfCheckResult>;
  readonly store: WatchdogStore;
  /** What the ops topic delivered, read from a queue subscribed to it. */
  readonly opsMessages: () => Promise<string[]>;
  readonly breakIt: Readonly<Record<string, () => Promise<unknown>>>;
}

/** The watchdog's resources of its own in moto (shared by the suites), a sweep completed a minute ago. */
async function deployedWatchdog(): Promise<Watchdog> {
  const id = randomUUID();
  const dynamodb = localDynamoDbClient(inject('motoEndpoint'));
  const sns = new SNSClient(clientConfig());
  const sqs = new SQSClient(clientConfig());
  const eventBridge = new EventBridgeClient(clientConfig());
  const kms = new KMSClient(clientConfig());
  const tableName = `watchdog-${id}`;
  await ensureTable(dynamodb, tableName);
  const store = createDynamoDbStore({ client: dynamodb, tableName });
  await store.recordSweepHeartbeat(NOW - 60_000);
  const { TopicArn: alerts } = await sns.send(new CreateTopicCommand({ Name: `alerts-${id}` }));
  const { TopicArn: ops } = await sns.send(new CreateTopicCommand({ Name: `ops-${id}` }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `ops-${id}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: ops,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  const busName = `recovery-${id}`;
  await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'cfn-watchdog test key' }));
  const keyId = KeyMetadata?.Arn as string;
  // moto answers DisableKey and ScheduleKeyDeletion only by the key's id, not its ARN.
  const bareKeyId = KeyMetadata?.KeyId as string;

  const probe = createAwsResourceProbe({
    dynamodb,
    tableName,
    sns,
    topicArn: alerts as string,
    eventBridge,
    eventBusName: busName,
    kms,
    keyId,
  });
  return {
    store,
    run: () =>
      selfCheck({
        probe,
        store,
        ops: createSnsOpsNotifier({ client: sns, topicArn: ops as string }),
        clock: () => NOW,
        log: silentLog,
      }),
    async opsMessages() {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      return (Messages ?? []).map((message) => message.Body ?? '');
    },
    breakIt: {
      'the alerts topic deleted': () => sns.send(new DeleteTopicCommand({ TopicArn: alerts })),
      'the key disabled': () => kms.send(new DisableKeyCommand({ KeyId: bareKeyId })),
      'the key scheduled for deletion': () =>
        kms.send(new ScheduleKeyDeletionCommand({ KeyId: bareKeyId, PendingWindowInDays: 7 })),
      'the bus deleted': () => eventBridge.send(new DeleteEventBusCommand({ Name: busName })),
      'the table deleted': () => dynamodb.send(new DeleteTableCommand({ TableName: tableName })),
    },
  };
}

describe('the self-check against moto', () => {
  it('sends nothing when the table, topic, bus and key are there and a sweep completed a minute ago', async () => {
    // Prepare
    const watchdog = await deployedWatchdog();

    // Act
    const result = await watchdog.run();

    // Assess
    expect(result.checks.filter((check) => !check.ok)).toEqual([]);
    expect(result.sent).toBeNull();
    expect(await watchdog.opsMessages()).toEqual([]);
  });

  it.each([
    ['the alerts topic deleted', ['alerts topic']],
    ['the key disabled', ['key']],
    ['the key scheduled for deletion', ['key']],
    ['the bus deleted', ['window-events bus']],
    // The heartbeat and the stacks muted by their tag are in the table: they cannot be read either.
    ['the table deleted', ['table', 'sweep heartbeat', 'muted stacks']],
  ])('pages the ops topic once with %s, naming what failed', async (breakage, failed) => {
    // Prepare
    const watchdog = await deployedWatchdog();
    await watchdog.breakIt[breakage]?.();

    // Act
    const result = await watchdog.run();

    // Assess
    const [message, ...more] = await watchdog.opsMessages();
    expect(more).toEqual([]);
    const failedLines = (message ?? '').split('\n').filter((line) => line.startsWith('FAILED '));
    expect(failedLines.map((line) => line.slice('FAILED '.length).split(':')[0])).toEqual(failed);
    expect(result.sent?.text).toBe(message);
  });

  it("says the key's state and its deletion date", async () => {
    // Prepare
    const watchdog = await deployedWatchdog();
    await watchdog.breakIt['the key scheduled for deletion']?.();

    // Act
    const result = await watchdog.run();

    // Assess
    expect(result.sent?.text).toMatch(
      new RegExp(
        String.raw`^FAILED key: key arn:aws:kms:eu-central-1:\d{12}:key/[0-9a-f-]+ is PendingDeletion, ` +
          String.raw`to be deleted at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`,
        'm',
      ),
    );
  });

  it(
    'tells the ops topic once of a stack newly muted by its tag, from the store, and not again the ' + 'next day',
    async () => {
      // Prepare: what the stack-events function keeps when it sees the tag.
      const watchdog = await deployedWatchdog();
      const stackId =
        'arn:aws:cloudformation:eu-central-1:123456789012:stack/payments-sandbox/00000000-0000-4000-8000-000000000001';
      const key = { account: '123456789012', region: 'eu-central-1', service: 'payments' };
      await watchdog.store.keepMutedByTag({ key, stackId, stackName: 'payments-sandbox', since: NOW - 3_600_000 });

      // Act
      const first = await watchdog.run();
      const second = await watchdog.run();

      // Assess
      const messages = await watchdog.opsMessages();
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain('payments-sandbox');
      expect(first.sent?.text).toBe(messages[0]);
      expect(second.sent).toBeNull();
    },
  );
});
