import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import { stackRecordsForRules, type StatusRecord } from '../../shared/domain/operations.ts';
import { reconcile, type StackDescription } from '../../shared/domain/reconcile.ts';
import { dueAtSweep } from '../../shared/domain/due.ts';
import { emptyFixture, viewService, withStatusRecord, type ServiceFixture } from '../support/service-fixture.ts';
import { recordsOf, withSighting } from '../support/service-fixture.ts';
import type { OperationView } from '../../shared/domain/operation-view.ts';
import { rec, stack, t } from './fixtures.ts';

const KEY = { account: '123456789012', region: 'eu-west-1', service: 'api' };
const API = stack('api');

function stateWith(records: readonly StatusRecord[]): ServiceFixture {
  return records.reduce((state, record) => withStatusRecord(state, record).state, emptyFixture(KEY));
}

/** The view of the stack's running operation as the sweeper sees it at `now`. */
function runningView(records: readonly StatusRecord[], now: string): OperationView {
  const found = viewService(stateWith(records), t(now), DEFAULT_CONFIG).operations.find(
    (op) => op.operation.state === 'running',
  );
  if (!found) throw new Error('expected a running operation');
  return found;
}

/** What a record made up for the cleaning stack says of where it comes from: its latest real event. */
const MADE_UP = {
  stackId: API.stackId,
  stackName: 'api',
  synthetic: { basis: { time: t('10:04'), status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' }, askedAt: t('10:41') },
};

const DELETING = [rec(API, '10:00', 'DELETE_IN_PROGRESS', 'User Initiated')];
const CLEANING = [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:04', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS')];

const exists = (status: string, lastUpdatedAt: string | null = null, statusReason = ''): StackDescription => ({
  exists: true,
  status,
  statusReason,
  lastUpdatedAt: lastUpdatedAt === null ? null : t(lastUpdatedAt),
});

describe('reconcile', () => {
  it.each([
    ['the status of the latest event', CLEANING, exists('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', '10:04')],
    [
      'another in-progress status of the same update',
      [rec(API, '10:00', 'UPDATE_IN_PROGRESS')],
      exists('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', '10:03'),
    ],
    ['the deletion still going on', DELETING, exists('DELETE_IN_PROGRESS', '10:00')],
    [
      'the update it started, last changed at its start',
      [rec(API, '10:00', 'UPDATE_IN_PROGRESS')],
      exists('UPDATE_IN_PROGRESS', '10:00'),
    ],
    ['a status this version does not know', CLEANING, exists('UPDATE_SOMETHING_NEW_IN_PROGRESS', '10:04')],
    ['a change set under review', CLEANING, exists('REVIEW_IN_PROGRESS', '10:04')],
  ])('confirms an operation whose stack shows %s', (_what, records, described) => {
    // Prepare
    const opView = runningView(records, '10:41');

    // Act
    const result = reconcile(opView, described, t('10:41'));

    // Assess
    expect(result).toEqual({ kind: 'confirmed' });
  });

  it.each([
    ['its latest event, when DescribeStacks never showed it', null, '10:04'],
    ['the last DescribeStacks answer that still showed it', '10:40', '10:40'],
    ['its latest event, when that is later than the last answer that showed it', '10:02', '10:04'],
  ])('counts a stack that no longer exists as DELETE_COMPLETE when last seen: %s', (_what, seenAt, deletedAt) => {
    // Prepare
    const state = stateWith(CLEANING);
    const sighted = seenAt === null ? state : withSighting(state, API.stackId, t(seenAt)).state;
    const opView = viewService(sighted, t('10:41'), DEFAULT_CONFIG).operations.find(
      (op) => op.operation.state === 'running',
    ) as OperationView;

    // Act
    const result = reconcile(opView, { exists: false }, t('10:41'));

    // Assess
    expect(result).toEqual({
      kind: 'moved-on',
      record: { ...MADE_UP, time: t(deletedAt), status: 'DELETE_COMPLETE', statusReason: '' },
    });
  });

  it('keeps the hung deletion of the seed incident 45 minutes long when its DELETE_COMPLETE is lost', () => {
    // Prepare: WARNING and CRITICAL went out; the sweeper saw the stack at every sweep until 10:45.
    const state = withSighting(stateWith(DELETING), API.stackId, t('10:45')).state;
    const opView = viewService(state, t('10:46'), DEFAULT_CONFIG).operations[0] as OperationView;
    const result = reconcile(opView, { exists: false }, t('10:46'));
    if (result.kind !== 'moved-on') throw new Error('expected moved-on');

    // Act
    const view = viewService(withStatusRecord(state, result.record).state, t('11:00'), DEFAULT_CONFIG);

    // Assess
    expect(
      view.operations.map((op) => [
        op.operation.state,
        op.operation.start,
        op.operation.state === 'ended' ? op.operation.end : null,
        op.severity,
      ]),
    ).toEqual([['ended', t('10:00'), t('10:45'), 'CRITICAL']]);
  });

  it.each([
    ['a completed update', CLEANING, 'UPDATE_COMPLETE', ''],
    ['a rolled-back update', CLEANING, 'UPDATE_ROLLBACK_COMPLETE', 'Resource creation cancelled'],
    ['a failed delete', DELETING, 'DELETE_FAILED', 'Role is invalid'],
    ['a new operation of another type', CLEANING, 'DELETE_IN_PROGRESS', 'User Initiated'],
  ])('hands back the current status of %s dated when the sweep learned of it', (_what, records, status, reason) => {
    // Prepare: LastUpdatedTime is when the last update began, not when anything ended.
    const opView = runningView(records, '10:41');

    // Act
    const result = reconcile(opView, exists(status, '10:00', reason), t('10:41'));

    // Assess
    expect(result).toEqual({
      kind: 'moved-on',
      record: {
        ...MADE_UP,
        time: t('10:41'),
        status,
        statusReason: reason,
        synthetic: {
          basis: { time: t(records === CLEANING ? '10:04' : '10:00'), status: records.at(-1)?.status },
          askedAt: t('10:41'),
        },
      },
    });
  });

  it('hands back a newer operation of the same type at its own start (LastUpdatedTime)', () => {
    // Prepare: the update's completion and the next update's start were both lost.
    const opView = runningView([rec(API, '10:00', 'UPDATE_IN_PROGRESS')], '10:41');

    // Act
    const result = reconcile(opView, exists('UPDATE_IN_PROGRESS', '10:30', 'User Initiated'), t('10:41'));

    // Assess
    expect(result).toEqual({
      kind: 'moved-on',
      record: {
        stackId: API.stackId,
        stackName: 'api',
        time: t('10:30'),
        status: 'UPDATE_IN_PROGRESS',
        statusReason: 'User Initiated',
        synthetic: { basis: { time: t('10:00'), status: 'UPDATE_IN_PROGRESS' }, askedAt: t('10:41') },
      },
    });
  });

  it('lets the real completion replace the made-up one when it arrives after all', () => {
    // Prepare
    const opView = runningView(CLEANING, '10:40');
    const result = reconcile(opView, exists('UPDATE_COMPLETE', '10:00'), t('10:40'));
    if (result.kind !== 'moved-on') throw new Error('expected moved-on');
    const reconciled = stateWith([...CLEANING, result.record]);

    // Act
    const real = withStatusRecord(reconciled, rec(API, '10:39:50', 'UPDATE_COMPLETE')).state;

    // Assess
    expect(stackRecordsForRules(recordsOf(real))).toEqual(
      recordsOf(stateWith([...CLEANING, rec(API, '10:39:50', 'UPDATE_COMPLETE')])),
    );
    const view = viewService(real, t('11:00'), DEFAULT_CONFIG);
    expect(
      view.operations.map((op) => [op.operation.start, op.operation.state === 'ended' ? op.operation.end : null]),
    ).toEqual([[t('10:00'), t('10:39:50')]]);
  });

  it('lets a lost completion end the operation so that no one is paged', () => {
    // Prepare
    const opView = runningView(CLEANING, '10:41');
    const result = reconcile(opView, exists('UPDATE_COMPLETE', '10:00'), t('10:41'));
    if (result.kind !== 'moved-on') throw new Error('expected moved-on');

    // Act
    const view = viewService(stateWith([...CLEANING, result.record]), t('10:41'), DEFAULT_CONFIG);

    // Assess
    expect(view.operations.map((op) => [op.operation.state, op.operation.start])).toEqual([['ended', t('10:00')]]);
    expect(dueAtSweep(view.operations)).toEqual([]);
  });

  it('lets a vanished stack end its deletion so that no one is paged', () => {
    // Prepare
    const opView = runningView(DELETING, '10:41');
    const result = reconcile(opView, { exists: false }, t('10:41'));
    if (result.kind !== 'moved-on') throw new Error('expected moved-on');

    // Act
    const view = viewService(stateWith([...DELETING, result.record]), t('10:41'), DEFAULT_CONFIG);

    // Assess
    expect(view.operations.map((op) => op.operation.state)).toEqual(['ended']);
    expect(dueAtSweep(view.operations)).toEqual([]);
  });
});
