/**
 * The Incident Manager and OpsCenter rules of template.yaml (issue 17) through moto's EventBridge:
 * each rule's own event pattern (and the OpsCenter rule's input transformer), read from the
 * template, delivers to an SQS queue instead of the response plan or OpsCenter. moto has no
 * Incident Manager or OpsItem target, so what is tested is which escalations each rule takes and,
 * for OpsCenter, that the body is a CreateOpsItem input within its documented limits (title ≤ 1024,
 * description ≤ 2048, source ≤ 128; operational data keys outside the reserved prefixes but for
 * /aws/dedup, whose value is {"dedupString": …}) carrying the stack, service and dedupKey.
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
import { describe, expect, inject, it } from 'vitest';
import { readTemplate } from '../../scripts/cfn-template.ts';
import { resolve, type Deployment } from '../support/resource-policy.ts';
import { REPO_ROOT } from '../support/shared-files.ts';

const REGION = 'eu-central-1';
/** moto's account: the events it delivers carry it, and the rules' patterns name the watchdog's. */
const MOTO_ACCOUNT = '123456789012';
type RuleId = 'IncidentManagerRule' | 'OpsCenterRule';

const read = (file: string): unknown => JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'));

const deployment: Deployment = {
  template: readTemplate(path.join(REPO_ROOT, 'template.yaml')),
  stackName: 'cfn-watchdog',
  accountId: MOTO_ACCOUNT,
  region: REGION,
  parameters: {
    IncidentResponsePlanArn: `arn:aws:ssm-incidents::${MOTO_ACCOUNT}:response-plan/cfn-watchdog`,
    OpsCenterForFailures: 'true',
  },
};

interface InputTransformer {
  InputPathsMap: Record<string, string>;
  InputTemplate: string;
}

/** A rule's pattern and its target's transformer (if any) as CloudFormation would deploy them. */
function deployedRule(id: RuleId): { EventPattern: unknown; InputTransformer?: InputTransformer } {
  const properties = deployment.template.Resources[id]?.Properties ?? {};
  const [target] = properties.Targets as Array<Record<string, unknown>>;
  return {
    EventPattern: resolve(deployment, properties.EventPattern),
    InputTransformer: resolve(deployment, target?.InputTransformer) as InputTransformer | undefined,
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
const failed = variant(escalated, { severity: 'FAILED', status: 'DELETE_FAILED' });

const clientConfig = () => ({
  endpoint: inject('motoEndpoint'),
  region: REGION,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

/** The rule on a bus of its own (moto is shared by the suites) into a queue; what the queue got. */
async function deliver(id: RuleId, event: SampleEvent): Promise<unknown[]> {
  const events = new EventBridgeClient(clientConfig());
  const sqs = new SQSClient(clientConfig());
  const busName = `incidents-${randomUUID()}`;
  await events.send(new CreateEventBusCommand({ Name: busName }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `incidents-${randomUUID()}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const rule = deployedRule(id);
  await events.send(
    new PutRuleCommand({ Name: id, EventBusName: busName, EventPattern: JSON.stringify(rule.EventPattern) }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: id,
      EventBusName: busName,
      Targets: [{ Id: id, Arn: Attributes?.QueueArn, InputTransformer: rule.InputTransformer }],
    }),
  );
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
    new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return (Messages ?? []).map((message) => JSON.parse(message.Body ?? 'null') as unknown);
}

interface OpsItemInput {
  title: string;
  description: string;
  source: string;
  operationalData: Record<string, { type: string; value: string }>;
}

/** Why `body` is not a CreateOpsItem input EventBridge could pass on; empty when it is one. */
function opsItemProblems(body: OpsItemInput): string[] {
  const problems: string[] = [];
  const within = (name: string, value: unknown, max: number) => {
    if (typeof value !== 'string' || value.length < 1 || value.length > max) problems.push(`${name}: 1..${max} chars`);
  };
  within('title', body.title, 1024);
  within('description', body.description, 2048);
  within('source', body.source, 128);
  for (const [key, { type, value }] of Object.entries(body.operationalData ?? {})) {
    const reserved = /^\/?(amazon|aws|amzn|ssm)/i.test(key) && key !== '/aws/dedup';
    if (reserved || key.length > 128) problems.push(`operationalData key ${key}`);
    if (!['String', 'SearchableString'].includes(type) || typeof value !== 'string') {
      problems.push(`operationalData ${key}: type ${type}`);
    }
  }
  return problems;
}

describe('the Incident Manager and OpsCenter rules of template.yaml, through EventBridge (moto)', () => {
  it.each([
    ['the CRITICAL sample', 'IncidentManagerRule', true, escalated],
    ['a FAILED', 'IncidentManagerRule', true, failed],
    ['a CRITICAL reminder', 'IncidentManagerRule', false, variant(escalated, { reminder: 2 })],
    ['a WARNING', 'IncidentManagerRule', false, variant(escalated, { severity: 'WARNING' })],
    ['the RESOLVED sample', 'IncidentManagerRule', false, resolved],
    ['a FAILED', 'OpsCenterRule', true, failed],
    ['the CRITICAL sample', 'OpsCenterRule', false, escalated],
    ['a WARNING', 'OpsCenterRule', false, variant(escalated, { severity: 'WARNING' })],
    ['the RESOLVED sample', 'OpsCenterRule', false, resolved],
    ['a FAILED from another source', 'OpsCenterRule', false, { ...failed, source: 'someone-else' }],
  ] as const)('takes %s into %s: %s', async (_, id, taken, event) => {
    // Act
    const bodies = await deliver(id, event);

    // Assess
    expect(bodies).toHaveLength(taken ? 1 : 0);
  });

  it('hands Incident Manager the whole event, dedupKey included, as the incident trigger details', async () => {
    // Act
    const [body] = (await deliver('IncidentManagerRule', failed)) as Array<{ detail?: unknown }>;

    // Assess
    expect(body?.detail).toEqual(failed.detail);
  });

  it('turns a FAILED into one CreateOpsItem input with title, source, and the dedupKey as dedup string', async () => {
    // Act
    const [body] = (await deliver('OpsCenterRule', failed)) as OpsItemInput[];

    // Assess
    expect(body).toBeDefined();
    const item = body as OpsItemInput;
    expect(opsItemProblems(item)).toEqual([]);
    expect(item.title).toBe('cfn-watchdog FAILED: DELETE of trustsource-core-prod (DELETE_FAILED)');
    expect(item.source).toBe('cfn-watchdog');
    expect(JSON.parse(item.operationalData['/aws/dedup']?.value ?? '{}')).toEqual({
      dedupString: failed.detail.dedupKey,
    });
    expect(item.operationalData).toMatchObject({
      'cfn-watchdog:stackName': { type: 'SearchableString', value: 'trustsource-core-prod' },
      'cfn-watchdog:stackId': { type: 'SearchableString', value: failed.detail.stackId },
      'cfn-watchdog:service': { type: 'SearchableString', value: 'trustsource-core' },
      'cfn-watchdog:dedupKey': { type: 'SearchableString', value: failed.detail.dedupKey },
      'cfn-watchdog:consoleUrl': { type: 'String', value: failed.detail.consoleUrl },
    });
  });

  it('keeps title and description within their limits for the longest stack name and status allowed', async () => {
    // Prepare: the bounds the title relies on are the escalation schema's own.
    const schema = read('docs/escalation-event.schema.json') as {
      $defs: { detail: { properties: Record<string, { maxLength?: number; enum?: string[] }> } };
    };
    const { properties } = schema.$defs.detail;
    const longest = (values: readonly string[]) => values.reduce((a, b) => (b.length > a.length ? b : a));
    const worst = variant(failed, {
      operation: longest(properties.operation?.enum ?? []),
      stackName: `s${'-'.repeat((properties.stackName?.maxLength ?? 0) - 1)}`,
      status: 'S'.repeat(properties.status?.maxLength ?? 0),
    });
    expect([properties.stackName?.maxLength, properties.status?.maxLength]).toEqual([128, 64]);

    // Act
    const [body] = (await deliver('OpsCenterRule', worst)) as OpsItemInput[];

    // Assess
    expect(body?.title).toContain(String(worst.detail.stackName));
    expect(opsItemProblems(body as OpsItemInput)).toEqual([]);
  });
});
