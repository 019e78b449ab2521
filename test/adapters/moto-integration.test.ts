/**
 * The SNS notifier and the CloudFormation inspector with the real SDK clients against real
 * protocol endpoints (moto_server, started by test/global-setup.ts): what subscribers receive (a
 * queue: the event JSON of `MessageStructure: json`'s sqs key),
 * filter policies on `severity`, and DescribeStacks' real answers for tags, statuses and deleted
 * stacks.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it, vi } from 'vitest';
import {
  cloudFormationClients,
  createCloudFormationInspector,
} from '../../shared/adapters/cloudformation-inspector.ts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { createSnsNotifier } from '../../shared/adapters/sns-notifier.ts';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import { viewOperations } from '../../shared/domain/operation-view.ts';
import { freshStore } from '../support/dynamodb.ts';
import { iso } from '../support/states.ts';
import { stackStatus, watchdog } from '../support/watchdog.ts';
import { notification } from '../support/notifications.ts';
import { REPO_ROOT } from '../support/shared-files.ts';

const REGION = 'eu-central-1';
const validateEscalation = new Ajv2020.default({ allErrors: true }).compile(
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs/escalation-event.schema.json'), 'utf8')) as object,
);
const clientConfig = () => ({
  endpoint: inject('motoEndpoint'),
  region: REGION,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

const TEMPLATE = JSON.stringify({
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': '${AWS::StackName}-queue' } } },
  },
});

/** A queue subscribed to the topic (raw delivery, so the body is the message itself) with an optional filter policy. */
async function subscribedQueue(
  sns: SNSClient,
  sqs: SQSClient,
  topicArn: string,
  filterPolicy?: Record<string, string[]>,
): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `alerts-${randomUUID()}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: {
        RawMessageDelivery: 'true',
        ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : {}),
      },
    }),
  );
  return QueueUrl as string;
}

async function received(sqs: SQSClient, queueUrl: string): Promise<{ body: string; severity: string | undefined }[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 0,
    }),
  );
  return (Messages ?? []).map((message) => ({
    body: message.Body ?? '',
    severity: message.MessageAttributes?.severity?.StringValue,
  }));
}

describe('SNS notifier against moto', () => {
  it('delivers each alert to a queue as event JSON with attributes; a WARNING-only one gets no CRITICAL', async () => {
    // Prepare
    const sns = new SNSClient(clientConfig());
    const sqs = new SQSClient(clientConfig());
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `cfn-watchdog-${randomUUID()}` }));
    const everything = await subscribedQueue(sns, sqs, TopicArn as string);
    const warningsOnly = await subscribedQueue(sns, sqs, TopicArn as string, { severity: ['WARNING'] });
    const notifier = createSnsNotifier({ client: sns, topicArn: TopicArn as string });

    // Act
    await notifier.publish(notification({ severity: 'WARNING', elapsedMs: 20 * 60_000 }));
    await notifier.publish(notification());

    // Assess
    const all = await received(sqs, everything);
    expect(all.map((message) => message.severity).sort()).toEqual(['CRITICAL', 'WARNING']);
    // A queue is a program: the sqs message, not the e-mail's text (escalation-event.ts).
    const critical = JSON.parse(all.find((message) => message.severity === 'CRITICAL')?.body ?? '{}');
    expect(critical).toMatchObject({
      source: 'cfn-watchdog',
      'detail-type': 'Deployment Escalated',
      detail: { severity: 'CRITICAL', stackName: 'trustsource-core-prod', elapsedSeconds: 2400 },
    });
    expect(validateEscalation(critical), JSON.stringify(validateEscalation.errors)).toBe(true);
    const filtered = await received(sqs, warningsOnly);
    expect(filtered.map((message) => message.severity)).toEqual(['WARNING']);
  });
});

describe('CloudFormation inspector against moto', () => {
  it(
    'reads the cfn-watchdog tags and the status from real DescribeStacks answers, and sees a deleted stack as ' +
      'gone',
    async () => {
      // Prepare
      const cloudFormation = new CloudFormationClient(clientConfig());
      const name = `scan-${randomUUID().slice(0, 8)}`;
      const { StackId } = await cloudFormation.send(
        new CreateStackCommand({
          StackName: name,
          TemplateBody: TEMPLATE,
          Tags: [
            { Key: 'cfn-watchdog:service', Value: 'trustsource-core' },
            { Key: 'cfn-watchdog:mute', Value: 'true' },
          ],
        }),
      );
      const untagged = await cloudFormation.send(
        new CreateStackCommand({ StackName: `${name}-plain`, TemplateBody: TEMPLATE }),
      );
      const inspector = createCloudFormationInspector({ clientFor: () => cloudFormation });

      // Act
      const tagged = await inspector.factsOf(StackId as string);
      const plain = await inspector.factsOf(untagged.StackId as string);
      const created = await inspector.describe(StackId as string);
      await cloudFormation.send(new DeleteStackCommand({ StackName: StackId }));
      const deleted = await inspector.describe(StackId as string);

      // Assess
      expect(tagged).toEqual({ serviceTag: 'trustsource-core', mutedByTag: true, rootStackId: null });
      expect(plain).toEqual({ serviceTag: null, mutedByTag: false, rootStackId: null });
      expect(created).toMatchObject({ exists: true, status: 'CREATE_COMPLETE' });
      expect(deleted).toEqual({ exists: false });
    },
  );

  it('dates a finished update by its stack event from DescribeStackEvents', async () => {
    // Prepare
    const cloudFormation = new CloudFormationClient(clientConfig());
    const name = `api-${randomUUID().slice(0, 8)}`;
    const { StackId } = await cloudFormation.send(new CreateStackCommand({ StackName: name, TemplateBody: TEMPLATE }));
    await cloudFormation.send(
      new UpdateStackCommand({ StackName: StackId, TemplateBody: TEMPLATE, Tags: [{ Key: 'team', Value: 'api' }] }),
    );
    const inspector = createCloudFormationInspector({ clientFor: () => cloudFormation });

    // Act
    const described = await inspector.describe(StackId as string);

    // Assess
    expect(described).toMatchObject({ exists: true, status: 'UPDATE_COMPLETE' });
    expect(described.exists && typeof described.statusSince).toBe('number');
  });
});

describe('sweep confirming with CloudFormation (moto)', () => {
  it(
    'closes an operation whose completion event was lost when the real DescribeStacks says it finished, and pages ' +
      'nobody',
    async () => {
      // Prepare: moto created the stack (CREATE_COMPLETE), but only its CREATE_IN_PROGRESS reached the watchdog.
      const cloudFormation = new CloudFormationClient(clientConfig());
      const name = `orders-${randomUUID().slice(0, 8)}`;
      const { StackId } = await cloudFormation.send(
        new CreateStackCommand({
          StackName: name,
          TemplateBody: TEMPLATE,
          Tags: [{ Key: 'cfn-watchdog:service', Value: 'orders' }],
        }),
      );
      const { store } = await freshStore();
      const inspector = createCloudFormationInspector({ clientFor: () => cloudFormation });
      const dog = watchdog(store, { now: iso('10:00'), inspector, stacks: inspector });
      const created = stackStatus({ name, region: REGION }, iso('10:00'), 'CREATE_IN_PROGRESS', 'User Initiated');
      const outcome = await applyEvent({ ...created, stackId: StackId as string }, dog.deps);

      // Act
      dog.clock.set(iso('10:20'));
      const swept = await sweep(dog.deps);

      // Assess
      expect(outcome).toMatchObject({ kind: 'applied', key: { service: 'orders' } });
      expect(swept.notifications).toEqual([]);
      const { stacks } = await store.loadService({ account: '123456789012', region: REGION, service: 'orders' });
      expect(
        viewOperations(stacks, dog.clock.now, DEFAULT_CONFIG).map(({ operation }) => [
          operation.state,
          operation.state === 'ended' ? operation.finalStatus : null,
        ]),
      ).toEqual([['ended', 'CREATE_COMPLETE']]);
      // Nothing left to escalate or send (moto dates the completion by the wall clock, so its
      // windows are derived once the virtual clock gets there: no assertion on that).
      expect(stacks.flatMap((stack) => stack.claims)).toEqual([]);
    },
  );
});

describe('CloudFormation inspector across an organisation (moto STS and CloudFormation)', () => {
  const MEMBER = '111111111111';
  const ROLE = 'cfn-watchdog-read';

  /** What the forwarder's read role would give: a client acting in the member account. */
  function memberAccountClient(): CloudFormationClient {
    return new CloudFormationClient({
      ...clientConfig(),
      credentials: fromTemporaryCredentials({
        params: { RoleArn: `arn:aws:iam::${MEMBER}:role/${ROLE}`, RoleSessionName: 'test-setup' },
        clientConfig: { endpoint: inject('motoEndpoint'), region: REGION, credentials: clientConfig().credentials },
      }),
    });
  }

  it("asks about a member account's stack through its read role, and about its own with its own role", async () => {
    // Prepare: a stack in the member account and one in the watchdog's; the SDK finds moto through AWS_ENDPOINT_URL.
    vi.stubEnv('AWS_ENDPOINT_URL', inject('motoEndpoint'));
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    const name = `member-${randomUUID().slice(0, 8)}`;
    const member = await memberAccountClient().send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: TEMPLATE,
        Tags: [{ Key: 'cfn-watchdog:service', Value: 'payments' }],
      }),
    );
    const home = await new CloudFormationClient(clientConfig()).send(
      new CreateStackCommand({ StackName: `${name}-home`, TemplateBody: TEMPLATE }),
    );
    const access = { roleName: ROLE, externalId: undefined, homeAccount: '123456789012', homeRegion: REGION };

    try {
      // Act
      const organisation = createCloudFormationInspector({ clientFor: cloudFormationClients(access) });
      const single = createCloudFormationInspector({ clientFor: cloudFormationClients(null) });
      const memberFacts = await organisation.factsOf(member.StackId as string);
      const homeDescribed = await organisation.describe(home.StackId as string);
      const memberWithoutRole = await single.describe(member.StackId as string);

      // Assess
      expect(member.StackId).toContain(`:${MEMBER}:stack/`);
      expect(memberFacts).toEqual({ serviceTag: 'payments', mutedByTag: false, rootStackId: null });
      expect(homeDescribed).toMatchObject({ exists: true, status: 'CREATE_COMPLETE' });
      // Without the role the member's stack is not there to see: the role is what reaches it.
      expect(memberWithoutRole).toEqual({ exists: false });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
