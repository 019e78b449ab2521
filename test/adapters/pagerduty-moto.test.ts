/**
 * The PagerDuty route of template.yaml (issue 17) through moto's EventBridge: each PagerDuty rule's
 * own event pattern and input transformer, read from the template with a routing key substituted,
 * delivers to an SQS queue instead of the API destination; the bodies must be Events API v2
 * events (test/fixtures/pagerduty/events-v2.schema.json, written from PagerDuty's documentation)
 * carrying the mapping: severity, action, and the operation's dedupKey as dedup_key.
 *
 * moto applies InputTransformer itself (InputPathsMap by JSONPath, then the <name> placeholders of
 * InputTemplate), so this is EventBridge's transformation as moto emulates it. It does not escape
 * a value with a quote in it, as EventBridge does: no sample here has one.
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
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, inject, it } from 'vitest';
import { readTemplate } from '../../scripts/cfn-template.ts';
import { resolve, type Deployment } from '../support/resource-policy.ts';
import { REPO_ROOT } from '../support/shared-files.ts';

const REGION = 'eu-central-1';
/** moto's account: the events it delivers carry it, and the rules' patterns name the watchdog's. */
const MOTO_ACCOUNT = '123456789012';
const ROUTING_KEY = 'R0123456789ABCDEF0123456789abcde';
const RULES = ['PagerDutyWarningRule', 'PagerDutyCriticalRule', 'PagerDutyResolvedRule'] as const;

const read = (file: string): unknown => JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
const validate = new Ajv2020.default({ allErrors: true }).compile(
  read('test/fixtures/pagerduty/events-v2.schema.json') as object,
);

const deployment: Deployment = {
  template: readTemplate(path.join(REPO_ROOT, 'template.yaml')),
  stackName: 'cfn-watchdog',
  accountId: MOTO_ACCOUNT,
  region: REGION,
  parameters: { PagerDutyRoutingKey: ROUTING_KEY },
};

interface RuleTarget {
  readonly EventPattern: unknown;
  readonly InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
}

/** A rule's pattern and its target's transformer as CloudFormation would deploy them. */
function deployedRule(id: (typeof RULES)[number]): RuleTarget {
  const properties = deployment.template.Resources[id]?.Properties ?? {};
  const [target] = properties.Targets as Array<Record<string, unknown>>;
  return {
    EventPattern: resolve(deployment, properties.EventPattern),
    InputTransformer: resolve(deployment, target?.InputTransformer) as RuleTarget['InputTransformer'],
  };
}

interface SampleEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}
const escalated = read('events/escalations/deployment-escalated.json') as SampleEvent;
const resolved = read('events/escalations/deployment-resolved.json') as SampleEvent;
const variant = (event: SampleEvent, detail: Record<string, unknown>): SampleEvent => ({
  ...event,
  detail: { ...event.detail, ...detail },
});

const clientConfig = () => ({
  endpoint: inject('motoEndpoint'),
  region: REGION,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

/** The three rules on a bus of their own (moto is shared by the suites), all into one queue. */
async function pagerDutyRoute(): Promise<{
  busName: string;
  queueUrl: string;
  sqs: SQSClient;
  events: EventBridgeClient;
}> {
  const events = new EventBridgeClient(clientConfig());
  const sqs = new SQSClient(clientConfig());
  const busName = `pagerduty-${randomUUID()}`;
  await events.send(new CreateEventBusCommand({ Name: busName }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `pagerduty-${randomUUID()}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  for (const id of RULES) {
    const rule = deployedRule(id);
    await events.send(
      new PutRuleCommand({ Name: id, EventBusName: busName, EventPattern: JSON.stringify(rule.EventPattern) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: id,
        EventBusName: busName,
        Targets: [{ Id: 'PagerDuty', Arn: Attributes?.QueueArn, InputTransformer: rule.InputTransformer }],
      }),
    );
  }
  return { busName, queueUrl: QueueUrl as string, sqs, events };
}

async function deliver(event: SampleEvent): Promise<Array<Record<string, unknown>>> {
  const { busName, queueUrl, sqs, events } = await pagerDutyRoute();
  const { FailedEntryCount } = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: busName,
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
        },
      ],
    }),
  );
  expect(FailedEntryCount).toBe(0);
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return (Messages ?? []).map((message) => JSON.parse(message.Body ?? 'null') as Record<string, unknown>);
}

describe('the PagerDuty rules of template.yaml, through EventBridge (moto)', () => {
  it.each([
    ['the CRITICAL sample', escalated, 'trigger', 'critical'],
    ['a WARNING', variant(escalated, { severity: 'WARNING' }), 'trigger', 'warning'],
    ['a FAILED', variant(escalated, { severity: 'FAILED', status: 'DELETE_FAILED' }), 'trigger', 'critical'],
    ['a CRITICAL reminder', variant(escalated, { reminder: 2 }), 'trigger', 'critical'],
    ['the RESOLVED sample', resolved, 'resolve', undefined],
  ])(
    'turns %s into one valid Events API v2 event with its action, severity and dedup_key',
    async (_, event, action, severity) => {
      // Act
      const bodies = await deliver(event);

      // Assess
      expect(bodies).toHaveLength(1);
      const body = bodies[0] ?? {};
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      expect(body.event_action).toBe(action);
      expect(body.routing_key).toBe(ROUTING_KEY);
      expect(body.dedup_key).toBe(event.detail.dedupKey);
      expect((body.payload as Record<string, unknown> | undefined)?.severity).toBe(severity);
    },
  );

  it("gives a trigger the stack's summary, source, group, timestamp, details and console link", async () => {
    // Act
    const [body] = await deliver(escalated);

    // Assess
    const { detail } = escalated;
    expect(body?.payload).toEqual({
      summary: 'cfn-watchdog CRITICAL: DELETE of trustsource-core-prod (DELETE_IN_PROGRESS)',
      source: 'trustsource-core-prod',
      severity: 'critical',
      timestamp: detail.sentAt,
      component: '123456789012/eu-central-1',
      group: 'trustsource-core',
      class: 'DELETE',
      custom_details: detail,
    });
    expect(body?.links).toEqual([{ href: detail.consoleUrl, text: 'CloudFormation console: trustsource-core-prod' }]);
    expect(body?.client_url).toBe(detail.consoleUrl);
  });

  it('keeps the summary within 1024 characters for the longest stack name and status the event allows', async () => {
    // Prepare: the bounds the summary relies on are the escalation schema's own.
    const schema = read('docs/escalation-event.schema.json') as {
      $defs: { detail: { properties: Record<string, { maxLength?: number; enum?: string[] }> } };
    };
    const { properties } = schema.$defs.detail;
    const longest = (values: readonly string[]) => values.reduce((a, b) => (b.length > a.length ? b : a));
    const worst = variant(escalated, {
      severity: longest(['WARNING', 'CRITICAL', 'FAILED']),
      operation: longest(properties.operation?.enum ?? []),
      stackName: `s${'-'.repeat((properties.stackName?.maxLength ?? 0) - 1)}`,
      status: 'S'.repeat(properties.status?.maxLength ?? 0),
    });
    expect([properties.stackName?.maxLength, properties.status?.maxLength]).toEqual([128, 64]);

    // Act
    const [body] = await deliver(worst);

    // Assess
    const summary = String((body?.payload as Record<string, unknown> | undefined)?.summary);
    expect(summary).toContain(String(worst.detail.stackName));
    expect(summary.length).toBeLessThanOrEqual(1024);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['another source', { ...escalated, source: 'someone-else' }],
    ['another detail-type', { ...escalated, 'detail-type': 'Impact Window Closed' }],
  ])('sends nothing for %s', async (_, event) => {
    // Act
    const bodies = await deliver(event);

    // Assess
    expect(bodies).toEqual([]);
  });
});
