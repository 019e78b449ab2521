/**
 * The Incident Manager and OpsCenter rules of template.yaml (issue 17) through moto's EventBridge:
 * each rule's own event pattern (and the OpsCenter rule's input transformer), read from the
 * template, delivers to an SQS queue instead of the response plan or OpsCenter. moto has no
 * Incident Manager or OpsItem target, so what is tested is which escalations each rule takes and,
 * for OpsCenter, that the body is a CreateOpsItem input within its documented limits (title ≤ 1024,
 * description ≤ 2048, source ≤ 128; operational data keys outside the reserved prefixes but for
 * /aws/dedup, whose value is {"dedupString": …}) carrying the stack, service and dedupKey.
 */
import { describe, expect, it } from 'vitest';
import {
  deliverThroughRules,
  escalatedSample as escalated,
  MOTO_ACCOUNT,
  motoDeployment,
  readRepoJson as read,
  resolvedSample as resolved,
  type SampleEvent,
  variant,
} from '../support/template-rules.ts';

type RuleId = 'IncidentManagerRule' | 'OpsCenterRule';

const deployment = motoDeployment({
  IncidentResponsePlanArn: `arn:aws:ssm-incidents::${MOTO_ACCOUNT}:response-plan/cfn-watchdog`,
  OpsCenterForFailures: 'true',
});
const failed = variant(escalated, { severity: 'FAILED', status: 'DELETE_FAILED' });

/** What the rule `id` alone makes of `event`. */
const deliver = (id: RuleId, event: SampleEvent): Promise<unknown[]> => deliverThroughRules(deployment, [id], event);

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
