/**
 * The CloudFormation that `replay --simulate-cloudformation` asks (DESIGN.md, replay contract):
 * DescribeStacks and DescribeStackResources answered from the whole input as of the virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { createSimulatedCloudFormation } from '../../cli/simulated-cloudformation.ts';
import { parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import type { CloudFormationEvent } from '../../shared/domain/events.ts';
import { resourceEvent, stackArn, stackEvent, type StackSpec } from '../support/events.ts';
import { t } from '../domain/fixtures.ts';

const API: StackSpec = { name: 'api-prod' };
const API_ARN = stackArn(API);
const OTHER_ARN = stackArn({ name: 'never-seen' });
const WAITING = 'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.';

const at = (hms: string): string => `2021-09-21T${hms}Z`;
const fn = { physicalId: 'api-prod-Handler-1AB' };

/** A stack's whole life: created, updated, deleted; Orphan's creation never completes in the events. */
const HISTORY: readonly unknown[] = [
  stackEvent(API, at('10:00:00'), 'CREATE_IN_PROGRESS', 'User Initiated'),
  resourceEvent(API, at('10:00:05'), 'Handler', 'CREATE_IN_PROGRESS', { physicalId: '' }),
  resourceEvent(API, at('10:00:06'), 'Orphan', 'CREATE_IN_PROGRESS', { type: 'AWS::SQS::Queue', physicalId: '' }),
  resourceEvent(API, at('10:00:07'), 'Handler', 'CREATE_IN_PROGRESS', { ...fn, reason: 'Resource creation Initiated' }),
  resourceEvent(API, at('10:03:00'), 'Handler', 'CREATE_COMPLETE', fn),
  stackEvent(API, at('10:04:00'), 'CREATE_COMPLETE'),
  stackEvent(API, at('11:00:00'), 'UPDATE_IN_PROGRESS', 'User Initiated'),
  resourceEvent(API, at('11:00:10'), 'Handler', 'UPDATE_IN_PROGRESS', fn),
  resourceEvent(API, at('11:10:00'), 'Handler', 'UPDATE_COMPLETE', fn),
  stackEvent(API, at('11:10:05'), 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
  stackEvent(API, at('11:11:00'), 'UPDATE_COMPLETE'),
  stackEvent(API, at('12:00:00'), 'DELETE_IN_PROGRESS', 'User Initiated'),
  resourceEvent(API, at('12:00:02'), 'Handler', 'DELETE_IN_PROGRESS', fn),
  resourceEvent(API, at('12:00:09'), 'Handler', 'DELETE_IN_PROGRESS', { ...fn, reason: WAITING }),
  resourceEvent(API, at('12:05:00'), 'Handler', 'DELETE_COMPLETE', fn),
  stackEvent(API, at('12:05:10'), 'DELETE_COMPLETE'),
];

const events = (elements: readonly unknown[]): CloudFormationEvent[] =>
  elements.map((element) => parseCloudFormationEvent(element));

/** The simulated CloudFormation over ELEMENTS with its clock at HMS. */
function simulatedAt(hms: string, elements: readonly unknown[] = HISTORY) {
  return createSimulatedCloudFormation(events(elements), () => t(hms));
}

describe('describe (DescribeStacks)', () => {
  it.each([
    ['before its first event', '09:59:59'],
    ['at and after its DELETE_COMPLETE', '12:05:10'],
    ['long after its DELETE_COMPLETE', '18:00:00'],
  ])('says the stack does not exist %s', async (_when, hms) => {
    // Prepare
    const inspector = simulatedAt(hms);

    // Act
    const described = await inspector.describe(API_ARN);

    // Assess
    expect(described).toEqual({ exists: false });
  });

  it.each([
    [
      'its creation in progress',
      '10:00:00',
      { status: 'CREATE_IN_PROGRESS', statusReason: 'User Initiated', lastUpdatedAt: t('10:00:00'), statusSince: null },
    ],
    [
      'created (terminal: since when)',
      '10:30:00',
      { status: 'CREATE_COMPLETE', statusReason: '', lastUpdatedAt: t('10:00:00'), statusSince: t('10:04:00') },
    ],
    [
      'its update in progress (LastUpdatedTime)',
      '11:05:00',
      { status: 'UPDATE_IN_PROGRESS', statusReason: 'User Initiated', lastUpdatedAt: t('11:00:00'), statusSince: null },
    ],
    [
      'its update cleaning up',
      '11:10:05',
      {
        status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        statusReason: '',
        lastUpdatedAt: t('11:00:00'),
        statusSince: null,
      },
    ],
    [
      'updated (terminal: since when)',
      '11:59:59',
      { status: 'UPDATE_COMPLETE', statusReason: '', lastUpdatedAt: t('11:00:00'), statusSince: t('11:11:00') },
    ],
    [
      'its deletion in progress (a deletion leaves LastUpdatedTime)',
      '12:05:09',
      { status: 'DELETE_IN_PROGRESS', statusReason: 'User Initiated', lastUpdatedAt: t('11:00:00'), statusSince: null },
    ],
  ])('reports the latest status with %s at %s', async (_what, hms, expected) => {
    // Prepare
    const inspector = simulatedAt(hms);

    // Act
    const described = await inspector.describe(API_ARN);

    // Assess
    expect(described).toEqual({ exists: true, ...expected });
  });

  it('says a stack the input never names does not exist', async () => {
    // Prepare
    const inspector = simulatedAt('11:05:00');

    // Act
    const described = await inspector.describe(OTHER_ARN);

    // Assess
    expect(described).toEqual({ exists: false });
  });

  it(
    'answers from every event of the input, whatever its order: one that a replay delivers late is known from its ' +
      'own time on',
    async () => {
      // Prepare: the input in reverse, as if the later events were delivered first (or not yet).
      const inspector = simulatedAt('11:30:00', [...HISTORY].reverse());

      // Act
      const described = await inspector.describe(API_ARN);

      // Assess
      expect(described).toEqual({
        exists: true,
        status: 'UPDATE_COMPLETE',
        statusReason: '',
        lastUpdatedAt: t('11:00:00'),
        statusSince: t('11:11:00'),
      });
    },
  );

  it('follows the clock it is given, call after call, over one index', async () => {
    // Prepare
    let now = t('10:30:00');
    const inspector = createSimulatedCloudFormation(events(HISTORY), () => now);

    // Act
    const statuses: string[] = [];
    for (const hms of ['09:00:00', '10:30:00', '11:05:00', '12:01:00', '12:06:00']) {
      now = t(hms);
      const described = await inspector.describe(API_ARN);
      statuses.push(described.exists ? described.status : 'gone');
    }

    // Assess
    expect(statuses).toEqual(['gone', 'CREATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'DELETE_IN_PROGRESS', 'gone']);
  });

  it('counts an event delivered twice once', async () => {
    // Prepare
    const inspector = simulatedAt('11:30:00', [...HISTORY, ...HISTORY]);

    // Act
    const described = await inspector.describe(API_ARN);

    // Assess
    expect(described).toEqual({
      exists: true,
      status: 'UPDATE_COMPLETE',
      statusReason: '',
      lastUpdatedAt: t('11:00:00'),
      statusSince: t('11:11:00'),
    });
  });
});

describe('resourcesInProgress (DescribeStackResources)', () => {
  it('lists the resources of the creation in progress, dated from when they entered their status', async () => {
    // Prepare
    const inspector = simulatedAt('10:01:00');

    // Act
    const resources = await inspector.resourcesInProgress(API_ARN);

    // Assess
    expect(resources).toEqual([
      {
        logicalResourceId: 'Handler',
        physicalResourceId: 'api-prod-Handler-1AB',
        resourceType: 'AWS::Lambda::Function',
        status: 'CREATE_IN_PROGRESS',
        statusReason: 'Resource creation Initiated',
        since: t('10:00:05'),
      },
      {
        logicalResourceId: 'Orphan',
        physicalResourceId: '',
        resourceType: 'AWS::SQS::Queue',
        status: 'CREATE_IN_PROGRESS',
        statusReason: '',
        since: t('10:00:06'),
      },
    ]);
  });

  it(
    'lists only what the latest operation touched: a resource left in progress by an earlier one is not ' + 'listed',
    async () => {
      // Prepare
      const inspector = simulatedAt('11:05:00');

      // Act
      const resources = await inspector.resourcesInProgress(API_ARN);

      // Assess
      expect(resources).toEqual([
        {
          logicalResourceId: 'Handler',
          physicalResourceId: 'api-prod-Handler-1AB',
          resourceType: 'AWS::Lambda::Function',
          status: 'UPDATE_IN_PROGRESS',
          statusReason: '',
          since: t('11:00:10'),
        },
      ]);
    },
  );

  it('ignores resource events after the clock', async () => {
    // Prepare
    const inspector = simulatedAt('12:00:05');

    // Act
    const resources = await inspector.resourcesInProgress(API_ARN);

    // Assess
    expect(resources).toEqual([
      {
        logicalResourceId: 'Handler',
        physicalResourceId: 'api-prod-Handler-1AB',
        resourceType: 'AWS::Lambda::Function',
        status: 'DELETE_IN_PROGRESS',
        statusReason: '',
        since: t('12:00:02'),
      },
    ]);
  });

  it.each([
    ['before the stack exists', '09:00:00'],
    ['once the resources of its latest operation are done', '11:30:00'],
  ])('lists nothing %s', async (_when, hms) => {
    // Prepare
    const inspector = simulatedAt(hms);

    // Act
    const resources = await inspector.resourcesInProgress(API_ARN);

    // Assess
    expect(resources).toEqual([]);
  });
});
