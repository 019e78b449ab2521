/**
 * template.yaml's EventBridge rules on the watchdog's bus, run through moto: each rule's own event
 * pattern and its target's input transformer, resolved as CloudFormation would deploy them, into
 * an SQS queue instead of their real target (an API destination, a response plan, OpsCenter), so
 * that a test reads what the target would have received. The sample events are
 * events/escalations/.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { expect, inject } from 'vitest';
import { readTemplate } from '../../scripts/cfn-template.ts';
import { resolve, type Deployment } from './resource-policy.ts';
import { REPO_ROOT } from './shared-files.ts';

const REGION = 'eu-central-1';
/** moto's account: the events it delivers carry it, and the rules' patterns name the watchdog's. */
export const MOTO_ACCOUNT = '123456789012';

export interface SampleEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

export const readRepoJson = (file: string): unknown => JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
export const escalatedSample = readRepoJson('events/escalations/deployment-escalated.json') as SampleEvent;
export const resolvedSample = readRepoJson('events/escalations/deployment-resolved.json') as SampleEvent;

/** A sample with some detail fields changed: a WARNING, a FAILED, a reminder. */
export const variant = (event: SampleEvent, detail: Record<string, unknown>): SampleEvent => ({
  ...event,
  detail: { ...event.detail, ...detail },
});

/** template.yaml deployed in moto's account and region with `parameters`. */
export function motoDeployment(parameters: Record<string, string>): Deployment {
  const template = readTemplate(path.join(REPO_ROOT, 'template.yaml'));
  return { template, stackName: 'cfn-watchdog', accountId: MOTO_ACCOUNT, region: REGION, parameters };
}

export interface InputTransformer {
  InputPathsMap: Record<string, string>;
  InputTemplate: string;
}

/** A rule's pattern and its target's transformer (if any) as CloudFormation would deploy them. */
export function deployedRule(
  deployment: Deployment,
  id: string,
): { EventPattern: unknown; InputTransformer?: InputTransformer } {
  const properties = deployment.template.Resources[id]?.Properties ?? {};
  const [target] = properties.Targets as Array<Record<string, unknown>>;
  return {
    EventPattern: resolve(deployment, properties.EventPattern),
    InputTransformer: resolve(deployment, target?.InputTransformer) as InputTransformer | undefined,
  };
}

const clientConfig = () => ({
  endpoint: inject('motoEndpoint'),
  region: REGION,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

/** A bus of its own on moto with some of the template's rules, all into one queue. */
export interface RoutedBus {
  readonly client: EventBridgeClient;
  readonly busName: string;
  /** What the queue received so far, each body parsed. */
  received(): Promise<unknown[]>;
}

/**
 * Creates a bus of its own (moto is shared by the suites) with the rules `ids` of `deployment`,
 * each into one queue instead of its real target.
 *
 * @example
 * const bus = await busWithRules(motoDeployment({ PagerDutyRoutingKey: KEY }), ['PagerDutyWarningRule']);
 */
export async function busWithRules(deployment: Deployment, ids: readonly string[]): Promise<RoutedBus> {
  const client = new EventBridgeClient(clientConfig());
  const sqs = new SQSClient(clientConfig());
  const busName = `rules-${randomUUID()}`;
  await client.send(new CreateEventBusCommand({ Name: busName }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `rules-${randomUUID()}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  for (const id of ids) {
    const rule = deployedRule(deployment, id);
    await client.send(
      new PutRuleCommand({ Name: id, EventBusName: busName, EventPattern: JSON.stringify(rule.EventPattern) }),
    );
    await client.send(
      new PutTargetsCommand({
        Rule: id,
        EventBusName: busName,
        Targets: [{ Id: id, Arn: Attributes?.QueueArn, InputTransformer: rule.InputTransformer }],
      }),
    );
  }
  return {
    client,
    busName,
    async received() {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      return (Messages ?? []).map((message) => JSON.parse(message.Body ?? 'null') as unknown);
    },
  };
}

/**
 * Puts `event` on a bus of its own that has the rules `ids`, all into one queue, and answers what
 * the queue received, each body parsed.
 *
 * @example
 * const deployment = motoDeployment({ OpsCenterForFailures: 'true' });
 * const bodies = await deliverThroughRules(deployment, ['OpsCenterRule'], failedSample);
 */
export async function deliverThroughRules(
  deployment: Deployment,
  ids: readonly string[],
  event: SampleEvent,
): Promise<unknown[]> {
  const bus = await busWithRules(deployment, ids);
  const { FailedEntryCount } = await bus.client.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: bus.busName,
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
        },
      ],
    }),
  );
  expect(FailedEntryCount).toBe(0);
  return bus.received();
}
