/**
 * template.yaml, the SAM template `sam deploy` deploys: its table is the one the code creates
 * (shared/adapters/table.ts), its functions run on a current Node.js on arm64 with
 * least-privilege roles, and cfn-lint passes it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRuntimeConfig } from '../shared/adapters/env-config.ts';
import { parseRepeatInterval } from '../shared/domain/config.ts';
import { createTableInput } from '../shared/adapters/table.ts';
import { parseServiceRules } from '../shared/domain/service.ts';
import { parseThresholds } from '../shared/domain/thresholds.ts';
import { parseDuration } from '../shared/domain/time.ts';
import { parseTemplate, readTemplate, TemplateError, type CfnResource } from '../scripts/cfn-template.ts';
import { MetricName } from '../shared/adapters/watchdog-metrics.ts';
import { branches, policyStatements } from '../scripts/template-checks.ts';
import { REPO_ROOT } from '../scripts/build.ts';

const TEMPLATE_PATH = join(REPO_ROOT, 'template.yaml');
const template = readTemplate(TEMPLATE_PATH);

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  expect(value).toBeTypeOf('object');
  expect(value).not.toBeNull();
  expect(Array.isArray(value)).toBe(false);
  return value as Json;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function resourcesOfType(type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

const functions = resourcesOfType('AWS::Serverless::Function');
const globalFunction = record(template.Globals?.Function);

/** A function's own property, else Globals.Function's (for the scalars and lists SAM replaces). */
function functionProperty(resource: CfnResource, name: string): unknown {
  return resource.Properties?.[name] ?? globalFunction[name];
}

function environmentOf(resource: CfnResource): Json {
  const global = record(record(globalFunction.Environment ?? {}).Variables ?? {});
  const own = record(record(resource.Properties?.Environment ?? {}).Variables ?? {});
  return { ...global, ...own };
}

/** Where the watchdog's own alarms and self-check go: the ops topic when one is set. */
const OPS_TOPIC = { 'Fn::If': ['HasOpsTopic', { Ref: 'OpsTopicArn' }, { Ref: 'AlertsTopic' }] };

/** The branch of an `Fn::If` on HasOpsTopic that CloudFormation takes; anything else as it is. */
function pick(value: unknown, hasOps: boolean): unknown {
  const condition = record(value)['Fn::If'];
  if (!Array.isArray(condition) || condition[0] !== 'HasOpsTopic') return value;
  return hasOps ? condition[1] : condition[2];
}

describe('template.yaml', () => {
  it('parses, short-form intrinsics as their long forms', () => {
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    expect(environmentOf(functions[0]![1]).WATCHDOG_TABLE_NAME).toEqual({ Ref: 'WatchdogTable' });
    expect(
      parseTemplate(
        'Resources:\n  A:\n    Type: X\n    Properties:\n      B: !GetAtt C.Arn\n      D: !Sub [x, { y: !Ref z }]\n',
      ).Resources.A!.Properties,
    ).toEqual({
      B: { 'Fn::GetAtt': ['C', 'Arn'] },
      D: { 'Fn::Sub': ['x', { y: { Ref: 'z' } }] },
    });
    expect(() => parseTemplate('Resources:\n  A:\n    Type: X\n    Properties:\n      B: !NoSuchTag x\n')).toThrow(
      TemplateError,
    );
  });

  describe('WatchdogTable', () => {
    const tables = resourcesOfType('AWS::DynamoDB::Table');
    const table = tables[0]?.[1];
    const properties = record(table?.Properties);
    const expected = createTableInput('x');

    it('is the one table, with the keys and indexes of createTableInput (shared/adapters/table.ts)', () => {
      expect(tables.map(([logicalId]) => logicalId)).toEqual(['WatchdogTable']);
      const byName = (a: Json, b: Json) => String(a.AttributeName).localeCompare(String(b.AttributeName));
      expect([...(properties.AttributeDefinitions as Json[])].sort(byName)).toEqual(
        [...(expected.AttributeDefinitions as unknown as Json[])].sort(byName),
      );
      expect(properties.KeySchema).toEqual(expected.KeySchema);
      const indexes = (properties.GlobalSecondaryIndexes as Json[]).map(({ IndexName, KeySchema, Projection }) => ({
        IndexName,
        KeySchema,
        Projection,
      }));
      expect(indexes).toEqual(expected.GlobalSecondaryIndexes);
      expect(properties.BillingMode).toBe(expected.BillingMode);
      expect(properties.TableName).toBeUndefined();
    });

    it('has point-in-time recovery, encryption at rest and TTL on expiresAt', () => {
      expect(properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(properties.SSESpecification).toMatchObject({ SSEEnabled: true });
      expect(properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    });

    it('outlives the stack: DeletionPolicy and UpdateReplacePolicy Retain', () => {
      expect(table?.DeletionPolicy).toBe('Retain');
      expect(table?.UpdateReplacePolicy).toBe('Retain');
    });
  });

  // Deleting or replacing the stack must not drop the logs of what it did nor the events it never
  // applied (docs/deploy.md, "Removing it").
  it('retains every log group and the dead-letter queue on deletion and replacement', () => {
    // Prepare
    const retained = [...resourcesOfType('AWS::Logs::LogGroup'), ...resourcesOfType('AWS::SQS::Queue')];

    // Act
    const policies = Object.fromEntries(
      retained.map(([id, resource]) => [id, [resource.DeletionPolicy, resource.UpdateReplacePolicy]]),
    );

    // Assess
    expect(Object.keys(policies).sort()).toEqual([
      'EventsDeadLetterQueue',
      'SelfCheckLogGroup',
      'StackEventsLogGroup',
      'SweeperLogGroup',
    ]);
    for (const [id, policy] of Object.entries(policies)) expect(policy, id).toEqual(['Retain', 'Retain']);
  });

  describe('functions', () => {
    it('are the stack-events handler, the sweeper and the self-check', () => {
      expect(functions.map(([logicalId]) => logicalId).sort()).toEqual([
        'SelfCheckFunction',
        'StackEventsFunction',
        'SweeperFunction',
      ]);
    });

    it('runs the self-check on its schedule, told the key and the ops topic (the alerts topic without one)', () => {
      const resource = template.Resources.SelfCheckFunction!;
      const events = Object.values(record(resource.Properties?.Events)).map(record);
      expect(events.map((event) => [event.Type, record(event.Properties).Schedule])).toEqual([
        ['Schedule', { Ref: 'SelfCheckSchedule' }],
      ]);
      expect(template.Parameters?.SelfCheckSchedule?.Default).toBe('rate(1 day)');
      const environment = environmentOf(resource);
      expect(environment.WATCHDOG_KEY_ARN).toEqual({ 'Fn::GetAtt': ['WatchdogKey', 'Arn'] });
      expect(environment.WATCHDOG_OPS_TOPIC_ARN).toEqual(OPS_TOPIC);
    });

    it.each(functions)('%s runs on nodejs22.x or newer, arm64', (_, resource) => {
      const runtime = String(functionProperty(resource, 'Runtime'));
      expect(runtime).toMatch(/^nodejs\d+\.x$/);
      expect(Number(/^nodejs(\d+)/.exec(runtime)?.[1])).toBeGreaterThanOrEqual(22);
      expect(functionProperty(resource, 'Architectures')).toEqual(['arm64']);
    });

    it.each(functions)('%s is told its table and topic', (_, resource) => {
      const environment = environmentOf(resource);
      expect(environment.WATCHDOG_TABLE_NAME).toEqual({ Ref: 'WatchdogTable' });
      expect(environment.WATCHDOG_TOPIC_ARN).toEqual({ Ref: 'AlertsTopic' });
    });

    it.each(functions)(
      '%s has only inline policy statements (no SAM policy templates, no managed policies)',
      (_, resource) => {
        for (const policy of list(resource.Properties?.Policies ?? []).flatMap(branches))
          expect(Object.keys(record(policy))).toEqual(['Statement']);
      },
    );

    it(
      'the stack-events function receives both CloudFormation status changes, and what fails ends in the ' +
        'dead-letter queue',
      () => {
        const resource = template.Resources.StackEventsFunction!;
        const events = Object.values(record(resource.Properties?.Events)).map(record);
        const rule = events.find((event) => event.Type === 'EventBridgeRule');
        const ruleProperties = record(rule?.Properties);
        expect(ruleProperties.Pattern).toEqual({
          source: ['aws.cloudformation'],
          'detail-type': ['CloudFormation Stack Status Change', 'CloudFormation Resource Status Change'],
        });
        const queueArn = { 'Fn::GetAtt': ['EventsDeadLetterQueue', 'Arn'] };
        expect(ruleProperties.DeadLetterConfig).toEqual({ Arn: queueArn });
        expect(record(resource.Properties?.EventInvokeConfig).DestinationConfig).toEqual({
          OnFailure: { Type: 'SQS', Destination: queueArn },
        });
      },
    );
  });

  // Every AWS call the handlers' code makes, as the IAM action it needs: a call added to the code
  // without its permission fails here, not in production.
  // What both functions call: stacks' states and their folded pages (deleted once unneeded), alerts
  // and the same alerts as events on the watchdog's bus (the topic's key encrypts the table too), a
  // stack's facts, and, organisation-wide, the member accounts' read role.
  const BOTH = [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
    'sns:Publish',
    'events:PutEvents',
    'kms:Decrypt',
    'kms:Encrypt',
    'kms:GenerateDataKey*',
    'kms:DescribeKey',
    'cloudformation:DescribeStacks',
    'sts:AssumeRole',
  ];
  it.each([
    ['StackEventsFunction', BOTH],
    // Confirming before paging, and what is stuck when no resource event came.
    ['SweeperFunction', [...BOTH, 'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStackResources']],
    // Each resource's state (read-only), the heartbeat, its own memory, the stacks muted by their
    // tag, and its one message.
    [
      'SelfCheckFunction',
      [
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'sns:GetTopicAttributes',
        'sns:Publish',
        'events:DescribeEventBus',
        'kms:DescribeKey',
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:GenerateDataKey*',
      ],
    ],
  ])('lets %s make every call its code makes', (logicalId, actions) => {
    const granted = policyStatements(template.Resources)
      .filter(({ where, statement }) => where === logicalId && statement.Effect === 'Allow')
      .flatMap(({ statement }) => list(statement.Action).map(String));
    expect([...new Set(granted)].sort()).toEqual([...actions].sort());
  });

  // No Action "*" and no Resource "*": test/template-security.test.ts, with the other review checks.

  describe('self-monitoring', () => {
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, alarm]) => record(alarm.Properties));
    const topic = OPS_TOPIC;

    it.each([
      ['the dead-letter queue holds events', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'GreaterThanThreshold'],
      ['a function fails', 'AWS/Lambda', 'Errors', 'GreaterThanThreshold'],
      ['the sweeper stopped running (heartbeat)', 'AWS/Lambda', 'Invocations', 'LessThanThreshold'],
    ])('alarms on the ops topic (the alerts topic without one) when %s', (_what, namespace, metric, comparison) => {
      const found = alarms.filter(
        (alarm) =>
          alarm.Namespace === namespace && alarm.MetricName === metric && alarm.ComparisonOperator === comparison,
      );
      expect(found.length).toBeGreaterThan(0);
      for (const alarm of found) expect(alarm.AlarmActions).toEqual([topic]);
    });

    // OpsTopicArn set: every alarm's actions are the ops topic; empty: the alerts topic, as before it existed.
    it.each([
      ['set', true, { Ref: 'OpsTopicArn' }],
      ['empty', false, { Ref: 'AlertsTopic' }],
    ])(
      'sends every alarm and OK of the watchdog to the topic the choice names when OpsTopicArn is %s',
      (_what, hasOps, target) => {
        const actionsOf = (value: unknown): unknown[] => list(value).map((action) => pick(action, hasOps));
        const all = resourcesOfType('AWS::CloudWatch::Alarm');
        expect(all.map(([id]) => id).sort()).toEqual([
          'DeadLetterQueueAlarm',
          'DeadLettersLostAlarm',
          'FailedEventsLostAlarm',
          'IncidentManagerDeliveryAlarm',
          'OpsCenterDeliveryAlarm',
          'OrganizationDeadLettersLostAlarm',
          'PagerDutyDeliveryAlarm',
          'SelfCheckErrorsAlarm',
          'StackEventsErrorsAlarm',
          'SweeperErrorsAlarm',
          'SweeperHeartbeatAlarm',
        ]);
        for (const [id, alarm] of all) {
          const properties = record(alarm.Properties);
          expect(actionsOf(properties.AlarmActions), id).toEqual([target]);
          if (properties.OKActions !== undefined) expect(actionsOf(properties.OKActions), id).toEqual([target]);
        }
        expect(template.Conditions?.HasOpsTopic).toEqual({
          'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OpsTopicArn' }, ''] }],
        });
      },
    );

    it('lets the self-check publish only to the ops topic, and only read the alerts topic', () => {
      const statements = policyStatements(template.Resources)
        .filter(({ where }) => where === 'SelfCheckFunction')
        .map(({ statement }) => statement);
      expect(
        statements
          .filter((statement) => list(statement.Action).includes('sns:Publish'))
          .map((statement) => statement.Resource),
      ).toEqual([OPS_TOPIC]);
      expect(
        statements.find((statement) => list(statement.Action).includes('sns:GetTopicAttributes'))?.Resource,
      ).toEqual({ Ref: 'AlertsTopic' });
    });

    it.each([
      ['an SNS topic ARN', 'arn:aws:sns:eu-west-1:123456789012:ops-pager', true],
      ['empty (the alerts topic)', '', true],
      ['a topic name only', 'ops-pager', false],
      ['an SQS queue ARN', 'arn:aws:sqs:eu-west-1:123456789012:ops', false],
    ])('OpsTopicArn accepts %s: %s', (_what, value, accepted) => {
      expect(new RegExp(String(template.Parameters?.OpsTopicArn?.AllowedPattern)).test(value)).toBe(accepted);
    });

    it('counts a sweeper that is gone as not running: missing data breaches the heartbeat', () => {
      const heartbeat = alarms.find((alarm) => alarm.MetricName === 'Invocations');
      expect(heartbeat).toMatchObject({ TreatMissingData: 'breaching', Threshold: 1, Period: 300 });
    });

    it(
      'encrypts the topic, the queue and the table with a rotated key of its own that CloudWatch and EventBridge ' +
        'may use',
      () => {
        const [, key] = resourcesOfType('AWS::KMS::Key')[0] ?? [];
        const properties = record(key?.Properties);
        expect(properties.EnableKeyRotation).toBe(true);
        const statements = list(record(properties.KeyPolicy).Statement).map(record);
        for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
          expect(statements.find((statement) => record(statement.Principal).Service === service)?.Action).toEqual([
            'kms:Decrypt',
            'kms:GenerateDataKey*',
          ]);
        }
        expect(record(template.Resources.AlertsTopic?.Properties).KmsMasterKeyId).toEqual({ Ref: 'WatchdogKey' });
        expect(record(template.Resources.EventsDeadLetterQueue?.Properties).KmsMasterKeyId).toEqual({
          Ref: 'WatchdogKey',
        });
        expect(record(template.Resources.WatchdogTable?.Properties).SSESpecification).toEqual({
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { Ref: 'WatchdogKey' },
        });
      },
    );
  });

  describe('parameters', () => {
    const parameters = Object.entries(template.Parameters ?? {});

    it.each(parameters)('%s has a Description, and its default is allowed', (_, parameter) => {
      expect(parameter.Description).toBeTypeOf('string');
      expect(String(parameter.Description).trim()).not.toBe('');
      if (typeof parameter.AllowedPattern === 'string')
        expect(String(parameter.Default)).toMatch(new RegExp(parameter.AllowedPattern));
      if (Array.isArray(parameter.AllowedValues)) expect(parameter.AllowedValues).toContain(parameter.Default);
    });

    const pattern = (name: string) => new RegExp(String(template.Parameters?.[name]?.AllowedPattern));

    it('Thresholds accepts what the code parses, and rejects what it would fail on at cold start', () => {
      const parsed = [
        '*=20m/40m',
        'DELETE=20m/40m,UPDATE=30m/60m,*=20m/40m',
        'IMPORT=90s/2h',
        'CREATE=1h/2h',
        'UPDATE=auto,*=20m/40m',
        'UPDATE=auto:10m/30m,*=auto',
      ];
      for (const spec of parsed) {
        expect(spec).toMatch(pattern('Thresholds'));
        expect(() => parseThresholds(spec)).not.toThrow();
      }
      for (const spec of [
        '',
        'DELETE=20m',
        'ROLLBACK=20m/40m',
        'DELETE=20/40',
        '*=20m/40m,',
        'UPDATE=auto:',
        'UPDATE=autos',
      ])
        expect(spec).not.toMatch(pattern('Thresholds'));
    });

    it('ServiceRules accepts the README example, several rules and empty', () => {
      for (const rules of ['', 'trustsource-core=^trustsource-(core|scan)-', 'a=^a-;b=^b-$', 'a=^a-;']) {
        expect(rules).toMatch(pattern('ServiceRules'));
        expect(() => parseServiceRules(rules)).not.toThrow();
      }
      for (const rules of ['no-regex', '=^x', 'a=;b=c']) expect(rules).not.toMatch(pattern('ServiceRules'));
    });

    it(
      'AllowedServiceTags accepts what WATCHDOG_ALLOWED_SERVICE_TAGS parses, and refuses entries it would ' + 'fail on',
      () => {
        const env = (allowed: string) => ({
          WATCHDOG_TABLE_NAME: 't',
          WATCHDOG_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts',
          WATCHDOG_ALLOWED_SERVICE_TAGS: allowed,
        });
        for (const allowed of ['', '*=shared', '123456789012=payments|ledger-.+;*=shared', '123456789012=a=b;']) {
          expect(allowed).toMatch(pattern('AllowedServiceTags'));
          expect(() => readRuntimeConfig(env(allowed))).not.toThrow();
        }
        for (const allowed of ['payments', 'prod=payments', '12345=payments', '123456789012=', '*=a;;*=b']) {
          expect(allowed).not.toMatch(pattern('AllowedServiceTags'));
          expect(() => readRuntimeConfig(env(allowed))).toThrow('WATCHDOG_ALLOWED_SERVICE_TAGS');
        }
        expect(record(globalFunction.Environment).Variables).toMatchObject({
          WATCHDOG_ALLOWED_SERVICE_TAGS: { Ref: 'AllowedServiceTags' },
        });
      },
    );

    it('Grace accepts durations the code parses', () => {
      for (const grace of ['60m', '90s', '2h']) {
        expect(grace).toMatch(pattern('Grace'));
        expect(parseDuration(grace, 'grace')).toBeGreaterThan(0);
      }
      expect('60').not.toMatch(pattern('Grace'));
    });

    it("names the watchdog's own bus as the code takes it, and outputs it for consumers' rules", () => {
      // Prepare: the name CloudFormation gives the bus for a stack of the longest name its rules allow (53).
      const bus = record(template.Resources.WatchdogEventBus?.Properties);
      const name = String(record(bus.Name)['Fn::Sub']).replace('${AWS::StackName}', 'x'.repeat(53));

      // Act
      const config = readRuntimeConfig({
        WATCHDOG_TABLE_NAME: 't',
        WATCHDOG_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts',
        WATCHDOG_EVENT_BUS_NAME: name,
      });

      // Assess
      expect(config.eventBusName).toBe(name);
      expect(record(globalFunction.Environment).Variables).toMatchObject({
        WATCHDOG_EVENT_BUS_NAME: { Ref: 'WatchdogEventBus' },
      });
      expect(template.Outputs?.WindowEventsBusName?.Value).toEqual({ Ref: 'WatchdogEventBus' });
      expect(template.Parameters?.EventBusName).toBeUndefined();
    });

    it('RepeatCriticalEvery accepts off and intervals of a minute or more, as the code does', () => {
      for (const every of ['', '1m', '30m', '2h']) {
        expect(every).toMatch(pattern('RepeatCriticalEvery'));
        expect(() => parseRepeatInterval(every)).not.toThrow();
      }
      for (const every of ['0m', '30s', '30']) expect(every).not.toMatch(pattern('RepeatCriticalEvery'));
    });

    it('OrganizationId is empty or an organization id', () => {
      for (const id of ['', 'o-a1b2c3d4e5']) expect(id).toMatch(pattern('OrganizationId'));
      for (const id of ['o-', 'org-a1b2c3d4e5', 'O-A1B2C3D4E5']) expect(id).not.toMatch(pattern('OrganizationId'));
    });

    it('MemberReadRoleName accepts the role names the code takes, and refuses what it refuses', () => {
      const organisationWide = (role: string) => ({
        WATCHDOG_TABLE_NAME: 't',
        WATCHDOG_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts',
        WATCHDOG_MEMBER_READ_ROLE: role,
        WATCHDOG_HOME_ACCOUNT: '123456789012',
        AWS_REGION: 'eu-west-1',
      });
      for (const role of ['cfn-watchdog-read', 'Read.Role@org_1', 'r'.repeat(64)]) {
        expect(role).toMatch(pattern('MemberReadRoleName'));
        expect(readRuntimeConfig(organisationWide(role)).memberAccess?.roleName).toBe(role);
      }
      for (const role of ['read role', 'r'.repeat(65), 'path/role']) {
        expect(role).not.toMatch(pattern('MemberReadRoleName'));
        expect(() => readRuntimeConfig(organisationWide(role))).toThrow('WATCHDOG_MEMBER_READ_ROLE');
      }
    });

    it('MutedStacks accepts what WATCHDOG_MUTE parses', () => {
      for (const mutes of ['', '^sandbox-', '^sandbox-;-preview-\\d+$']) {
        expect(mutes).toMatch(pattern('MutedStacks'));
        expect(
          readRuntimeConfig({
            WATCHDOG_TABLE_NAME: 't',
            WATCHDOG_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts',
            WATCHDOG_MUTE: mutes,
          }).watchdog.mutes,
        ).toHaveLength(mutes === '' ? 0 : mutes.split(';').length);
      }
      expect(';;').not.toMatch(pattern('MutedStacks'));
      expect(record(globalFunction.Environment).Variables).toMatchObject({ WATCHDOG_MUTE: { Ref: 'MutedStacks' } });
    });

    it('AlertEmail is an address or empty', () => {
      for (const email of ['', 'oncall@example.com']) expect(email).toMatch(pattern('AlertEmail'));
      for (const email of ['oncall', 'a@b', 'a b@example.com']) expect(email).not.toMatch(pattern('AlertEmail'));
    });
  });

  it('outputs the topic ARN and the table name, each described', () => {
    const outputs = template.Outputs ?? {};
    expect(outputs.TopicArn?.Value).toEqual({ Ref: 'AlertsTopic' });
    expect(outputs.TableName?.Value).toEqual({ Ref: 'WatchdogTable' });
    for (const [name, output] of Object.entries(outputs)) expect(output.Description, name).toBeTypeOf('string');
  });

  it('shows the documented recovery rule, with the pattern of events/recovery/, in a comment', () => {
    const text = readFileSync(TEMPLATE_PATH, 'utf8');
    const snippet = text
      .slice(text.indexOf('#   ReprocessAfterImpactWindow:'))
      .split('\n')
      .filter((line) => line.startsWith('#'))
      .map((line) => line.slice(1))
      .join('\n');
    const { Resources } = parseTemplate(`Resources:\n${snippet}`, 'the recovery rule snippet');
    const pattern = record(record(Resources.ReprocessAfterImpactWindow?.Properties).EventPattern);
    expect(pattern).toEqual(
      JSON.parse(readFileSync(join(REPO_ROOT, 'events/recovery/impact-window-closed.pattern.json'), 'utf8')),
    );
  });
});

describe('WatchdogDashboard', () => {
  const body = record(template.Resources.WatchdogDashboard?.Properties).DashboardBody as { 'Fn::Sub': [string, Json] };
  // The ${…} of Fn::Sub filled in with placeholders: what CloudWatch would receive.
  const dashboard = JSON.parse(body['Fn::Sub'][0].replace(/\$\{[^}]+\}/g, 'x')) as {
    widgets: { properties: { title: string; metrics: unknown[][] } }[];
  };

  it('graphs every metric the functions emit, by the names the code uses', () => {
    const ours = dashboard.widgets
      .flatMap((widget) => widget.properties.metrics)
      .filter((metric) => metric[0] === 'cfn-watchdog')
      .map((metric) => metric[1]);
    expect(new Set(ours)).toEqual(new Set(Object.values(MetricName)));
    expect(environmentOf(functions[0]![1]).POWERTOOLS_METRICS_NAMESPACE).toBe('cfn-watchdog');
  });

  it('shows open operations, notifications by severity, event lag, handler errors and dead-letter depth', () => {
    expect(dashboard.widgets.map((widget) => widget.properties.title)).toEqual([
      'Operations in progress (at each sweep)',
      'Notifications by severity',
      'Event lag: received minus event time (seconds)',
      'Handler errors',
      'Dead-letter queue depth',
    ]);
  });
});

describe('outputs for an operator', () => {
  it.each([
    'TopicArn',
    'SelfCheckFunctionName',
    'TableName',
    'DeadLetterQueueUrl',
    'DashboardUrl',
    'KeyArn',
    'WindowEventsBusName',
    'OrganizationEventBusArn',
  ])('%s is there, described', (name) => {
    expect(String(template.Outputs?.[name]?.Description ?? '')).not.toBe('');
  });
});

describe('forwarder.yaml with template.yaml', () => {
  const forwarder = readTemplate(join(REPO_ROOT, 'forwarder.yaml'));

  it("lets only the watchdog's function roles (path /cfn-watchdog/) assume the member read role", () => {
    expect(globalFunction.RolePath).toBe('/cfn-watchdog/');
    const trust = JSON.stringify(record(forwarder.Resources.ReadRole?.Properties).AssumeRolePolicyDocument);
    expect(trust.match(/role\/cfn-watchdog\/\*/g)).toHaveLength(2); // with and without the external id
  });

  it('names the read role as the watchdog expects it by default, and forwards what the watchdog listens to', () => {
    expect(forwarder.Parameters?.ReadRoleName?.Default).toBe(template.Parameters?.MemberReadRoleName?.Default);
    const forwarded = record(forwarder.Resources.ForwardCloudFormationEvents?.Properties).EventPattern;
    expect(forwarded).toEqual(record(template.Resources.OrganizationEventsRule?.Properties).EventPattern);
  });
});
