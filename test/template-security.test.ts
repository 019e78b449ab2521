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
import { DEAD_LETTER_EXEMPT, Rule, securityFindings } from '../scripts/template-checks.ts';

const TEMPLATES = ['template.yaml', 'forwarder.yaml'];
const INSECURE = 'test/fixtures/templates/insecure.yaml';

/** SAM's transform, offline, as cfn-lint runs it (scripts/sam-transform.py). */
function transformed(file: string): CfnTemplate {
  const run = spawnSync('python3', [join(REPO_ROOT, 'scripts/sam-transform.py'), join(REPO_ROOT, file)], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return parseTemplate(run.stdout, `${file} (transformed)`);
}

function cfnLint(file: string): { status: number | null; output: string } {
  const run = spawnSync('cfn-lint', [join(REPO_ROOT, file)], { encoding: 'utf8', timeout: 120_000 });
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
    expect(Object.values(deployed.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Permission')).toHaveLength(3);
    expect(securityFindings(deployed)).toEqual([]);
  });

  it('puts the functions\' roles under /cfn-watchdog/, the path member read roles trust', () => {
    const roles = Object.entries(deployed.Resources).filter(([, resource]) => resource.Type === 'AWS::IAM::Role');
    expect(Object.fromEntries(roles.map(([id, resource]) => [id, resource.Properties?.Path]))).toEqual({
      StackEventsFunctionRole: '/cfn-watchdog/',
      SweeperFunctionRole: '/cfn-watchdog/',
    });
  });

  it('scopes every generated Lambda permission to the rule that invokes it', () => {
    const permissions = Object.entries(deployed.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Permission');
    expect(Object.fromEntries(permissions.map(([id, resource]) => [id, resource.Properties?.SourceArn]))).toEqual({
      StackEventsFunctionCloudFormationEventsPermission: { 'Fn::GetAtt': ['StackEventsFunctionCloudFormationEvents', 'Arn'] },
      SweeperFunctionEveryMinutePermission: { 'Fn::GetAtt': ['SweeperFunctionEveryMinute', 'Arn'] },
      OrganizationEventsPermission: { 'Fn::GetAtt': ['OrganizationEventsRule', 'Arn'] },
    });
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
    expect(new Set(findings.map((finding) => finding.rule))).toEqual(new Set(Object.values(Rule).filter((rule) => rule !== Rule.TOPIC_KEY)));
  });

  it('reject it as SAM deploys it too: the managed policy on the generated role, the rule without dead letters', () => {
    // Act
    const findings = securityFindings(transformed(INSECURE));

    // Assess
    expect(findings.filter(({ rule }) => rule === Rule.MANAGED_POLICY || rule === Rule.DEAD_LETTERS).map(({ rule, resource, message }) => [rule, resource, message])).toEqual([
      [Rule.MANAGED_POLICY, 'HandlerRole', 'HandlerRole: managed policy arn:aws:iam::aws:policy/AdministratorAccess grants what this template does not show'],
      [Rule.DEAD_LETTERS, 'HandlerChanges', 'HandlerChanges: target HandlerChangesLambdaTarget (Handler) needs a DeadLetterConfig'],
      [Rule.DEAD_LETTERS, 'Handler', 'Handler: invoked by HandlerChanges, it needs an EventInvokeConfig OnFailure destination'],
    ]);
  }, 120_000);

  it('let the key\'s own account root hold kms:*, and no other account\'s', () => {
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
    expect(securityFindings(keyPolicy('arn:${AWS::Partition}:iam::999999999999:root')).map((finding) => finding.rule)).toEqual([Rule.WILDCARD_ACTION]);
  });

  it('reject a topic on AWS\'s own key, which CloudWatch alarms cannot publish to', () => {
    const template = parseTemplate("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      KmsMasterKeyId: alias/aws/sns\n");
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

  it('exempt only the sweeper from dead letters, with a reason', () => {
    expect(Object.keys(DEAD_LETTER_EXEMPT)).toEqual(['SweeperFunction']);
    expect(DEAD_LETTER_EXEMPT.SweeperFunction).toMatch(/next one/);
  });

  it('are backed by cfn-lint, which rejects the insecure fixture too', () => {
    const { status, output } = cfnLint(INSECURE);
    expect(status).not.toBe(0);
    expect(output).toContain('E2533');
  }, 120_000);
});
