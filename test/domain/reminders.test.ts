import { describe, expect, it } from 'vitest';
import { configFromText } from '../../shared/domain/config.ts';
import { dueAtSweep, viewService, withClaims, type Claim } from '../../shared/domain/service-state.ts';
import { stackArn } from '../support/events.ts';
import { record, serviceKey, stateOf, t } from '../support/states.ts';

const every30 = configFromText({ repeatCriticalEvery: '30m' });
const api = stackArn({ name: 'api' });
const critical = (repeat?: number): Claim => ({
  stackId: api,
  anchor: t('10:00'),
  operation: 'DELETE',
  severity: 'CRITICAL',
  ...(repeat === undefined ? {} : { repeat }),
  claimedAt: t('10:40'),
  sentAt: t('10:40'),
});

describe('CRITICAL reminders (RepeatCriticalEvery)', () => {
  it.each([
    { at: '11:09', said: [critical()], due: [] },
    { at: '11:10', said: [critical()], due: [1] },
    { at: '11:10', said: [critical(), critical(1)], due: [] },
    { at: '11:40', said: [critical(), critical(1)], due: [2] },
    // Sweeps missed: only the latest reminder, not one per missed interval.
    { at: '12:45', said: [critical()], due: [4] },
    // No CRITICAL yet: the CRITICAL itself is due, not a reminder.
    { at: '11:10', said: [], due: [undefined] },
  ])('at $at, with $said.length CRITICAL claims, the reminder due is $due', ({ at, said, due }) => {
    // Prepare: a deletion since 10:00, CRITICAL at 40 minutes.
    const state = withClaims(stateOf(serviceKey('api'), [record('api', '10:00', 'DELETE_IN_PROGRESS')]), said);

    // Act
    const found = dueAtSweep(viewService(state, t(at), every30));

    // Assess
    expect(found.map((item) => item.severity)).toEqual(due.map(() => 'CRITICAL'));
    expect(found.map((item) => item.repeat)).toEqual(due);
  });

  it('reminds nobody when reminders are off, or once the operation ended', () => {
    // Prepare
    const running = withClaims(stateOf(serviceKey('api'), [record('api', '10:00', 'DELETE_IN_PROGRESS')]), [critical()]);
    const ended = withClaims(stateOf(serviceKey('api'), [record('api', '10:00', 'DELETE_IN_PROGRESS'), record('api', '11:20', 'DELETE_COMPLETE')]), [critical()]);

    // Act
    const off = dueAtSweep(viewService(running, t('13:00'), configFromText({})));
    const after = dueAtSweep(viewService(ended, t('13:00'), every30));

    // Assess
    expect(off).toEqual([]);
    expect(after).toEqual([]);
  });
});
