/**
 * template.yaml as the Serverless Application Repository (SAR) publishes it: the
 * AWS::ServerlessRepo::Application metadata agrees with package.json and keeps SAR's limits,
 * the console groups and labels every parameter once, and every resource type SAM generates is
 * one SAR takes (or is named in docs/install.md as one it may not), with the capabilities a
 * consumer must acknowledge written down there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/build.ts';
import { readTemplate, type CfnTemplate } from '../scripts/cfn-template.ts';
import { transformed } from './support/sam-transform.ts';

type Json = Record<string, unknown>;

const template = readTemplate(join(REPO_ROOT, 'template.yaml'));
const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  readonly version: string;
  readonly license: string;
  readonly repository: { readonly url: string };
};
const installDoc = readFileSync(join(REPO_ROOT, 'docs', 'install.md'), 'utf8');

function record(value: unknown): Json {
  expect(value).toBeTypeOf('object');
  expect(value).not.toBeNull();
  expect(Array.isArray(value)).toBe(false);
  return value as Json;
}

const application = record(template.Metadata?.['AWS::ServerlessRepo::Application']);
const face = record(template.Metadata?.['AWS::CloudFormation::Interface']);
const parameterNames = Object.keys(template.Parameters ?? {});

/**
 * SAR's limits on the metadata, from "AWS SAM template Metadata section properties"
 * (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-template-publishing-applications-metadata-properties.html)
 * and CreateApplication in the SAR API reference (labels: at most 10, each 1-127 characters).
 */
const LIMITS = {
  name: { pattern: /^[a-zA-Z0-9-]+$/, max: 140 },
  description: { max: 256 },
  author: { pattern: /^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$/, max: 127 },
  label: { pattern: /^[a-zA-Z0-9+\-_:/@]+$/, max: 127, count: 10 },
  semanticVersion: /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/,
} as const;

/**
 * Resource types SAR accepts: an excerpt (the families this template could use) of "List of
 * Supported AWS Resources" in the SAR Developer Guide
 * (https://docs.aws.amazon.com/serverlessrepo/latest/devguide/list-supported-resources.html), as
 * last published in awsdocs/aws-serverlessrepo-developer-guide (doc_source/list-supported-resources.md).
 */
const SAR_SUPPORTED = new Set([
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::DynamoDB::Table',
  'AWS::Events::EventBusPolicy',
  'AWS::Events::Rule',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::KMS::Alias',
  'AWS::KMS::Key',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::Lambda::Version',
  'AWS::Logs::LogGroup',
  'AWS::Logs::MetricFilter',
  'AWS::Logs::SubscriptionFilter',
  'AWS::S3::Bucket',
  'AWS::SNS::Subscription',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::SSM::Parameter',
]);

/**
 * Types the template needs that the published list does not name, each with why it stays:
 * docs/install.md, "Resources SAR may refuse", says what to do if `sam publish` refuses one.
 */
const SAR_UNCONFIRMED: Readonly<Record<string, string>> = {
  'AWS::Events::EventBus':
    "the window-events bus (WatchdogEventBus) is the recovery hand-off's; SAR's published list names " +
    'EventBusPolicy and Rule but not EventBus',
  'AWS::Chatbot::SlackChannelConfiguration':
    'optional (only with SlackWorkspaceId and SlackChannelId); not on the published list of SAR-supported types',
  'AWS::Chatbot::MicrosoftTeamsChannelConfiguration':
    'optional (only with the three Teams ids); not on the published list of SAR-supported types',
  'AWS::Events::Connection':
    'optional (only with PagerDutyRoutingKey): the PagerDuty API destination needs one; not on the published list',
  'AWS::Events::ApiDestination':
    'optional (only with PagerDutyRoutingKey): PagerDuty Events API v2; not on the published list',
};

/**
 * What a consumer must acknowledge, per resource type: "Application Capabilities: IAM Roles,
 * Resource Policies, and Nested Applications" and "Using AWS SAM with the AWS Serverless
 * Application Repository" in the SAR Developer Guide
 * (https://docs.aws.amazon.com/serverlessrepo/latest/devguide/acknowledging-application-capabilities.html).
 */
const CAPABILITY_OF: Readonly<Record<string, string>> = {
  'AWS::IAM::Group': 'CAPABILITY_IAM',
  'AWS::IAM::InstanceProfile': 'CAPABILITY_IAM',
  'AWS::IAM::Role': 'CAPABILITY_IAM',
  'AWS::IAM::Policy': 'CAPABILITY_RESOURCE_POLICY',
  'AWS::Lambda::Permission': 'CAPABILITY_RESOURCE_POLICY',
  'AWS::Lambda::LayerVersionPermission': 'CAPABILITY_RESOURCE_POLICY',
  'AWS::Events::EventBusPolicy': 'CAPABILITY_RESOURCE_POLICY',
  'AWS::S3::BucketPolicy': 'CAPABILITY_RESOURCE_POLICY',
  'AWS::SQS::QueuePolicy': 'CAPABILITY_RESOURCE_POLICY',
  'AWS::SNS::TopicPolicy': 'CAPABILITY_RESOURCE_POLICY',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'CAPABILITY_RESOURCE_POLICY',
  'AWS::Serverless::Application': 'CAPABILITY_AUTO_EXPAND',
};

/** Every key of `value`, at any depth. */
function keysDeep(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysDeep);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...keysDeep(inner)]);
}

describe('the AWS::ServerlessRepo::Application metadata', () => {
  it("publishes package.json's version as SemanticVersion, a semantic version", () => {
    expect(application.SemanticVersion).toBe(packageJson.version);
    expect(application.SemanticVersion).toMatch(LIMITS.semanticVersion);
  });

  it("names package.json's licence, and its licence and readme files exist", () => {
    expect(application.SpdxLicenseId).toBe(packageJson.license);
    for (const field of ['LicenseUrl', 'ReadmeUrl']) {
      const file = application[field];
      expect(file, field).toBeTypeOf('string');
      expect(existsSync(join(REPO_ROOT, String(file))), `${field}: ${String(file)}`).toBe(true);
    }
    expect(readFileSync(join(REPO_ROOT, String(application.LicenseUrl)), 'utf8')).toMatch(/^MIT License/);
  });

  it("points HomePageUrl and SourceCodeUrl at package.json's repository", () => {
    expect(packageJson.repository.url).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+$/);
    expect(application.HomePageUrl).toBe(packageJson.repository.url);
    expect(application.SourceCodeUrl).toBe(packageJson.repository.url);
  });

  it.each([
    ['Name', LIMITS.name.pattern, LIMITS.name.max],
    ['Author', LIMITS.author.pattern, LIMITS.author.max],
    ['Description', /\S/, LIMITS.description.max],
  ] as const)('keeps %s to the pattern and length SAR accepts', (field, pattern, max) => {
    const value = application[field];
    expect(value).toBeTypeOf('string');
    expect(String(value)).toMatch(pattern);
    expect(String(value).length).toBeLessThanOrEqual(max);
  });

  it('has at most 10 labels, each of the pattern and length SAR accepts', () => {
    const labels = application.Labels;
    expect(Array.isArray(labels)).toBe(true);
    const list = labels as unknown[];
    expect(list.length).toBeGreaterThan(0);
    expect(list.length).toBeLessThanOrEqual(LIMITS.label.count);
    for (const label of list) {
      expect(label).toBeTypeOf('string');
      expect(String(label)).toMatch(LIMITS.label.pattern);
      expect(String(label).length).toBeLessThanOrEqual(LIMITS.label.max);
    }
    expect(new Set(list).size).toBe(list.length);
  });

  it('uses no intrinsic function (SAR reads the section as written)', () => {
    expect(keysDeep(application).filter((key) => key === 'Ref' || key.startsWith('Fn::'))).toEqual([]);
  });
});

describe('the AWS::CloudFormation::Interface metadata', () => {
  const groups = (face.ParameterGroups as unknown[]).map(record);

  it('puts every parameter in exactly one group, and no other name', () => {
    const grouped = groups.flatMap((group) => group.Parameters as string[]);
    expect([...grouped].sort()).toEqual([...parameterNames].sort());
  });

  it('gives every group a label', () => {
    for (const group of groups) expect(String(record(group.Label).default).trim()).not.toBe('');
  });

  it('labels every parameter, and no other name', () => {
    const labels = record(face.ParameterLabels);
    expect(Object.keys(labels).sort()).toEqual([...parameterNames].sort());
    for (const [name, label] of Object.entries(labels)) expect(String(record(label).default).trim(), name).not.toBe('');
  });
});

describe('template.yaml as SAR deploys it', () => {
  let deployed: CfnTemplate;
  let types: string[];
  beforeAll(() => {
    deployed = transformed('template.yaml');
    types = [...new Set(Object.values(deployed.Resources).map((resource) => resource.Type))].sort();
  }, 120_000);

  it("generates only resource types on SAR's list, or ones docs/install.md names as unconfirmed", () => {
    expect(types.filter((type) => !SAR_SUPPORTED.has(type) && !(type in SAR_UNCONFIRMED))).toEqual([]);
    for (const type of Object.keys(SAR_UNCONFIRMED)) {
      expect(types, `${type} is no longer generated: drop it from SAR_UNCONFIRMED`).toContain(type);
      expect(installDoc, `docs/install.md names ${type}`).toContain(type);
    }
  });

  it('needs CAPABILITY_IAM and CAPABILITY_RESOURCE_POLICY, as docs/install.md says', () => {
    const named = Object.values(deployed.Resources).some(
      (resource) => resource.Type === 'AWS::IAM::Role' && resource.Properties?.RoleName !== undefined,
    );
    const needed = [
      ...new Set(types.flatMap((type) => CAPABILITY_OF[type] ?? [])),
      ...(named ? ['CAPABILITY_NAMED_IAM'] : []),
    ].sort();
    expect(needed).toEqual(['CAPABILITY_IAM', 'CAPABILITY_RESOURCE_POLICY']);
    for (const capability of needed) expect(installDoc).toContain(capability);
  });
});
