/**
 * `redrive apply` reads the deployed configuration from the watchdog stack as the functions read
 * theirs: template.yaml's environment, built from the stack's outputs and parameters.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/build.ts';
import { readTemplate } from '../../scripts/cfn-template.ts';
import { readRuntimeConfig } from '../../shared/adapters/env-config.ts';
import { MINUTE_MS } from '../../shared/domain/time.ts';
import { environmentOfStack, queueRegion, RedriveFlagError } from '../../cli/redrive.ts';

const STACK_ID =
  'arn:aws:cloudformation:eu-central-1:111122223333:stack/cfn-watchdog/5b1c7a40-9f0e-11ef-8c2a-0a1b2c3d4e5f';
const OUTPUTS = {
  TableName: 'cfn-watchdog-WatchdogTable-1X2Y',
  TopicArn: 'arn:aws:sns:eu-central-1:111122223333:cfn-watchdog-AlertsTopic-3Z4W',
  DeadLetterQueueUrl: 'https://sqs.eu-central-1.amazonaws.com/111122223333/cfn-watchdog-EventsDeadLetterQueue-5V6U',
  WindowEventsBusName: 'cfn-watchdog-watchdog-events',
};
const PARAMETERS = {
  Thresholds: 'DELETE=20m/40m,*=30m/60m',
  ServiceRules: 'trustsource-core=^trustsource-(core|scan)-',
  Grace: '90m',
  MutedStacks: '^sandbox-',
  RepeatCriticalEvery: '30m',
  HeadsUp: 'true',
  AllowedServiceTags: '111122223333=trustsource-.+',
  OrganizationId: '',
  MemberReadRoleName: 'cfn-watchdog-read',
  MemberReadRoleExternalId: '',
};

describe('environmentOfStack', () => {
  it("gives the functions' configuration from the stack's outputs and parameters", () => {
    // Act
    const stack = { stackId: STACK_ID, outputs: OUTPUTS, parameters: PARAMETERS };
    const config = readRuntimeConfig(environmentOfStack(stack));

    // Assess
    expect(config).toMatchObject({ tableName: OUTPUTS.TableName, topicArn: OUTPUTS.TopicArn });
    expect(config.eventBusName).toBe('cfn-watchdog-watchdog-events');
    expect(config.watchdog.allowedServiceTags?.entries.map((entry) => entry.account)).toEqual(['111122223333']);
    expect(config.memberAccess).toBeNull();
    expect(config.watchdog.serviceRules.map((rule) => rule.service)).toEqual(['trustsource-core']);
    expect(config.watchdog.mutes.map(String)).toEqual(['/^sandbox-/']);
    expect([config.watchdog.graceMs, config.watchdog.repeatCriticalEveryMs]).toEqual([90 * MINUTE_MS, 30 * MINUTE_MS]);
  });

  it.each([
    ['', null],
    [
      'o-a1b2c3d4e5',
      { roleName: 'cfn-watchdog-read', externalId: 'ext-1', homeAccount: '111122223333', homeRegion: 'eu-central-1' },
    ],
  ])("reads the member accounts' role only for an organisation (OrganizationId %j)", (organizationId, expected) => {
    // Prepare
    const parameters = { ...PARAMETERS, OrganizationId: organizationId, MemberReadRoleExternalId: 'ext-1' };

    // Act
    const config = readRuntimeConfig(environmentOfStack({ stackId: STACK_ID, outputs: OUTPUTS, parameters }));

    // Assess
    expect(config.memberAccess).toEqual(expected);
  });

  it("gives every variable of the template's environment, from the parameter or output it is built of", () => {
    // Prepare: the functions' shared environment as template.yaml writes it.
    const template = readTemplate(join(REPO_ROOT, 'template.yaml'));
    const variables =
      (template.Globals?.Function?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const outputOf = (resource: string): string | undefined =>
      Object.entries(template.Outputs ?? {}).find(
        ([, output]) => JSON.stringify(output.Value) === JSON.stringify({ Ref: resource }),
      )?.[0];
    const expected = Object.fromEntries(
      Object.entries(variables)
        .filter(([name]) => name.startsWith('WATCHDOG_'))
        .map(([name, value]) => {
          const ref = (value as { Ref?: string }).Ref;
          if (ref === 'AWS::AccountId') return [name, '111122223333'];
          if (ref !== undefined && ref in (template.Parameters ?? {}))
            return [name, PARAMETERS[ref as keyof typeof PARAMETERS]];
          if (ref !== undefined) return [name, OUTPUTS[outputOf(ref) as keyof typeof OUTPUTS]];
          // An Fn::If on OrganizationId: the member role (the test above).
          return [name, ''];
        }),
    );

    // Act
    const environment = environmentOfStack({ stackId: STACK_ID, outputs: OUTPUTS, parameters: PARAMETERS });

    // Assess: nothing missing, nothing undefined, each from where the template takes it.
    expect(Object.values(expected)).not.toContain(undefined);
    expect(Object.fromEntries(Object.entries(environment).filter(([name]) => name.startsWith('WATCHDOG_')))).toEqual(
      expected,
    );
  });
});

describe('queueRegion', () => {
  const url = 'https://sqs.eu-central-1.amazonaws.com/123456789012/cfn-watchdog-EventsDeadLetterQueue-AbC';

  it.each([
    ['takes the region from an SQS queue URL', { queueUrl: url }, 'eu-central-1'],
    ['accepts the same region given twice', { queueUrl: url, region: 'eu-central-1' }, 'eu-central-1'],
    [
      'takes a FIFO queue in GovCloud',
      { queueUrl: 'https://sqs.us-gov-west-1.amazonaws.com/123456789012/q.fifo' },
      'us-gov-west-1',
    ],
    [
      "leaves an emulator's URL to --aws-region",
      { queueUrl: 'http://127.0.0.1:5000/123/q', endpoint: 'http://127.0.0.1:5000' },
      undefined,
    ],
    ['leaves the region to --aws-region without a URL', { region: 'us-east-1' }, 'us-east-1'],
  ])('%s', (_, flags, expected) => {
    expect(queueRegion(flags)).toBe(expected);
  });

  it.each([
    ['a word', { queueUrl: 'notaurl' }, '--queue-url: expected an SQS queue URL such as https://sqs.eu-central-1'],
    [
      'a queue ARN',
      { queueUrl: 'arn:aws:sqs:eu-central-1:123456789012:q' },
      "got 'arn:aws:sqs:eu-central-1:123456789012:q'",
    ],
    [
      'another region than --aws-region',
      { queueUrl: url, region: 'us-east-1' },
      'a queue in eu-central-1, but --aws-region says us-east-1',
    ],
  ])('refuses %s, naming the flag', (_, flags, message) => {
    expect(() => queueRegion(flags)).toThrow(RedriveFlagError);
    expect(() => queueRegion(flags)).toThrow(message);
  });
});
