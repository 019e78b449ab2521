import { describe, expect, it } from 'vitest';
import {
  resourceLabel,
  resourceName,
  resourcesInProgress,
  type ResourceRecord,
} from '../../shared/domain/resources.ts';
import { t } from './fixtures.ts';

function resource(
  logicalResourceId: string,
  time: string,
  status: string,
  extra: Partial<ResourceRecord> = {},
): ResourceRecord {
  return {
    logicalResourceId,
    physicalResourceId: `trustsource-core-prod-${logicalResourceId}`,
    resourceType: 'AWS::Lambda::Function',
    status,
    statusReason: '',
    time: t(time),
    ...extra,
  };
}

const WAITING = 'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.';

// From the seed's deletion (events/incidents/trustsource-2021-09-21.jsonl).
const SEED_DELETION: readonly ResourceRecord[] = [
  resource('ApiGatewayDeployment', '19:09:03', 'DELETE_IN_PROGRESS', { resourceType: 'AWS::ApiGateway::Deployment' }),
  resource('ScanQueueEventSourceMapping', '19:09:03', 'DELETE_IN_PROGRESS', {
    resourceType: 'AWS::Lambda::EventSourceMapping',
  }),
  resource('ApiGatewayDeployment', '19:09:04', 'DELETE_COMPLETE', { resourceType: 'AWS::ApiGateway::Deployment' }),
  resource('RescanScheduleRule', '19:09:07', 'DELETE_IN_PROGRESS', { resourceType: 'AWS::Events::Rule' }),
  resource('RescanScheduleRule', '19:09:18', 'DELETE_COMPLETE', { resourceType: 'AWS::Events::Rule' }),
  resource('ScanQueueEventSourceMapping', '19:09:21', 'DELETE_COMPLETE', {
    resourceType: 'AWS::Lambda::EventSourceMapping',
  }),
  resource('ScanAnalysisFunction', '19:09:22', 'DELETE_IN_PROGRESS', { statusReason: WAITING }),
];

describe('resourcesInProgress', () => {
  it('names the resources whose latest status is in progress, with when they entered it', () => {
    // Act
    const stuck = resourcesInProgress(SEED_DELETION, t('19:09'));

    // Assess
    expect(stuck).toEqual([
      {
        logicalResourceId: 'ScanAnalysisFunction',
        physicalResourceId: 'trustsource-core-prod-ScanAnalysisFunction',
        resourceType: 'AWS::Lambda::Function',
        status: 'DELETE_IN_PROGRESS',
        statusReason: WAITING,
        since: t('19:09:22'),
      },
    ]);
  });

  it('gives the same answer for any delivery order', () => {
    // Act
    const stuck = resourcesInProgress([...SEED_DELETION].reverse(), t('19:09'));

    // Assess
    expect(stuck.map((r) => r.logicalResourceId)).toEqual(['ScanAnalysisFunction']);
  });

  it('lists several in progress oldest first, then by logical id', () => {
    // Prepare
    const records = [
      resource('Zeta', '10:00:05', 'CREATE_IN_PROGRESS'),
      resource('Beta', '10:00:01', 'CREATE_IN_PROGRESS'),
      resource('Alpha', '10:00:05', 'CREATE_IN_PROGRESS'),
    ];

    // Act
    const stuck = resourcesInProgress(records);

    // Assess
    expect(stuck.map((r) => r.logicalResourceId)).toEqual(['Beta', 'Alpha', 'Zeta']);
  });

  it('takes a resource finishing in the same second it started as finished', () => {
    // Prepare
    const records = [resource('Queue', '10:00', 'CREATE_COMPLETE'), resource('Queue', '10:00', 'CREATE_IN_PROGRESS')];

    // Act
    const stuck = resourcesInProgress(records);

    // Assess
    expect(stuck).toEqual([]);
  });

  it('ignores what happened before the operation started', () => {
    // Prepare: a resource left in progress by an earlier operation whose events were cut short.
    const records = [resource('Old', '09:00', 'UPDATE_IN_PROGRESS'), resource('New', '10:05', 'UPDATE_IN_PROGRESS')];

    // Act
    const stuck = resourcesInProgress(records, t('10:00'));

    // Assess
    expect(stuck.map((r) => r.logicalResourceId)).toEqual(['New']);
  });

  it('ignores events without a logical id', () => {
    // Prepare
    const records = [resource('', '10:00', 'DELETE_IN_PROGRESS')];

    // Act
    const stuck = resourcesInProgress(records);

    // Assess
    expect(stuck).toEqual([]);
  });

  it('shows a resource that failed and then is deleted again as in progress again', () => {
    // Prepare
    const records = [
      resource('ScanQueue', '19:34:23', 'CREATE_IN_PROGRESS'),
      resource('ScanQueue', '19:34:24', 'CREATE_FAILED'),
      resource('ScanQueue', '19:34:26', 'DELETE_IN_PROGRESS'),
    ];

    // Act
    const stuck = resourcesInProgress(records);

    // Assess
    expect(stuck.map((r) => [r.logicalResourceId, r.status, r.since])).toEqual([
      ['ScanQueue', 'DELETE_IN_PROGRESS', t('19:34:26')],
    ]);
  });

  // ResourceInProgress.since is documented as "When the resource entered its current in-progress
  // status". CloudFormation sends CREATE_IN_PROGRESS twice for a resource (without a physical id,
  // then "Resource creation Initiated" with one, as in the seed at 19:33:18 and 19:33:19); the
  // resource entered CREATE_IN_PROGRESS at the first, but `since` is the second.
  it('dates a resource from the first event of its current in-progress status', () => {
    // Prepare
    const records = [
      resource('ScanDeadLetterQueue', '19:33:18', 'CREATE_IN_PROGRESS', { physicalResourceId: '' }),
      resource('ScanDeadLetterQueue', '19:33:19', 'CREATE_IN_PROGRESS', {
        statusReason: 'Resource creation Initiated',
      }),
    ];

    // Act
    const stuck = resourcesInProgress(records);

    // Assess
    expect(stuck.map((r) => r.since)).toEqual([t('19:33:18')]);
  });
});

describe('resourcesInProgress, physical ids', () => {
  it(
    'keeps the physical id CloudFormation gave in the second CREATE_IN_PROGRESS, whichever of the two is ' + 'latest',
    () => {
      // Prepare: at the same second, the one without a physical id sorts last.
      const records = [
        resource('ScanStack', '10:00:02', 'CREATE_IN_PROGRESS', {
          physicalResourceId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/core-ScanStack-1AB/uuid',
          statusReason: 'Resource creation Initiated',
        }),
        resource('ScanStack', '10:00:02', 'CREATE_IN_PROGRESS', { physicalResourceId: '' }),
      ];

      // Act
      const [stuck] = resourcesInProgress(records, t('10:00'));

      // Assess
      expect(stuck?.physicalResourceId).toBe(
        'arn:aws:cloudformation:eu-west-1:123456789012:stack/core-ScanStack-1AB/uuid',
      );
    },
  );
});

describe('resourceName and resourceLabel', () => {
  it.each([
    [{ logicalResourceId: 'Fn', resourceType: 'AWS::Lambda::Function' }, 'Fn', 'Fn (AWS::Lambda::Function)'],
    [
      { logicalResourceId: 'Fn', resourceType: 'AWS::Lambda::Function', inNestedStack: 'core-ScanStack-1AB' },
      'Fn in nested stack core-ScanStack-1AB',
      'Fn (AWS::Lambda::Function) in nested stack core-ScanStack-1AB',
    ],
  ])('names %j as %j in a sentence and %j in a list', (given, name, label) => {
    expect([resourceName(given), resourceLabel(given)]).toEqual([name, label]);
  });
});
