import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import { buildNotification } from '../../shared/domain/notification.ts';
import { resourcesInProgress } from '../../shared/domain/resources.ts';
import { dueAtSweep, dueOnEvent } from '../../shared/domain/due.ts';
import { emptyFixture, viewService, withClaims, withStatusRecord } from '../support/service-fixture.ts';
import { MIN, rec, stack, t } from './fixtures.ts';

const KEY = { account: '123456789012', region: 'eu-central-1', service: 'trustsource-scan' };
const CORE = stack('trustsource-core-prod', '091c23ec-9c34-11eb-9c3e-0a8f4e2b71d5');
const WAITING = 'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.';

describe('buildNotification', () => {
  it('names severity, stack, account, region, service, operation, status, start, elapsed time and resources', () => {
    // Prepare
    const state = withStatusRecord(emptyFixture(KEY), rec(CORE, '19:09', 'DELETE_IN_PROGRESS', 'User Initiated')).state;
    const [due] = dueAtSweep(viewService(state, t('19:49'), DEFAULT_CONFIG).operations);
    if (!due) throw new Error('expected a due notification');
    const resources = resourcesInProgress([
      {
        logicalResourceId: 'ScanAnalysisFunction',
        physicalResourceId: 'trustsource-core-prod-ScanAnalysisFunction-64ALSUP8LGD5',
        resourceType: 'AWS::Lambda::Function',
        status: 'DELETE_IN_PROGRESS',
        statusReason: WAITING,
        time: t('19:09:22'),
      },
    ]);

    // Act
    const notification = buildNotification(due, KEY, t('19:49'), { resources });

    // Assess
    expect(notification).toEqual({
      at: t('19:49'),
      severity: 'CRITICAL',
      reminder: 0,
      stackId: CORE.stackId,
      stackName: 'trustsource-core-prod',
      account: '123456789012',
      region: 'eu-central-1',
      service: 'trustsource-scan',
      operation: 'DELETE',
      status: 'DELETE_IN_PROGRESS',
      statusReason: 'User Initiated',
      statusAt: t('19:09'),
      startedAt: t('19:09'),
      incidentStart: t('19:09'),
      elapsedMs: 40 * MIN,
      resourcesInProgress: [
        {
          logicalResourceId: 'ScanAnalysisFunction',
          physicalResourceId: 'trustsource-core-prod-ScanAnalysisFunction-64ALSUP8LGD5',
          resourceType: 'AWS::Lambda::Function',
          status: 'DELETE_IN_PROGRESS',
          statusReason: WAITING,
          since: t('19:09:22'),
        },
      ],
      diagnosis: [expect.objectContaining({ id: 'lambda-vpc-eni-cleanup', resource: 'ScanAnalysisFunction' })],
      blockedBy: null,
    });
  });

  it('reports the terminal status of a RESOLVED notification, elapsed up to when it is sent', () => {
    // Prepare
    let state = withStatusRecord(emptyFixture(KEY), rec(CORE, '19:09', 'DELETE_IN_PROGRESS', 'User Initiated')).state;
    state = withStatusRecord(state, rec(CORE, '19:56:30', 'DELETE_COMPLETE')).state;
    state = withClaims(state, [
      {
        stackId: CORE.stackId,
        anchor: t('19:09'),
        operation: 'DELETE',
        severity: 'CRITICAL',
        claimedAt: t('19:49'),
        delivery: { state: 'sent', at: t('19:49') },
      },
    ]);
    const [due] = dueOnEvent(viewService(state, t('19:56:30'), DEFAULT_CONFIG).operations);
    if (!due) throw new Error('expected a due notification');

    // Act
    const notification = buildNotification(due, KEY, t('19:56:30'));

    // Assess
    expect(notification).toMatchObject({
      severity: 'RESOLVED',
      status: 'DELETE_COMPLETE',
      statusReason: '',
      startedAt: t('19:09'),
      incidentStart: t('19:09'),
      elapsedMs: 47 * MIN + 30_000,
      resourcesInProgress: [],
      diagnosis: [],
      blockedBy: null,
    });
  });
});
