import { describe, expect, it } from 'vitest';
import { configFromText, parseRepeatInterval } from '../../shared/domain/config.ts';
import { dueAtSweep, stillWorthSending } from '../../shared/domain/due.ts';
import { viewService, withClaims } from '../support/service-fixture.ts';
import type { Claim } from '../../shared/domain/claims.ts';
import { stackArn } from '../support/events.ts';
import { record, serviceKey, stateOf, t } from '../support/states.ts';

const every30 = configFromText({ repeatCriticalEvery: '30m' });
const api = stackArn({ name: 'api' });
const critical = (
  repeat?: number,
  sentAt: string | null = ['10:40', '11:10', '11:40'][repeat ?? 0] ?? '12:10',
): Claim => ({
  stackId: api,
  anchor: t('10:00'),
  operation: 'DELETE',
  severity: 'CRITICAL',
  ...(repeat === undefined ? {} : { repeat }),
  claimedAt: sentAt === null ? t('11:10') : t(sentAt),
  delivery: sentAt === null ? { state: 'pending' } : { state: 'sent', at: t(sentAt) },
});

describe('CRITICAL reminders (RepeatCriticalEvery)', () => {
  it.each([
    { at: '11:09', said: [critical()], due: [] },
    { at: '11:10', said: [critical()], due: [1] },
    { at: '11:39', said: [critical(), critical(1)], due: [] },
    { at: '11:40', said: [critical(), critical(1)], due: [2] },
    // Sweeps missed, or the CRITICAL late: the next reminder, an interval after the last one went out.
    { at: '12:45', said: [critical()], due: [1] },
    { at: '12:45', said: [critical(undefined, '12:30')], due: [] },
    // The last one still unsent (the notifier failing): no reminder piles up behind it.
    { at: '12:45', said: [critical(), critical(1, null)], due: [] },
    // No CRITICAL yet: the CRITICAL itself is due, not a reminder.
    { at: '11:10', said: [], due: [undefined] },
  ])('at $at, with $said.length CRITICAL claims, the reminder due is $due', ({ at, said, due }) => {
    // Prepare: a deletion since 10:00, CRITICAL at 40 minutes.
    const state = withClaims(stateOf(serviceKey('api'), [record('api', '10:00', 'DELETE_IN_PROGRESS')]), said);

    // Act
    const found = dueAtSweep(viewService(state, t(at), every30).operations);

    // Assess
    expect(found.map((item) => item.severity)).toEqual(due.map(() => 'CRITICAL'));
    expect(found.map((item) => item.repeat)).toEqual(due);
  });

  it('reminds nobody when reminders are off, or once the operation ended', () => {
    // Prepare
    const running = withClaims(stateOf(serviceKey('api'), [record('api', '10:00', 'DELETE_IN_PROGRESS')]), [
      critical(),
    ]);
    const ended = withClaims(
      stateOf(serviceKey('api'), [
        record('api', '10:00', 'DELETE_IN_PROGRESS'),
        record('api', '11:20', 'DELETE_COMPLETE'),
      ]),
      [critical()],
    );

    // Act
    const off = dueAtSweep(viewService(running, t('13:00'), configFromText({})).operations);
    const after = dueAtSweep(viewService(ended, t('13:00'), every30).operations);

    // Assess
    expect(off).toEqual([]);
    expect(after).toEqual([]);
  });
});

describe('stillWorthSending (re-sends after a failed publish)', () => {
  it.each([
    {
      case: 'a CRITICAL overtaken by reminder 1',
      stale: critical(undefined, null),
      kept: [critical(undefined, null), critical(1, null)],
      mutes: [],
      worth: false,
    },
    {
      case: 'reminder 1 with nothing after it',
      stale: critical(1, null),
      kept: [critical(), critical(1, null)],
      mutes: [],
      worth: true,
    },
  ])('$case: $worth', ({ stale, kept, mutes, worth }) => {
    // Prepare
    const state = withClaims(stateOf(serviceKey('api'), [record('api', '10:00', 'DELETE_IN_PROGRESS')]), kept);
    const [opView] = viewService(state, t('12:00'), configFromText({ repeatCriticalEvery: '30m', mutes })).operations;
    if (!opView) throw new Error('expected the operation');

    // Act
    const result = stillWorthSending(opView, stale);

    // Assess
    expect(result).toBe(worth);
  });
});

describe('parseRepeatInterval', () => {
  it.each([
    ['off', null],
    ['', null],
    ['1m', 60_000],
    ['2h', 7_200_000],
  ])('reads %j as %s', (text, ms) => {
    expect(parseRepeatInterval(text)).toBe(ms);
  });

  it.each(['30s', '0m'])('refuses %j: the sweeper runs every minute', (text) => {
    expect(() => parseRepeatInterval(text)).toThrow(/at least 1m/);
  });
});
