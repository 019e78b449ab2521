/**
 * template.yaml's optional Slack and Microsoft Teams channels (Amazon Q Developer in chat
 * applications): deployed only when their ids are given, all of them or none (Rules), on the
 * alerts topic, with a role that may do nothing and a guardrail that denies everything.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/build.ts';
import { readTemplate } from '../scripts/cfn-template.ts';
import { policyStatements } from '../scripts/template-checks.ts';
import { deployedOutputs, deployedResources, resolve, type Deployment } from './support/resource-policy.ts';

const template = readTemplate(join(REPO_ROOT, 'template.yaml'));

const SLACK = { SlackWorkspaceId: 'T0123ABCD', SlackChannelId: 'C0123ABCD' };
const TEAMS = {
  TeamsTenantId: '12345678-90ab-cdef-1234-567890abcdef',
  TeamsTeamId: 'fedcba98-7654-3210-fedc-ba9876543210',
  TeamsChannelId: '19%3a0123456789abcdef0123456789abcdef%40thread.tacv2',
};

function deployment(parameters: Record<string, string>): Deployment {
  return { template, stackName: 'cfn-watchdog', accountId: '111111111111', region: 'eu-central-1', parameters };
}

const deployed = (parameters: Record<string, string>): string[] => deployedResources(deployment(parameters));
const outputs = (parameters: Record<string, string>): string[] => deployedOutputs(deployment(parameters));

const baseline = deployed({});
const properties = (id: string): Record<string, unknown> => template.Resources[id]?.Properties ?? {};

describe('the Slack and Teams channels', () => {
  it('are not deployed without their ids: no channel configuration, no role, no output', () => {
    // Act
    const chat = baseline.filter(
      (id) => /Chat|Slack|Teams/.test(id) || template.Resources[id]?.Type.startsWith('AWS::Chatbot::'),
    );

    // Assess
    expect(chat).toEqual([]);
    expect(outputs({}).filter((name) => name.endsWith('ChannelConfigurationArn'))).toEqual([]);
  });

  it.each([
    ['Slack', SLACK, ['ChatChannelRole', 'SlackChannel'], ['SlackChannelConfigurationArn']],
    ['Teams', TEAMS, ['ChatChannelRole', 'TeamsChannel'], ['TeamsChannelConfigurationArn']],
    [
      'Slack and Teams',
      { ...SLACK, ...TEAMS },
      ['ChatChannelRole', 'SlackChannel', 'TeamsChannel'],
      ['SlackChannelConfigurationArn', 'TeamsChannelConfigurationArn'],
    ],
  ])(
    'with the %s ids, adds exactly the configuration and its role, and outputs its ARN',
    (_, parameters, added, named) => {
      // Act
      const resources = deployed(parameters).filter((id) => !baseline.includes(id));
      const outputNames = outputs(parameters).filter((name) => !outputs({}).includes(name));

      // Assess
      expect(resources.sort()).toEqual(added);
      expect(outputNames.sort()).toEqual(named);
    },
  );

  // The Rules refuse these before deploying; the conditions agree, so that cfn-lint can tell that
  // every id a configuration takes is set.
  it.each([
    ['the Slack channel alone', { SlackChannelId: SLACK.SlackChannelId }],
    ['two Teams ids of three', { TeamsTenantId: TEAMS.TeamsTenantId, TeamsChannelId: TEAMS.TeamsChannelId }],
  ])('makes no configuration from a part of its ids: %s', (_, parameters) => {
    expect(deployed(parameters)).toEqual(baseline);
  });

  it.each([
    [
      'SlackChannel',
      'AWS::Chatbot::SlackChannelConfiguration',
      SLACK,
      { SlackWorkspaceId: 'T0123ABCD', SlackChannelId: 'C0123ABCD' },
    ],
    [
      'TeamsChannel',
      'AWS::Chatbot::MicrosoftTeamsChannelConfiguration',
      TEAMS,
      { TeamsTenantId: TEAMS.TeamsTenantId, TeamId: TEAMS.TeamsTeamId, TeamsChannelId: TEAMS.TeamsChannelId },
    ],
  ])(
    '%s relays the alerts topic only, as the role that may do nothing, under the AWSDenyAll guardrail',
    (id, type, parameters, ids) => {
      // Prepare
      const resource = template.Resources[id];
      // The parameters and constants, resolved; the topic and the role as references.
      const { SnsTopicArns, IamRoleArn, ...own } = properties(id);
      const resolved = resolve(deployment(parameters), own) as Record<string, unknown>;

      // Assess
      expect(resource?.Type).toBe(type);
      expect(SnsTopicArns).toEqual([{ Ref: 'AlertsTopic' }]);
      expect(IamRoleArn).toEqual({ 'Fn::GetAtt': ['ChatChannelRole', 'Arn'] });
      expect(resolved.GuardrailPolicies).toEqual(['arn:aws:iam::aws:policy/AWSDenyAll']);
      expect(resolved.UserRoleRequired).toBe(false);
      expect(resolved).toMatchObject(ids);
    },
  );

  it('names each configuration after the stack, within what Chatbot accepts for the longest stack name (53)', () => {
    for (const id of ['SlackChannel', 'TeamsChannel']) {
      const stackName = `w-${'x'.repeat(51)}`;
      const name = String(resolve({ ...deployment({}), stackName }, properties(id).ConfigurationName));
      expect(name, id).toMatch(/^[A-Za-z0-9-_]{1,128}$/);
      expect(name.startsWith(stackName), id).toBe(true);
    }
    expect(resolve(deployment({}), properties('SlackChannel').ConfigurationName)).not.toBe(
      resolve(deployment({}), properties('TeamsChannel').ConfigurationName),
    );
  });

  it('gives the channel role nothing: trusted by chatbot.amazonaws.com only, no policy, outside /cfn-watchdog/', () => {
    // Prepare
    const role = properties('ChatChannelRole');

    // Assess
    expect(template.Resources.ChatChannelRole?.Type).toBe('AWS::IAM::Role');
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(Object.keys(role).sort()).toEqual(['AssumeRolePolicyDocument', 'Description']);
    expect(policyStatements(template.Resources).filter(({ where }) => where === 'ChatChannelRole')).toEqual([]);
  });

  it("leaves the key policy to the topic's publishers (SNS decrypts before it delivers to Chatbot)", () => {
    const key = JSON.stringify(properties('WatchdogKey').KeyPolicy);
    expect(key).not.toContain('chatbot');
  });
});

describe('the chat parameters', () => {
  const pattern = (name: string) => new RegExp(String(template.Parameters?.[name]?.AllowedPattern));

  it.each([
    [
      'SlackWorkspaceId',
      ['', 'T0123ABCD', 'T07EZ1ABC23'],
      ['t0123abcd', 'my-workspace', 'T01', 'https://app.slack.com/client/T0123ABCD'],
    ],
    ['SlackChannelId', ['', 'C0123ABCD', 'C07EZ1ABC23', 'G0123ABCD'], ['#alerts', 'alerts', 'c0123abcd', 'C0123 ABCD']],
    [
      'TeamsTenantId',
      ['', TEAMS.TeamsTenantId, TEAMS.TeamsTenantId.toUpperCase()],
      ['12345678-90ab-cdef-1234', '{12345678-90ab-cdef-1234-567890abcdef}', 'contoso.onmicrosoft.com'],
    ],
    ['TeamsTeamId', ['', TEAMS.TeamsTeamId], ['fedcba98765432', 'fedcba98-7654-3210-fedc-ba987654321g']],
    [
      'TeamsChannelId',
      ['', TEAMS.TeamsChannelId, '19%3AabcDEF_123-xyz%40thread.skype'],
      ['19:0123456789abcdef@thread.tacv2', 'General', '19%3a%40thread.tacv2', '19%3aabc%40thread.tacv2/x y'],
    ],
  ])('%s accepts real-looking ids and empty, and refuses junk', (name, accepted, refused) => {
    for (const value of accepted) expect(value, `${name} accepts`).toMatch(pattern(name));
    for (const value of refused) expect(value, `${name} refuses`).not.toMatch(pattern(name));
  });

  /** The rules whose assertions fail for these parameters, as CloudFormation evaluates them before deploying. */
  function failedRules(parameters: Record<string, string>): string[] {
    const rules = (template.Rules ?? {}) as Record<string, { Assertions: Array<{ Assert: unknown }> }>;
    return Object.entries(rules)
      .filter(([, rule]) =>
        rule.Assertions.some((assertion) => resolve(deployment(parameters), assertion.Assert) !== true),
      )
      .map(([name]) => name);
  }

  it.each([
    ['no ids', {}, []],
    ['both Slack ids', SLACK, []],
    ['all three Teams ids', TEAMS, []],
    ['every id', { ...SLACK, ...TEAMS }, []],
    ['the Slack workspace alone', { SlackWorkspaceId: SLACK.SlackWorkspaceId }, ['SlackNeedsWorkspaceAndChannel']],
    ['the Slack channel alone', { SlackChannelId: SLACK.SlackChannelId }, ['SlackNeedsWorkspaceAndChannel']],
    [
      'two Teams ids of three',
      { TeamsTenantId: TEAMS.TeamsTenantId, TeamsChannelId: TEAMS.TeamsChannelId },
      ['TeamsNeedsTenantTeamAndChannel'],
    ],
    ['the Teams team alone', { TeamsTeamId: TEAMS.TeamsTeamId }, ['TeamsNeedsTenantTeamAndChannel']],
  ])('refuses a half-configured channel before deploying: %s', (_, parameters, failed) => {
    expect(failedRules(parameters)).toEqual(failed);
  });

  it('describes each rule, so that the refusal says which ids go together', () => {
    const rules = (template.Rules ?? {}) as Record<string, { Assertions: Array<{ AssertDescription?: string }> }>;
    expect(Object.keys(rules).sort()).toEqual(['SlackNeedsWorkspaceAndChannel', 'TeamsNeedsTenantTeamAndChannel']);
    for (const [name, rule] of Object.entries(rules))
      for (const assertion of rule.Assertions)
        expect(assertion.AssertDescription, name).toMatch(/must be set together/);
  });
});
