/**
 * The recovery hand-off end to end against moto's EventBridge: the watchdog runs the seed
 * incident in virtual time and publishes through the real SDK client; a rule with the pattern
 * the README documents (events/recovery/) delivers to an SQS queue, where the test reads them.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { createEventBridgePublisher } from '../../shared/adapters/eventbridge-publisher.ts';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { configFromText } from '../../shared/domain/config.ts';
import { freshStore } from '../support/dynamodb.ts';
import { REPO_ROOT } from '../support/shared-files.ts';
import { runInVirtualTime, seedIncident, watchdog } from '../support/watchdog.ts';
import { seedWindowClosedDetail } from '../support/window-events.ts';

const REGION = 'eu-central-1';
const clientConfig = () => ({
  endpoint: inject('motoEndpoint'),
  region: REGION,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});
const documentedPattern = readFileSync(
  path.join(REPO_ROOT, 'events/recovery/impact-window-closed.pattern.json'),
  'utf8',
);

interface DeliveredEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

/** A bus of its own (moto is shared by the suites) and a queue behind a rule with `pattern`. */
async function busWithRule(
  pattern: string,
): Promise<{ busName: string; queueUrl: string; sqs: SQSClient; eventBridge: EventBridgeClient }> {
  const eventBridge = new EventBridgeClient(clientConfig());
  const sqs = new SQSClient(clientConfig());
  const busName = `recovery-${randomUUID()}`;
  await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `reprocess-${randomUUID()}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await eventBridge.send(
    new PutRuleCommand({ Name: 'reprocess-after-window', EventBusName: busName, EventPattern: pattern }),
  );
  await eventBridge.send(
    new PutTargetsCommand({
      Rule: 'reprocess-after-window',
      EventBusName: busName,
      Targets: [{ Id: 'reprocess', Arn: Attributes?.QueueArn }],
    }),
  );
  return { busName, queueUrl: QueueUrl as string, sqs, eventBridge };
}

async function drain(sqs: SQSClient, queueUrl: string): Promise<DeliveredEvent[]> {
  const events: DeliveredEvent[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!Messages || Messages.length === 0) return events;
    events.push(...Messages.map((message) => JSON.parse(message.Body ?? '{}') as DeliveredEvent));
  }
}

describe('window events through EventBridge (moto)', () => {
  it(
    "delivers the seed incident's one Impact Window Closed, 19:09–20:07, to the queue of the documented " + 'rule',
    async () => {
      // Prepare
      const { busName, queueUrl, sqs, eventBridge } = await busWithRule(documentedPattern);
      const { store } = await freshStore();
      const dog = watchdog(store, {
        now: '2021-09-21T19:09:00Z',
        config: configFromText({ serviceRules: ['trustsource-core=^trustsource-(core|scan)-'] }),
      });
      const deps = {
        ...dog.deps,
        windowEvents: createEventBridgePublisher({ client: eventBridge, eventBusName: busName }),
      };

      // Act
      await runInVirtualTime({ ...dog, deps }, seedIncident(), '2021-09-21T20:30:00Z');

      // Assess
      const delivered = await drain(sqs, queueUrl);
      expect(delivered.map((event) => [event.source, event['detail-type']])).toEqual([
        ['cfn-watchdog', 'Impact Window Closed'],
      ]);
      expect(delivered[0]?.detail).toEqual(seedWindowClosedDetail());
    },
  );

  it('delivers Opened before Closed to a rule that takes both, each once, when every event arrives twice', async () => {
    // Prepare
    const pattern = JSON.stringify({
      source: ['cfn-watchdog'],
      'detail-type': ['Impact Window Opened', 'Impact Window Closed'],
    });
    const { busName, queueUrl, sqs, eventBridge } = await busWithRule(pattern);
    const { store } = await freshStore();
    const dog = watchdog(store, {
      now: '2021-09-21T19:09:00Z',
      config: configFromText({ serviceRules: ['trustsource-core=^trustsource-(core|scan)-'] }),
    });
    const deps = {
      ...dog.deps,
      windowEvents: createEventBridgePublisher({ client: eventBridge, eventBusName: busName }),
    };

    // Act
    await runInVirtualTime({ ...dog, deps }, seedIncident(), '2021-09-21T20:30:00Z', (event) =>
      Promise.all([applyEvent(event, deps), applyEvent(event, deps)]),
    );

    // Assess
    const delivered = await drain(sqs, queueUrl);
    expect(delivered.map((event) => [event['detail-type'], event.detail.start, event.detail.end])).toEqual([
      ['Impact Window Opened', '2021-09-21T19:09:00Z', null],
      ['Impact Window Closed', '2021-09-21T19:09:00Z', '2021-09-21T20:07:00Z'],
    ]);
  });

  it("delivers nothing to the documented rule when it names another account than the watchdog's", async () => {
    // Prepare: the documented pattern, for window events put by another account (a forger's).
    const pattern = JSON.stringify({
      ...(JSON.parse(documentedPattern) as Record<string, unknown>),
      account: ['999999999999'],
    });
    const { busName, queueUrl, sqs, eventBridge } = await busWithRule(pattern);
    const { store } = await freshStore();
    const dog = watchdog(store, {
      now: '2021-09-21T19:09:00Z',
      config: configFromText({ serviceRules: ['trustsource-core=^trustsource-(core|scan)-'] }),
    });
    const publisher = createEventBridgePublisher({ client: eventBridge, eventBusName: busName });
    const published: string[] = [];
    const windowEvents: typeof publisher = {
      publish: async (event) => {
        published.push(event.detailType);
        return publisher.publish(event);
      },
    };
    const deps = { ...dog.deps, windowEvents };

    // Act
    await runInVirtualTime({ ...dog, deps }, seedIncident(), '2021-09-21T20:30:00Z');

    // Assess: the watchdog (moto's account 123456789012) published, and the rule let none through.
    expect(published).toEqual(['Impact Window Opened', 'Impact Window Closed']);
    expect(await drain(sqs, queueUrl)).toEqual([]);
  });
});
