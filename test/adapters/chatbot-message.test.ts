import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { CHATBOT_LIMITS, chatbotMessageOf, threadIdOf } from '../../shared/adapters/chatbot-message.ts';
import { MAX_SUBJECT_LENGTH } from '../../shared/adapters/sns-message.ts';
import { messageOf } from '../../shared/adapters/sns-notifier.ts';
import { diagnose } from '../../shared/domain/known-causes.ts';
import type { Notification } from '../../shared/domain/notification.ts';
import { REPO_ROOT } from '../support/shared-files.ts';
import { stackArn } from '../support/events.ts';
import { CORE_ARN, notification } from '../support/notifications.ts';

const schema = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'test/fixtures/chatbot-custom-notification.schema.json'), 'utf8'),
) as object;
const validate = new Ajv.default({ allErrors: true, strict: false }).compile(schema);

/** The seed's CRITICAL with what the watchdog knows of its cause. */
function critical(overrides: Partial<Notification> = {}): Notification {
  const base = notification(overrides);
  return {
    ...base,
    diagnosis: diagnose({
      stackName: base.stackName,
      region: base.region,
      stackStatus: base.status,
      stackStatusReason: base.statusReason,
      resources: base.resourcesInProgress,
    }),
    ...overrides,
  };
}

describe('chatbotMessageOf', () => {
  it(
    "makes the seed's CRITICAL a custom notification: emoji title, what is stuck and why, next steps ending with " +
      'the console',
    () => {
      // Act
      const message = chatbotMessageOf(critical());

      // Assess
      expect(validate(message), JSON.stringify(validate.errors)).toBe(true);
      expect(message.version).toBe('1.0');
      expect(message.source).toBe('custom');
      expect(message.content.textType).toBe('client-markdown');
      expect(message.content.title).toBe(
        ':rotating_light: [CRITICAL] DELETE of trustsource-core-prod running for 40 min (trustsource-core, ' +
          'eu-central-1)',
      );
      expect(message.content.description.split('\n')).toEqual([
        '*Stack* trustsource-core-prod · *service* trustsource-core · 123456789012 / eu-central-1',
        '*DELETE* started 2021-09-21T19:09:00Z, 40 min ago · status `DELETE_IN_PROGRESS`: User Initiated',
        '*Still in progress:*',
        '• `ScanAnalysisFunction` (AWS::Lambda::Function) DELETE_IN_PROGRESS since 2021-09-21T19:09:22Z — ' +
          'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.',
        '*Likely cause:* The Lambda function ScanAnalysisFunction runs in a VPC: CloudFormation waits until Lambda ' +
          'has deleted its network interfaces (Hyperplane ENIs), which Lambda does only some time after the ' +
          'function is gone. _Usually Lambda documents up to 20 minutes; 20 to 45 minutes is commonly reported, ' +
          'and now and then it never finishes by itself._ ' +
          '(<https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html|source>)',
      ]);
      expect(message.content.nextSteps[0]).toMatch(/^Wait, and do not delete the function's execution role/);
      expect(message.content.nextSteps.at(-1)).toBe(
        `<https://eu-central-1.console.aws.amazon.com/cloudformation/home?region=eu-central-1#/stacks/events?stackId=` +
          `${encodeURIComponent(CORE_ARN)}|Open the stack's events in the console>`,
      );
      expect(message.content.keywords).toEqual(['CRITICAL', 'trustsource-core', 'DELETE', 'eu-central-1']);
      expect(message.metadata).toEqual({
        threadId: `${CORE_ARN}#DELETE#2021-09-21T19:09:00Z`,
        summary: '[CRITICAL] DELETE of trustsource-core-prod running for 40 min (trustsource-core, eu-central-1)',
        eventType: 'cfn-watchdog CRITICAL',
        relatedResources: [CORE_ARN],
        additionalContext: {
          account: '123456789012',
          region: 'eu-central-1',
          service: 'trustsource-core',
          stackName: 'trustsource-core-prod',
          severity: 'CRITICAL',
        },
      });
    },
  );

  it('lists a resource of a nested stack with the nested stack that holds it', () => {
    // Prepare
    const [stuck] = notification().resourcesInProgress;
    const inside = {
      ...(stuck as NonNullable<typeof stuck>),
      logicalResourceId: 'AnalysisFunction',
      inNestedStack: 'trustsource-core-prod-ScanStack-1AB',
    };

    // Act
    const message = chatbotMessageOf(critical({ resourcesInProgress: [inside], diagnosis: [] }));

    // Assess
    expect(message.content.description.split('\n')[3]).toBe(
      '• `AnalysisFunction` (AWS::Lambda::Function) in nested stack trustsource-core-prod-ScanStack-1AB ' +
        'DELETE_IN_PROGRESS since 2021-09-21T19:09:22Z — CloudFormation is waiting for NetworkInterfaces ' +
        'associated with the Lambda Function to be cleaned up.',
    );
  });

  it.each([
    ['WARNING', ':warning:'],
    ['CRITICAL', ':rotating_light:'],
    ['FAILED', ':x:'],
    ['RESOLVED', ':white_check_mark:'],
  ] as const)('marks %s with %s', (severity, emoji) => {
    expect(chatbotMessageOf(critical({ severity })).content.title.startsWith(`${emoji} [${severity}]`)).toBe(true);
  });

  it('threads every severity of one operation together, and another operation apart', () => {
    // Act
    const threads = [
      threadIdOf(critical({ severity: 'WARNING' })),
      threadIdOf(critical({ severity: 'RESOLVED' })),
      threadIdOf(critical({ startedAt: Date.parse('2021-09-22T08:00:00Z') })),
    ];

    // Assess
    expect(threads[0]).toBe(threads[1]);
    expect(threads[2]).not.toBe(threads[0]);
  });

  it("stays within its field limits and SNS's 256 KB for a nested deployment with 500 resources stuck", () => {
    // Prepare
    const resources = Array.from({ length: 500 }, (_, index) => ({
      logicalResourceId: `NestedStack${index}`,
      physicalResourceId: stackArn({ name: `core-NestedStack${index}`, region: 'eu-central-1', uuid: 'f'.repeat(36) }),
      resourceType: 'AWS::CloudFormation::Stack',
      status: 'UPDATE_IN_PROGRESS',
      statusReason: 'x'.repeat(1000),
      since: Date.parse('2021-09-21T19:09:00Z') + index * 1000,
    }));
    const huge = critical({ stackName: `platform-${'y'.repeat(120)}`, resourcesInProgress: resources });

    // Act
    const message = chatbotMessageOf(huge);
    const published = messageOf(huge);

    // Assess
    expect(validate(message)).toBe(true);
    expect(message.content.title.length).toBeLessThanOrEqual(CHATBOT_LIMITS.title);
    expect(message.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.description);
    expect(message.content.nextSteps.length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextSteps);
    expect(message.content.nextSteps.every((step) => step.length <= CHATBOT_LIMITS.nextStep)).toBe(true);
    expect(message.metadata.summary.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(Buffer.byteLength(published, 'utf8')).toBeLessThan(256 * 1024);
    expect(JSON.parse(published).email).toContain('… and 480 more');
  });
});

describe('messageOf', () => {
  it('gives e-mail and the default the plain text, and HTTPS (Chatbot) the custom notification', () => {
    // Act
    const structure = JSON.parse(messageOf(critical())) as Record<string, string>;

    // Assess: sqs and lambda, the event as data: escalation-event.test.ts.
    expect(Object.keys(structure).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(structure.email).toBe(structure.default);
    expect(structure.email?.startsWith('CRITICAL: DELETE of trustsource-core-prod running for 40 min.\n')).toBe(true);
    expect(JSON.parse(structure.https ?? '{}')).toEqual(chatbotMessageOf(critical()));
  });
});
