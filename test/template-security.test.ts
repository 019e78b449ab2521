/**
 * The templates a reviewer signs off: cfn-lint finds nothing, and the checks of
 * scripts/template-checks.ts (what cfn_nag and checkov look for) pass on each template as written
 * and on SAM's output of it. A deliberately insecure fixture shows that every check can fail.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/build.ts';
import { parseTemplate, readTemplate, type CfnTemplate } from '../scripts/cfn-template.ts';
import { DEAD_LETTER_EXEMPT, policyStatements, Rule, securityFindings } from '../scripts/template-checks.ts';
import { mayPutEvents, resolve, type Deployment } from './support/resource-policy.ts';
import { transformed } from './support/sam-transform.ts';

const TEMPLATES = ['template.yaml', 'forwarder.yaml'];

/** The parts of a policy statement these tests read, as CloudFormation writes them (intrinsics included). */
interface PolicyStatement {
  readonly Action: string | readonly string[];
  readonly Principal?: { readonly Service?: string };
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>;
}
/** A role's policy, or SAM's `Fn::If` around one: `[condition, policy, AWS::NoValue]`. */
interface PolicyEntry {
  readonly 'Fn::If'?: readonly [string, PolicyEntry, unknown];
  readonly PolicyDocument?: { readonly Statement?: readonly PolicyStatement[] };
}
const INSECURE = 'test/fixtures/templates/insecure.yaml';

function cfnLint(file: string): { status: number | null; output: string } {
  // With the informational checks (I3011: stateful resources without a deletion policy), as CI
  // runs it; `--` because --include-checks would take the file for a check.
  const run = spawnSync('cfn-lint', ['--include-checks', 'I', '--', join(REPO_ROOT, file)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.error, 'cfn-lint must be installed (CI installs nothing else for it)').toBeUndefined();
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe.each(TEMPLATES)('%s', (file) => {
  it('passes cfn-lint with no finding', () => {
    const { status, output } = cfnLint(file);
    expect(output).toBe('');
    expect(status).toBe(0);
  }, 120_000);

  it('passes the security checks as written', () => {
    expect(securityFindings(readTemplate(join(REPO_ROOT, file)))).toEqual([]);
  });
});

describe('template.yaml as SAM deploys it', () => {
  let deployed: CfnTemplate;
  beforeAll(() => {
    deployed = transformed('template.yaml');
  }, 120_000);

  it('passes the security checks on what SAM generates: roles, event rules, Lambda permissions', () => {
    expect(
      Object.values(deployed.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Permission'),
    ).toHaveLength(4);
    expect(securityFindings(deployed)).toEqual([]);
  });

  it("puts the functions' roles, and no other, under /cfn-watchdog/, the path member read roles trust", () => {
    const roles = Object.entries(deployed.Resources).filter(([, resource]) => resource.Type === 'AWS::IAM::Role');
    expect(Object.fromEntries(roles.map(([id, resource]) => [id, resource.Properties?.Path]))).toEqual({
      StackEventsFunctionRole: '/cfn-watchdog/',
      SweeperFunctionRole: '/cfn-watchdog/',
      SelfCheckFunctionRole: '/cfn-watchdog/',
      // The chat channels' role (Slack, Teams), which may do nothing: test/template-chat-channels.test.ts.
      ChatChannelRole: undefined,
    });
  });

  it('scopes every generated Lambda permission to the rule that invokes it', () => {
    const permissions = Object.entries(deployed.Resources).filter(
      ([, resource]) => resource.Type === 'AWS::Lambda::Permission',
    );
    expect(Object.fromEntries(permissions.map(([id, resource]) => [id, resource.Properties?.SourceArn]))).toEqual({
      StackEventsFunctionCloudFormationEventsPermission: {
        'Fn::GetAtt': ['StackEventsFunctionCloudFormationEvents', 'Arn'],
      },
      SweeperFunctionEveryMinutePermission: { 'Fn::GetAtt': ['SweeperFunctionEveryMinute', 'Arn'] },
      SelfCheckFunctionDailyPermission: { 'Fn::GetAtt': ['SelfCheckFunctionDaily', 'Arn'] },
      OrganizationEventsPermission: { 'Fn::GetAtt': ['OrganizationEventsRule', 'Arn'] },
    });
  });

  /** The text of an Fn::Sub, which the key policy's rule ARNs must be (a GetAtt there is a cycle). */
  function subText(value: unknown): string {
    const text = (value as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
    expect(text, JSON.stringify(value)).toBeTypeOf('string');
    return text as string;
  }

  it('lets EventBridge use the key for exactly the rules that dead-letter into the queue (aws:SourceArn)', () => {
    // Prepare: every rule of SAM's output with a dead-letter target, as the ARN EventBridge
    // presents (rule/NAME on the default bus, rule/BUS/NAME on another), under its condition.
    const resources = deployed.Resources;
    const expected = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::Events::Rule')
      .filter((resource) =>
        ((resource.Properties?.Targets ?? []) as Array<Record<string, unknown>>).some(
          (target) => target.DeadLetterConfig !== undefined,
        ),
      )
      .map((resource) => {
        const bus = resource.Properties?.EventBusName as { Ref?: string } | undefined;
        const busPath = bus === undefined ? '' : `${subText(resources[bus.Ref ?? '']?.Properties?.Name)}/`;
        const arn =
          `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${busPath}` +
          `${subText(resource.Properties?.Name)}`;
        return `${resource.Condition ?? 'always'} ${arn}`;
      });

    // Act
    const key = Object.values(resources).find((resource) => resource.Type === 'AWS::KMS::Key');
    const statements = (key?.Properties?.KeyPolicy as { Statement: PolicyStatement[] } | undefined)?.Statement ?? [];
    const eventBridge = statements.filter((statement) => statement.Principal?.Service === 'events.amazonaws.com');
    const sourceArns = (eventBridge[0]?.Condition?.ArnEquals?.['aws:SourceArn'] ?? []) as unknown[];
    const actual = sourceArns.map((entry) => {
      const conditional = (entry as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
      if (conditional === undefined) return `always ${subText(entry)}`;
      expect(conditional[2]).toEqual({ Ref: 'AWS::NoValue' });
      return `${conditional[0]} ${subText(conditional[1])}`;
    });

    // Assess: one statement, naming the two rules (default bus, organisation bus) and no other.
    expect(eventBridge).toHaveLength(1);
    expect(expected).toHaveLength(2);
    expect(actual.sort()).toEqual(expected.sort());
  });

  it('lets each function role use the key only through the services it encrypts with (kms:ViaService)', () => {
    // Prepare: the stack-events role also sends failed events to the queue (OnFailure); the
    // sweeper writes only the table and the topic.
    const expected = {
      StackEventsFunctionRole: ['dynamodb', 'sns', 'sqs'],
      SweeperFunctionRole: ['dynamodb', 'sns'],
      // The self-check reads the table, and publishes to the alerts topic when it is the ops topic.
      SelfCheckFunctionRole: ['dynamodb', 'sns'],
    };

    // Act
    const roles = Object.entries(deployed.Resources).filter(
      ([id, resource]) => resource.Type === 'AWS::IAM::Role' && id.endsWith('FunctionRole'),
    );
    const viaServices = Object.fromEntries(
      roles.map(([id, role]) => {
        const statements = ((role.Properties?.Policies ?? []) as PolicyEntry[])
          .flatMap((policy) => (policy['Fn::If'] ? [policy['Fn::If'][1]] : [policy]))
          .flatMap((policy) => (policy.PolicyDocument?.Statement ?? []) as PolicyStatement[])
          // kms:DescribeKey alone is the self-check asking KMS itself for the key's state: no use of the key.
          .filter((statement) =>
            [statement.Action]
              .flat()
              .some((action: string) => action.startsWith('kms:') && action !== 'kms:DescribeKey'),
          );
        expect(statements.length, id).toBeGreaterThan(0);
        return [
          id,
          statements.map((statement) =>
            [statement.Condition?.StringEquals?.['kms:ViaService'] ?? []].flat().map(subText),
          ),
        ];
      }),
    );

    // Assess: every KMS statement of each role carries the condition, for its services in this region.
    expect(viaServices).toEqual(
      Object.fromEntries(
        Object.entries(expected).map(([id, services]) => [
          id,
          [services.map((service) => `${service}.\${AWS::Region}.amazonaws.com`)],
        ]),
      ),
    );
  });
});

describe('the checks', () => {
  it('reject a deliberately insecure template, each for its own reason', () => {
    // Act
    const findings = securityFindings(readTemplate(join(REPO_ROOT, INSECURE)));

    // Assess
    expect(findings.map(({ rule, resource }) => `${rule} ${resource}`).sort()).toEqual(
      [
        `${Rule.MANAGED_POLICY} Handler`,
        `${Rule.WILDCARD_ACTION} Handler`,
        `${Rule.WILDCARD_RESOURCE} Handler`,
        `${Rule.WILDCARD_PRINCIPAL} OpenQueuePolicy`,
        `${Rule.TABLE_RECOVERY} Table`,
        `${Rule.TABLE_KEY} Table`,
        `${Rule.TABLE_RETAINED} Table`,
        `${Rule.TABLE_KEY_RETAINED} Key`,
        `${Rule.QUEUE_KEY} Queue`,
        `${Rule.KEY_ROTATION} Key`,
        `${Rule.KEY_SERVICE_ACCESS} Key`,
        `${Rule.KEY_SERVICE_ACCESS} Handler`,
        `${Rule.LOG_RETENTION} Logs`,
        `${Rule.FUNCTION_LOG_GROUP} Handler`,
        `${Rule.DEAD_LETTERS} Handler`,
        `${Rule.DEAD_LETTERS} Handler`,
        `${Rule.PERMISSION_SOURCE} OpenPermission`,
      ].sort(),
    );
    expect(new Set(findings.map((finding) => finding.rule))).toEqual(
      new Set(Object.values(Rule).filter((rule) => rule !== Rule.TOPIC_KEY)),
    );
  });

  it('reject it as SAM deploys it too: the managed policy on the generated role, the rule without dead letters', () => {
    // Act
    const findings = securityFindings(transformed(INSECURE));

    // Assess
    expect(
      findings
        .filter(({ rule }) => rule === Rule.MANAGED_POLICY || rule === Rule.DEAD_LETTERS)
        .map(({ rule, resource, message }) => [rule, resource, message]),
    ).toEqual([
      [
        Rule.MANAGED_POLICY,
        'HandlerRole',
        'HandlerRole: managed policy arn:aws:iam::aws:policy/AdministratorAccess grants what this template does ' +
          'not show',
      ],
      [
        Rule.DEAD_LETTERS,
        'HandlerChanges',
        'HandlerChanges: target HandlerChangesLambdaTarget (Handler) needs a DeadLetterConfig',
      ],
      [
        Rule.DEAD_LETTERS,
        'Handler',
        'Handler: invoked by HandlerChanges, it needs an EventInvokeConfig OnFailure destination',
      ],
    ]);
  }, 120_000);

  it("let the key's own account root hold kms:*, and no other account's", () => {
    const keyPolicy = (root: string) =>
      parseTemplate(
        [
          'Resources:',
          '  Key:',
          '    Type: AWS::KMS::Key',
          '    Properties:',
          '      EnableKeyRotation: true',
          '      KeyPolicy:',
          `        Statement: [{ Effect: Allow, Principal: { AWS: !Sub '${root}' }, Action: 'kms:*', Resource: '*' }]`,
        ].join('\n'),
      );
    expect(securityFindings(keyPolicy('arn:${AWS::Partition}:iam::${AWS::AccountId}:root'))).toEqual([]);
    expect(
      securityFindings(keyPolicy('arn:${AWS::Partition}:iam::999999999999:root')).map((finding) => finding.rule),
    ).toEqual([Rule.WILDCARD_ACTION]);
  });

  it("reject a topic on AWS's own key, which CloudWatch alarms cannot publish to", () => {
    const template = parseTemplate(
      'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      KmsMasterKeyId: alias/aws/sns\n',
    );
    expect(securityFindings(template).map((finding) => finding.rule)).toEqual([Rule.TOPIC_KEY]);
  });

  it('check both branches of a conditional policy', () => {
    const template = parseTemplate(
      [
        'Resources:',
        '  Role:',
        '    Type: AWS::IAM::Role',
        '    Properties:',
        '      Policies:',
        '        - !If',
        '          - Org',
        '          - PolicyName: p',
        '            PolicyDocument: { Statement: [{ Effect: Allow, Action: sts:AssumeRole, Resource: "*" }] }',
        '          - !Ref AWS::NoValue',
      ].join('\n'),
    );
    expect(securityFindings(template).map((finding) => finding.rule)).toEqual([Rule.WILDCARD_RESOURCE]);
  });

  it.each([
    [['ssm:CreateOpsItem'], []],
    [['ssm:CreateOpsItem', 'sns:Publish'], [Rule.WILDCARD_RESOURCE]],
    [['ssm:UpdateOpsItem'], [Rule.WILDCARD_RESOURCE]],
  ])('let %j have Resource "*" only when every action names no resource', (actions, expected) => {
    const template = parseTemplate(
      [
        'Resources:',
        '  Role:',
        '    Type: AWS::IAM::Role',
        '    Properties:',
        '      Policies:',
        '        - PolicyName: p',
        '          PolicyDocument:',
        `            Statement: [{ Effect: Allow, Action: ${JSON.stringify(actions)}, Resource: "*" }]`,
      ].join('\n'),
    );
    expect(securityFindings(template).map((finding) => finding.rule)).toEqual(expected);
  });

  it('exempt only the scheduled functions from dead letters, with a reason', () => {
    expect(Object.keys(DEAD_LETTER_EXEMPT)).toEqual(['SweeperFunction', 'SelfCheckFunction']);
    expect(DEAD_LETTER_EXEMPT.SweeperFunction).toMatch(/next one/);
    expect(DEAD_LETTER_EXEMPT.SelfCheckFunction).toMatch(/Errors alarm/);
  });

  it('are backed by cfn-lint, which rejects the insecure fixture too', () => {
    const { status, output } = cfnLint(INSECURE);
    expect(status).not.toBe(0);
    expect(output).toContain('E2533');
  }, 120_000);
});

describe('who may put events on the buses (template.yaml deployed in an organisation)', () => {
  const WATCHDOG_ACCOUNT = '111111111111';
  const MEMBER_ACCOUNT = '222222222222';
  const ORGANIZATION = 'o-a1b2c3d4e5';
  const deployment: Deployment = {
    template: readTemplate(join(REPO_ROOT, 'template.yaml')),
    stackName: 'cfn-watchdog',
    accountId: WATCHDOG_ACCOUNT,
    region: 'eu-central-1',
    parameters: { OrganizationId: ORGANIZATION },
  };
  const buses = `arn:aws:events:eu-central-1:${WATCHDOG_ACCOUNT}:event-bus`;
  const watchdogBus = `${buses}/cfn-watchdog-watchdog-events`;
  const organisationBus = `${buses}/cfn-watchdog-cloudformation-events`;
  const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
  const sweeperRole = `arn:aws:iam::${WATCHDOG_ACCOUNT}:role/cfn-watchdog/cfn-watchdog-SweeperFunctionRole-GENERATED`;

  it.each([
    [
      'the sweeper puts window events on the watchdog bus',
      sweeperRole,
      ORGANIZATION,
      ['cfn-watchdog'],
      watchdogBus,
      true,
    ],
    [
      "the stack-events function puts the pages' events (FAILED, RESOLVED) there",
      role(WATCHDOG_ACCOUNT, 'cfn-watchdog/cfn-watchdog-StackEventsFunctionRole-GENERATED'),
      ORGANIZATION,
      ['cfn-watchdog'],
      watchdogBus,
      true,
    ],
    [
      'the self-check may not',
      role(WATCHDOG_ACCOUNT, 'cfn-watchdog/cfn-watchdog-SelfCheckFunctionRole-GENERATED'),
      ORGANIZATION,
      ['cfn-watchdog'],
      watchdogBus,
      false,
    ],
    [
      "the watchdog account's administrator may not",
      role(WATCHDOG_ACCOUNT, 'Admin'),
      ORGANIZATION,
      ['cfn-watchdog'],
      watchdogBus,
      false,
    ],
    [
      'a member account may not, whatever the source',
      role(MEMBER_ACCOUNT, 'Deployer'),
      ORGANIZATION,
      ['aws.cloudformation'],
      watchdogBus,
      false,
    ],
    [
      "a member account's forwarder puts CloudFormation events on the organisation bus",
      role(MEMBER_ACCOUNT, 'cfn-watchdog-forwarder'),
      ORGANIZATION,
      ['aws.cloudformation'],
      organisationBus,
      true,
    ],
    [
      'a member account may not put cfn-watchdog events there',
      role(MEMBER_ACCOUNT, 'Deployer'),
      ORGANIZATION,
      ['cfn-watchdog'],
      organisationBus,
      false,
    ],
    [
      'nor slip one in among CloudFormation events',
      role(MEMBER_ACCOUNT, 'Deployer'),
      ORGANIZATION,
      ['aws.cloudformation', 'cfn-watchdog'],
      organisationBus,
      false,
    ],
    [
      'an account outside the organisation may not put CloudFormation events',
      role('333333333333', 'Forwarder'),
      'o-zzzzzzzzzz',
      ['aws.cloudformation'],
      organisationBus,
      false,
    ],
  ])('%s', (_, principalArn, principalOrgId, sources, resourceArn, allowed) => {
    // Act
    const verdict = mayPutEvents(deployment, {
      principalArn,
      principalOrgId,
      sources,
      action: 'events:PutEvents',
      resourceArn,
    });

    // Assess
    expect(verdict).toBe(allowed);
  });

  it('would let a member forge window events on the organisation bus without the events:source condition', () => {
    // Prepare: the policy as it was before issue 16, only aws:PrincipalOrgID.
    const policy = deployment.template.Resources.OrganizationEventBusPolicy!;
    const statement = policy.Properties?.Statement as { Condition: Record<string, unknown> };
    const loosened: Deployment = {
      ...deployment,
      template: {
        ...deployment.template,
        Resources: {
          ...deployment.template.Resources,
          OrganizationEventBusPolicy: {
            ...policy,
            Properties: {
              ...policy.Properties,
              Statement: { ...statement, Condition: { StringEquals: statement.Condition.StringEquals } },
            },
          },
        },
      },
    };

    // Act
    const verdict = mayPutEvents(loosened, {
      principalArn: role(MEMBER_ACCOUNT, 'Deployer'),
      principalOrgId: ORGANIZATION,
      sources: ['cfn-watchdog'],
      action: 'events:PutEvents',
      resourceArn: organisationBus,
    });

    // Assess
    expect(verdict).toBe(true);
  });

  it('gives the two paging functions PutEvents on the watchdog bus and on no other, and them the bus name', () => {
    // Act
    const grants = policyStatements(deployment.template.Resources)
      .filter(({ statement }) => [statement.Action].flat().includes('events:PutEvents') && statement.Effect === 'Allow')
      .filter(({ where }) => where.endsWith('Function'))
      .map(({ where, statement }) => [where, resolve(deployment, statement.Resource)]);
    const environment =
      (deployment.template.Globals?.Function as { Environment?: { Variables?: Record<string, unknown> } } | undefined)
        ?.Environment?.Variables ?? {};

    // Assess
    expect(grants).toEqual([
      ['StackEventsFunction', watchdogBus],
      ['SweeperFunction', watchdogBus],
    ]);
    expect(resolve(deployment, environment.WATCHDOG_EVENT_BUS_NAME)).toBe('cfn-watchdog-watchdog-events');
  });
});
