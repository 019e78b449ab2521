import { describe, expect, it } from 'vitest';
import { blockingDeletion } from '../../shared/domain/blocking.ts';
import { deriveOperations, type Operation, type StatusRecord } from '../../shared/domain/operations.ts';
import { stackArn } from '../support/events.ts';
import { t } from '../support/states.ts';

const core = { name: 'trustsource-core-prod', uuid: '091c23ec-9c34-11eb-9c3e-0a8f4e2b71d5' };
const scan = { name: 'trustsource-scan-prod', uuid: 'c3348cd2-1b12-11ec-b0a7-06d21c93e4f7' };
const other = { name: 'trustsource-web-prod' };

function operations(stack: { name: string; uuid?: string }, ...steps: [string, string, string?][]): Operation[] {
  const records: StatusRecord[] = steps.map(([clock, status, reason = '']) => ({
    stackId: stackArn(stack),
    stackName: stack.name,
    time: t(clock),
    status,
    statusReason: reason,
  }));
  return deriveOperations(records);
}

const QUEUE_EXISTS = `trustsource-scan-queue already exists in stack ${stackArn(core)}`;
const deletion = operations(core, ['19:09', 'DELETE_IN_PROGRESS', 'User Initiated'], ['19:56:30', 'DELETE_COMPLETE']);
const failedCreate = operations(
  scan,
  ['19:33:14', 'CREATE_IN_PROGRESS', 'User Initiated'],
  ['19:34:25', 'ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [ScanQueue].'],
  ['19:35:32', 'ROLLBACK_COMPLETE'],
);

describe('blockingDeletion', () => {
  it('names the stack the failure says still holds the resource, and how long its deletion had run', () => {
    // Act
    const blocking = blockingDeletion(failedCreate[0] as Operation, [...deletion, ...failedCreate], [QUEUE_EXISTS]);

    // Assess
    expect(blocking).toEqual({
      stackId: stackArn(core),
      stackName: 'trustsource-core-prod',
      since: t('19:09'),
      runningMsAtFailure: t('19:35:32') - t('19:09'),
      heldResource: 'trustsource-scan-queue',
    });
  });

  it('names an overlapping deletion of the service when the reasons say nothing', () => {
    // Act
    const blocking = blockingDeletion(failedCreate[0] as Operation, [...deletion, ...failedCreate], []);

    // Assess
    expect(blocking).toMatchObject({ stackName: 'trustsource-core-prod', since: t('19:09'), heldResource: null });
  });

  it(
    'names the stack of the reason even when its deletion is not among the operations (folded, or another ' +
      'service)',
    () => {
      // Act
      const blocking = blockingDeletion(failedCreate[0] as Operation, failedCreate, [QUEUE_EXISTS]);

      // Assess
      expect(blocking).toEqual({
        stackId: stackArn(core),
        stackName: 'trustsource-core-prod',
        since: null,
        runningMsAtFailure: null,
        heldResource: 'trustsource-scan-queue',
      });
    },
  );

  it.each([
    [
      'a deletion that ended before the deployment began',
      operations(other, ['19:00', 'DELETE_IN_PROGRESS'], ['19:20', 'DELETE_COMPLETE']),
    ],
    ['a deletion that began after the failure', operations(other, ['19:40', 'DELETE_IN_PROGRESS'])],
    ['an update of another stack, not a deletion', operations(other, ['19:20', 'UPDATE_IN_PROGRESS'])],
  ])('blames nothing for %s', (_case, others) => {
    // Act
    const blocking = blockingDeletion(failedCreate[0] as Operation, [...others, ...failedCreate], []);

    // Assess
    expect(blocking).toBeNull();
  });

  it.each([
    ['a successful create', operations(scan, ['19:52', 'CREATE_IN_PROGRESS'], ['20:07', 'CREATE_COMPLETE'])],
    ['a failed deletion', operations(scan, ['19:52', 'DELETE_IN_PROGRESS'], ['20:07', 'DELETE_FAILED'])],
    ['a create still running', operations(scan, ['19:52', 'CREATE_IN_PROGRESS'])],
  ])('looks for no blocker of %s', (_case, [operation]) => {
    // Act
    const blocking = blockingDeletion(operation as Operation, [...deletion, operation as Operation], [QUEUE_EXISTS]);

    // Assess
    expect(blocking).toBeNull();
  });
});
