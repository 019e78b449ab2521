/**
 * template.yaml's optional Incident Manager and OpsCenter routes (issue 17): a rule on the watchdog's
 * bus each, deployed only when asked for, with a role that may do one action on one resource. What
 * the rules match, and what the OpsCenter rule sends, is tested through moto in
 * test/adapters/incidents-moto.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/build.ts';
import { readTemplate } from '../scripts/cfn-template.ts';
import { deployedResources, resolve, type Deployment } from './support/resource-policy.ts';

const template = readTemplate(join(REPO_ROOT, 'template.yaml'));
const ACCOUNT = '111111111111';
const REGION = 'eu-central-1';
const PLAN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/cfn-watchdog`;

function deployment(parameters: Record<string, string>): Deployment {
  return { template, stackName: 'cfn-watchdog', accountId: ACCOUNT, region: REGION, parameters };
}

const deployed = (parameters: Record<string, string>): string[] => deployedResources(deployment(parameters));
const added = (parameters: Record<string, string>): string[] =>
  deployed(parameters)
    .filter((id) => !deployed({}).includes(id))
    .sort();
const properties = (id: string): Record<string, unknown> => template.Resources[id]?.Properties ?? {};
const targetsOf = (id: string): Array<Record<string, unknown>> =>
  properties(id).Targets as Array<Record<string, unknown>>;

const TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    },
  ],
};

describe('the Incident Manager and OpsCenter routes', () => {
  it.each([
    ['neither by default', {}, []],
    [
      'the Incident Manager route with a response plan',
      { IncidentResponsePlanArn: PLAN },
      ['IncidentManagerDeliveryAlarm', 'IncidentManagerRule', 'IncidentManagerStartRole'],
    ],
    [
      'the OpsCenter route with OpsCenterForFailures=true',
      { OpsCenterForFailures: 'true' },
      ['OpsCenterCreateRole', 'OpsCenterDeliveryAlarm', 'OpsCenterRule'],
    ],
    ['nothing with OpsCenterForFailures=false', { OpsCenterForFailures: 'false' }, []],
  ])('deploys %s', (_, parameters, expected) => {
    // Act
    const resources = added(parameters);

    // Assess
    expect(resources).toEqual(expected);
    expect(deployed({}).filter((id) => id.startsWith('IncidentManager') || id.startsWith('OpsCenter'))).toEqual([]);
  });

  it.each([
    ['a response plan ARN', PLAN, true],
    ['empty', '', true],
    ['a plan in the aws-cn partition', `arn:aws-cn:ssm-incidents::${ACCOUNT}:response-plan/p_1-2`, true],
    ['a plan ARN with a region', `arn:aws:ssm-incidents:${REGION}:${ACCOUNT}:response-plan/p`, false],
    ['a replication set ARN', `arn:aws:ssm-incidents::${ACCOUNT}:replication-set/p`, false],
    ['a plan name with a space', `${PLAN} x`, false],
  ])('takes the response plan as an ARN parameter, accepting %s: %s', (_, value, accepted) => {
    // Act
    const parameter = template.Parameters?.IncidentResponsePlanArn ?? {};

    // Assess
    expect(new RegExp(String(parameter.AllowedPattern)).test(value)).toBe(accepted);
  });

  it('takes OpsCenterForFailures as true or false, false by default', () => {
    expect(template.Parameters?.OpsCenterForFailures).toMatchObject({
      Default: 'false',
      AllowedValues: ['true', 'false'],
    });
  });

  it.each([
    ['IncidentManagerStartRole', 'StartIncidentFromResponsePlan', 'ssm-incidents:StartIncident', PLAN],
    // An OpsItem has no ARN before it exists: CreateOpsItem is granted on "*", as AWS's own OpsCenter roles do.
    ['OpsCenterCreateRole', 'CreateOpsItem', 'ssm:CreateOpsItem', '*'],
  ])('lets EventBridge, for this account only, do with %s one action on one resource', (id, name, action, arn) => {
    // Act
    const role = properties(id);
    const policies = resolve(
      deployment({ IncidentResponsePlanArn: PLAN, OpsCenterForFailures: 'true' }),
      role.Policies,
    );

    // Assess
    expect(role.AssumeRolePolicyDocument).toEqual(TRUST);
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(policies).toEqual([
      {
        PolicyName: name,
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: arn }] },
      },
    ]);
  });

  it.each([
    ['IncidentManagerRule', 'IncidentManagerStartRole', PLAN, { severity: ['CRITICAL', 'FAILED'], reminder: [0] }],
    ['OpsCenterRule', 'OpsCenterCreateRole', `arn:aws:ssm:${REGION}:${ACCOUNT}:opsitem`, { severity: ['FAILED'] }],
  ])('%s listens on the watchdog bus and sends to its one target, with its role', (id, role, arn, detail) => {
    // Act
    const deployedAs = (value: unknown) => resolve(deployment({ IncidentResponsePlanArn: PLAN }), value);
    const targets = targetsOf(id);

    // Assess
    expect(properties(id).EventBusName).toEqual({ Ref: 'WatchdogEventBus' });
    expect(deployedAs(properties(id).EventPattern)).toEqual({
      source: ['cfn-watchdog'],
      account: [ACCOUNT],
      'detail-type': ['Deployment Escalated'],
      detail,
    });
    expect(targets).toHaveLength(1);
    expect(deployedAs(targets[0]?.Arn)).toBe(arn);
    expect(targets[0]).toMatchObject({
      RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
      RetryPolicy: { MaximumEventAgeInSeconds: 3600 },
    });
  });

  it.each([
    ['IncidentManagerDeliveryAlarm', 'IncidentManagerRule'],
    ['OpsCenterDeliveryAlarm', 'OpsCenterRule'],
  ])('%s counts the failed invocations of %s', (alarm, rule) => {
    expect(properties(alarm)).toMatchObject({
      Namespace: 'AWS/Events',
      MetricName: 'FailedInvocations',
      Dimensions: [
        { Name: 'EventBusName', Value: { Ref: 'WatchdogEventBus' } },
        { Name: 'RuleName', Value: { 'Fn::Select': [1, { 'Fn::Split': ['|', { Ref: rule }] }] } },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});
