import { describe, expect, it } from 'vitest';
import { attributesOf, bodyOf, consoleLink, MAX_SUBJECT_LENGTH, subjectOf } from '../../shared/adapters/sns-message.ts';
import { CORE_ARN, notification } from '../support/notifications.ts';

describe('subjectOf', () => {
  it.each([
    [
      'WARNING',
      { severity: 'WARNING', elapsedMs: 20 * 60_000 },
      '[WARNING] DELETE of trustsource-core-prod running for 20 min (trustsource-core, eu-central-1)',
    ],
    ['CRITICAL', {}, '[CRITICAL] DELETE of trustsource-core-prod running for 40 min (trustsource-core, eu-central-1)'],
    [
      'FAILED',
      { severity: 'FAILED', status: 'DELETE_FAILED' },
      '[FAILED] DELETE of trustsource-core-prod failed: DELETE_FAILED (trustsource-core, eu-central-1)',
    ],
    [
      'RESOLVED',
      { severity: 'RESOLVED', status: 'DELETE_COMPLETE', elapsedMs: 47.5 * 60_000 },
      '[RESOLVED] DELETE of trustsource-core-prod finished after 47 min (trustsource-core, eu-central-1)',
    ],
    [
      'a CRITICAL reminder',
      { reminder: 2, elapsedMs: 55 * 60_000 },
      '[CRITICAL #2] DELETE of trustsource-core-prod running for 55 min (trustsource-core, eu-central-1)',
    ],
  ] as const)('says what happened for %s', (_severity, overrides, expected) => {
    expect(subjectOf(notification(overrides))).toBe(expected);
  });

  it('cuts a subject to 99 characters with an ASCII ellipsis (SNS wants fewer than 100)', () => {
    // Prepare
    const long = notification({ stackName: `platform-${'x'.repeat(120)}` });

    // Act
    const subject = subjectOf(long);

    // Assess
    expect(subject).toHaveLength(99);
    expect(MAX_SUBJECT_LENGTH).toBe(99);
    expect(subject.startsWith('[CRITICAL] DELETE of platform-xxx')).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('replaces characters SNS does not accept in a subject', () => {
    expect(subjectOf(notification({ service: 'zahlungsdienst-über' }))).toBe(
      '[CRITICAL] DELETE of trustsource-core-prod running for 40 min (zahlungsdienst-?ber, eu-central-1)',
    );
  });
});

describe('bodyOf', () => {
  it('names the stack, where it runs, how long, its status and the resources still in progress', () => {
    expect(bodyOf(notification())).toBe(
      [
        'CRITICAL: DELETE of trustsource-core-prod running for 40 min.',
        '',
        'Stack:      trustsource-core-prod',
        `Stack id:   ${CORE_ARN}`,
        'Service:    trustsource-core',
        'Account:    123456789012',
        'Region:     eu-central-1',
        'Operation:  DELETE, started 2021-09-21T19:09:00Z',
        'Elapsed:    40 min (as of 2021-09-21T19:49:00Z)',
        'Status:     DELETE_IN_PROGRESS (User Initiated)',
        '',
        'Still in progress:',
        '  - ScanAnalysisFunction (AWS::Lambda::Function) trustsource-core-prod-ScanAnalysisFunction-1A2B3C4D5E6F: ' +
          'DELETE_IN_PROGRESS since 2021-09-21T19:09:22Z',
        '    CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.',
        '',
        `Stack events: ` +
          `https://eu-central-1.console.aws.amazon.com/cloudformation/home?region=eu-central-1#/stacks/events?stack` +
          `Id=${encodeURIComponent(CORE_ARN)}`,
        '',
      ].join('\n'),
    );
  });

  it('lists a resource of a nested stack with the nested stack that holds it', () => {
    // Prepare
    const [stuck] = notification().resourcesInProgress;
    const inside = {
      ...(stuck as NonNullable<typeof stuck>),
      logicalResourceId: 'AnalysisFunction',
      physicalResourceId: '',
      inNestedStack: 'trustsource-core-prod-ScanStack-1AB',
    };

    // Act
    const lines = bodyOf(notification({ resourcesInProgress: [inside] })).split('\n');

    // Assess
    expect(lines).toContain(
      '  - AnalysisFunction (AWS::Lambda::Function) in nested stack trustsource-core-prod-ScanStack-1AB: ' +
        'DELETE_IN_PROGRESS since 2021-09-21T19:09:22Z',
    );
  });

  it('leaves out the resources section and an empty reason when there are none', () => {
    const body = bodyOf(
      notification({ severity: 'RESOLVED', status: 'DELETE_COMPLETE', statusReason: '', resourcesInProgress: [] }),
    );
    expect(body).toContain('Status:     DELETE_COMPLETE\n');
    expect(body).not.toContain('Still in progress');
  });
});

describe('consoleLink', () => {
  it.each([
    ['aws', 'eu-central-1', 'https://eu-central-1.console.aws.amazon.com/'],
    ['aws-cn', 'cn-north-1', 'https://cn-north-1.console.amazonaws.cn/'],
    ['aws-us-gov', 'us-gov-west-1', 'https://us-gov-west-1.console.amazonaws-us-gov.com/'],
  ])('opens the stack events of a %s stack in its own region', (partition, region, host) => {
    const stackId = `arn:${partition}:cloudformation:${region}:123456789012:stack/api/uuid`;
    expect(consoleLink({ stackId, region })).toBe(
      `${host}cloudformation/home?region=${region}#/stacks/events?stackId=${encodeURIComponent(stackId)}`,
    );
  });
});

describe('attributesOf', () => {
  it('gives subscribers the six filterable attributes as strings', () => {
    expect(attributesOf(notification())).toEqual({
      severity: { DataType: 'String', StringValue: 'CRITICAL' },
      service: { DataType: 'String', StringValue: 'trustsource-core' },
      stackName: { DataType: 'String', StringValue: 'trustsource-core-prod' },
      account: { DataType: 'String', StringValue: '123456789012' },
      region: { DataType: 'String', StringValue: 'eu-central-1' },
      operation: { DataType: 'String', StringValue: 'DELETE' },
    });
  });
});

describe('bodyOf with what the watchdog knows of the cause', () => {
  it(
    'ends a FAILED blocked by a deletion with that deletion, how long it had run, what it holds and what ' + 'to do',
    () => {
      // Prepare
      const failed = notification({
        severity: 'FAILED',
        stackName: 'trustsource-scan-prod',
        operation: 'CREATE',
        status: 'ROLLBACK_COMPLETE',
        statusReason: '',
        resourcesInProgress: [],
        blockedBy: {
          stackId: CORE_ARN,
          stackName: 'trustsource-core-prod',
          since: Date.parse('2021-09-21T19:09:00Z'),
          runningMsAtFailure: 26 * 60_000 + 32_000,
          heldResource: 'trustsource-scan-queue',
        },
      });

      // Act
      const body = bodyOf(failed);

      // Assess
      expect(body).toContain(
        [
          '',
          'Likely cause: the deletion of stack trustsource-core-prod (in progress for 26 min when this failed), ' +
            'which still holds trustsource-scan-queue: this CREATE needed what the old stack had not released yet.',
          'Next steps:',
          '  1. Wait for the deletion of trustsource-core-prod to end, then deploy again.',
          '  2. Or deploy now with new names for what the old stack still holds (queues, buckets, log groups).',
          '',
          'Stack events: ',
        ].join('\n'),
      );
    },
  );

  it('lists a known cause with how long it usually takes, numbered next steps and its source', () => {
    // Prepare
    const stuck = notification({
      diagnosis: [
        {
          id: 'x',
          resource: 'Seed',
          cause: 'The custom resource Seed has not answered.',
          typically: 'up to an hour',
          nextSteps: ['Read its logs.', 'Answer for it.'],
          source: 'https://docs.aws.amazon.com/x',
        },
      ],
    });

    // Act
    const body = bodyOf(stuck);

    // Assess
    expect(body).toContain(
      [
        'Likely cause: The custom resource Seed has not answered.',
        'Usually: up to an hour.',
        'Next steps:',
        '  1. Read its logs.',
        '  2. Answer for it.',
        'Source: https://docs.aws.amazon.com/x',
      ].join('\n'),
    );
  });

  it.each([
    [
      'a name clash with a stack that is not being deleted',
      {
        stackId: CORE_ARN,
        stackName: 'trustsource-core-prod',
        since: null,
        runningMsAtFailure: null,
        heldResource: 'trustsource-scan-queue',
      },
      'Likely cause: trustsource-scan-queue already exists in stack trustsource-core-prod: this CREATE needs a ' +
        'name that stack holds.',
    ],
    [
      'a deletion that only overlapped',
      {
        stackId: CORE_ARN,
        stackName: 'trustsource-core-prod',
        since: Date.parse('2021-09-21T19:09:00Z'),
        runningMsAtFailure: 26 * 60_000,
        heldResource: null,
      },
      'Likely cause: possibly the deletion of stack trustsource-core-prod of the same service (in progress for 26 ' +
        'min when this failed)',
    ],
  ])('says only what it knows of %s', (_case, blockedBy, expected) => {
    // Act
    const body = bodyOf(notification({ severity: 'FAILED', operation: 'CREATE', resourcesInProgress: [], blockedBy }));

    // Assess
    expect(body).toContain(expected);
  });

  it('keeps a very long status reason to 1000 characters', () => {
    // Act
    const body = bodyOf(notification({ statusReason: 'r'.repeat(5000) }));

    // Assess
    expect(body).toContain(`Status:     DELETE_IN_PROGRESS (${'r'.repeat(999)}…)`);
  });
});
