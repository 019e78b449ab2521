/**
 * template.yaml's optional PagerDuty route (issue 17): an EventBridge API destination to the
 * Events API v2, deployed only with PagerDutyRoutingKey, three rules on the watchdog's bus, and a
 * role that may invoke that one destination and nothing else. What the rules send is tested
 * through moto in test/adapters/pagerduty-moto.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/build.ts';
import { readTemplate } from '../scripts/cfn-template.ts';
import { deployedOutputs, deployedResources, type Deployment } from './support/resource-policy.ts';

const template = readTemplate(join(REPO_ROOT, 'template.yaml'));
const KEY = 'R0123456789ABCDEF0123456789abcde';
const RULES = ['PagerDutyWarningRule', 'PagerDutyCriticalRule', 'PagerDutyResolvedRule'];

function deployment(parameters: Record<string, string>): Deployment {
  return { template, stackName: 'cfn-watchdog', accountId: '111111111111', region: 'eu-central-1', parameters };
}

const deployed = (parameters: Record<string, string>): string[] => deployedResources(deployment(parameters));
const outputs = (parameters: Record<string, string>): string[] => deployedOutputs(deployment(parameters));

const properties = (id: string): Record<string, unknown> => template.Resources[id]?.Properties ?? {};
type Target = Record<string, unknown> & { InputTransformer: { InputTemplate: { 'Fn::Sub': string } } };
const targetsOf = (id: string): Target[] => properties(id).Targets as Target[];

describe('the PagerDuty route', () => {
  it('is not deployed without a routing key, and is, whole, with one', () => {
    // Act
    const without = deployed({});
    const added = deployed({ PagerDutyRoutingKey: KEY }).filter((id) => !without.includes(id));

    // Assess
    expect(without.filter((id) => id.startsWith('PagerDuty'))).toEqual([]);
    expect(added.sort()).toEqual([
      'PagerDutyConnection',
      'PagerDutyCriticalRule',
      'PagerDutyDeliveryAlarm',
      'PagerDutyDestination',
      'PagerDutyInvokeRole',
      'PagerDutyResolvedRule',
      'PagerDutyWarningRule',
    ]);
    expect(outputs({ PagerDutyRoutingKey: KEY }).filter((name) => !outputs({}).includes(name))).toEqual([
      'PagerDutyApiDestinationArn',
    ]);
  });

  it.each([
    ['a 32-character key', KEY, true],
    ['empty', '', true],
    ['31 characters', KEY.slice(1), false],
    ['33 characters', `${KEY}x`, false],
    ['a key with a quote', `${KEY.slice(2)}"}`, false],
  ])('takes the routing key as a NoEcho parameter, accepting %s: %s', (_, value, accepted) => {
    // Act
    const parameter = template.Parameters?.PagerDutyRoutingKey ?? {};

    // Assess: the pattern also keeps the key from breaking the input templates' JSON.
    expect(parameter.NoEcho).toBe(true);
    expect(new RegExp(String(parameter.AllowedPattern)).test(value)).toBe(accepted);
  });

  it('posts to the Events API v2 enqueue endpoint, rate-limited', () => {
    expect(properties('PagerDutyDestination')).toMatchObject({
      ConnectionArn: { 'Fn::GetAtt': ['PagerDutyConnection', 'Arn'] },
      InvocationEndpoint: 'https://events.pagerduty.com/v2/enqueue',
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: expect.any(Number),
    });
  });

  it('lets EventBridge, for this account only, invoke that one destination and do nothing else', () => {
    // Act
    const role = properties('PagerDutyInvokeRole');

    // Assess
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.Policies).toEqual([
      {
        PolicyName: 'InvokePagerDutyDestination',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'events:InvokeApiDestination',
              Resource: { 'Fn::GetAtt': ['PagerDutyDestination', 'Arn'] },
            },
          ],
        },
      },
    ]);
  });

  it.each(RULES)('%s listens on the watchdog bus and sends to the destination alone, with that role', (id) => {
    // Act
    const rule = properties(id);
    const targets = targetsOf(id);

    // Assess
    expect(rule.EventBusName).toEqual({ Ref: 'WatchdogEventBus' });
    expect(rule.EventPattern).toMatchObject({ source: ['cfn-watchdog'], account: [{ Ref: 'AWS::AccountId' }] });
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({
      Arn: { 'Fn::GetAtt': ['PagerDutyDestination', 'Arn'] },
      RoleArn: { 'Fn::GetAtt': ['PagerDutyInvokeRole', 'Arn'] },
      RetryPolicy: { MaximumEventAgeInSeconds: 3600 },
    });
  });

  it('maps each escalation severity to exactly one rule, and the trigger templates differ only in it', () => {
    // Act
    const severities = (id: string) =>
      (properties(id).EventPattern as { detail: { severity: string[] } }).detail.severity;
    const trigger = (id: string) => targetsOf(id)[0]?.InputTransformer.InputTemplate['Fn::Sub'] ?? '';

    // Assess
    expect(severities('PagerDutyWarningRule')).toEqual(['WARNING']);
    expect(severities('PagerDutyCriticalRule')).toEqual(['CRITICAL', 'FAILED']);
    expect((properties('PagerDutyResolvedRule').EventPattern as Record<string, unknown>).detail).toBeUndefined();
    expect(trigger('PagerDutyWarningRule').replace('"severity": "warning"', '"severity": "critical"')).toBe(
      trigger('PagerDutyCriticalRule'),
    );
  });

  it('puts the routing key in the three input templates and nowhere else', () => {
    // Act
    const mentions = Object.entries(template.Resources)
      .filter(([, resource]) => JSON.stringify(resource).includes('PagerDutyRoutingKey'))
      .map(([id]) => id);

    // Assess
    expect(mentions.sort()).toEqual([...RULES].sort());
    for (const id of RULES) {
      expect(targetsOf(id)[0]?.InputTransformer.InputTemplate['Fn::Sub']).toContain(
        '"routing_key": "${PagerDutyRoutingKey}"',
      );
    }
    expect(JSON.stringify(template.Outputs)).not.toContain('PagerDutyRoutingKey');
  });
});
