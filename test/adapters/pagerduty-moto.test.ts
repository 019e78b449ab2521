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
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { createEscalationBusPublisher } from '../../shared/adapters/eventbridge-publisher.ts';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { freshStore } from '../support/dynamodb.ts';
import { iso } from '../support/states.ts';
import { stackStatus, watchdog } from '../support/watchdog.ts';
import {
  busWithRules,
  deliverThroughRules,
  escalatedSample as escalated,
  motoDeployment,
  readRepoJson as read,
  resolvedSample as resolved,
  type SampleEvent,
  variant,
} from '../support/template-rules.ts';

const ROUTING_KEY = 'R0123456789ABCDEF0123456789abcde';
const RULES = ['PagerDutyWarningRule', 'PagerDutyCriticalRule', 'PagerDutyResolvedRule'] as const;

const validate = new Ajv2020.default({ allErrors: true }).compile(
  read('test/fixtures/pagerduty/events-v2.schema.json') as object,
);

const deployment = motoDeployment({ PagerDutyRoutingKey: ROUTING_KEY });

/** What the three rules, all into one queue, make of `event`. */
const deliver = async (event: SampleEvent): Promise<Array<Record<string, unknown>>> =>
  (await deliverThroughRules(deployment, RULES, event)) as Array<Record<string, unknown>>;

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

  it("pages PagerDuty from a sweep: the watchdog's own publisher, the bus lane, the rules", async () => {
    // Prepare: a deletion hung for 20 minutes, its events put by the real adapter on a routed bus.
    const bus = await busWithRules(deployment, RULES);
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    const deps = {
      ...dog.deps,
      escalations: createEscalationBusPublisher({ client: bus.client, eventBusName: bus.busName }),
    };
    const stack = { name: 'orders-prod', region: 'eu-central-1', account: '123456789012' };
    await applyEvent(stackStatus(stack, iso('10:00'), 'DELETE_IN_PROGRESS'), deps);

    // Act
    dog.clock.set(iso('10:20'));
    await sweep(deps);
    dog.clock.set(iso('10:23'));
    await applyEvent(stackStatus(stack, iso('10:23'), 'DELETE_COMPLETE'), deps);

    // Assess
    const bodies = (await bus.received()) as Array<Record<string, unknown>>;
    const trigger = bodies.find((body) => body.event_action === 'trigger');
    const resolve = bodies.find((body) => body.event_action === 'resolve');
    expect(bodies.map((body) => body.event_action).sort()).toEqual(['resolve', 'trigger']);
    for (const body of bodies) expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(trigger?.dedup_key).toBe(resolve?.dedup_key);
    expect(trigger?.payload).toMatchObject({
      severity: 'warning',
      summary: 'cfn-watchdog WARNING: DELETE of orders-prod (DELETE_IN_PROGRESS)',
    });
  });
});
