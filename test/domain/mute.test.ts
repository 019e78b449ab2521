import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import { isMuted, MuteRuleError, parseMute, parseMutes } from '../../shared/domain/mute.ts';
import { claimFor, dueAtSweep, dueOnEvent, type DueNotification } from '../../shared/domain/due.ts';
import { viewService, withClaims, withStatusRecord } from '../support/service-fixture.ts';
import { record, serviceKey, stateOf, t } from '../support/states.ts';

describe('isMuted', () => {
  it.each([
    [['^sandbox-'], 'sandbox-alice-api', 'api', true],
    [['^sandbox-'], 'api-prod', 'sandbox-tools', true],
    [['^sandbox-'], 'api-sandbox-prod', 'api', false],
    [['-preview-\\d+$', '^tmp'], 'web-preview-42', 'web', true],
    [[], 'sandbox-alice-api', 'api', false],
  ])('with %j mutes %s (service %s): %s', (mutes, stackName, service, muted) => {
    expect(isMuted(mutes.map(parseMute), stackName, service)).toBe(muted);
  });
});

describe('parseMutes', () => {
  it('reads expressions separated by ";" or newlines, skipping empty ones', () => {
    expect(parseMutes('^sandbox-;\n-preview-\\d+$;').map((mute) => mute.source)).toEqual([
      '^sandbox-',
      '-preview-\\d+$',
    ]);
  });

  it('names the expression that is not one', () => {
    expect(() => parseMutes('^ok;[')).toThrow(new MuteRuleError("mute '[' is not a valid regular expression"));
  });
});

describe('a muted stack', () => {
  const config = { ...DEFAULT_CONFIG, mutes: [parseMute('^sandbox-')] };
  const settle = (due: readonly DueNotification[], at: number) => due.map((item) => claimFor(item, at));

  it(
    'has its escalation and its failure claimed as suppressed (settled, never sent), and its window recorded all ' +
      'the same',
    () => {
      // Prepare: a sandbox deletion running 45 minutes, and a sandbox create that failed.
      const running = stateOf(serviceKey('sandbox-alice'), [record('sandbox-alice', '10:00', 'DELETE_IN_PROGRESS')]);
      const failed = stateOf(serviceKey('sandbox-bob'), [
        record('sandbox-bob', '10:00', 'CREATE_IN_PROGRESS'),
        record('sandbox-bob', '10:02', 'ROLLBACK_COMPLETE'),
      ]);

      // Act
      const runningView = viewService(running, t('10:45'), config);
      const failedView = viewService(failed, t('10:02'), config);

      // Assess
      expect(settle(dueAtSweep(runningView.operations), t('10:45'))).toMatchObject([
        {
          severity: 'CRITICAL',
          claimedAt: t('10:45'),
          delivery: { state: 'suppressed', at: t('10:45'), why: 'muted' },
        },
      ]);
      expect(settle(dueOnEvent(failedView.operations), t('10:02'))).toMatchObject([
        { severity: 'FAILED', delivery: { state: 'suppressed', at: t('10:02'), why: 'muted' } },
      ]);
      expect(runningView.windows.map((window) => [window.start, window.end, window.peakSeverity])).toEqual([
        [t('10:00'), null, 'CRITICAL'],
      ]);
      expect(settle(dueAtSweep(viewService(running, t('10:45'), DEFAULT_CONFIG).operations), t('10:45'))).toMatchObject(
        [{ severity: 'CRITICAL', delivery: { state: 'pending' } }],
      );
      expect(
        settle(dueAtSweep(viewService(running, t('10:45'), DEFAULT_CONFIG).operations), t('10:45'))[0],
      ).not.toHaveProperty('delivery.why');
    },
  );

  it(
    'does not page, once unmuted, for what happened while it was muted: no FAILED, no CRITICAL again, no ' + 'RESOLVED',
    () => {
      // Prepare: claims suppressed while muted.
      const failed = stateOf(serviceKey('sandbox-bob'), [
        record('sandbox-bob', '10:00', 'CREATE_IN_PROGRESS'),
        record('sandbox-bob', '10:02', 'ROLLBACK_COMPLETE'),
      ]);
      const failedSettled = withClaims(
        failed,
        settle(dueOnEvent(viewService(failed, t('10:02'), config).operations), t('10:02')),
      );
      const running = stateOf(serviceKey('sandbox-alice'), [record('sandbox-alice', '10:00', 'DELETE_IN_PROGRESS')]);
      const runningSettled = withClaims(
        running,
        settle(dueAtSweep(viewService(running, t('10:45'), config).operations), t('10:45')),
      );
      const ended = withStatusRecord(runningSettled, record('sandbox-alice', '10:50', 'DELETE_COMPLETE')).state;

      // Act: the mute is gone.
      const failedDue = dueOnEvent(viewService(failedSettled, t('11:00'), DEFAULT_CONFIG).operations);
      const runningDue = dueAtSweep(viewService(runningSettled, t('10:46'), DEFAULT_CONFIG).operations);
      const endedDue = dueOnEvent(viewService(ended, t('10:50'), DEFAULT_CONFIG).operations);

      // Assess
      expect([failedDue, runningDue, endedDue]).toEqual([[], [], []]);
    },
  );

  it('gets no reminders while muted, and one an interval after its suppressed CRITICAL once unmuted', () => {
    // Prepare
    const reminding = { ...config, repeatCriticalEveryMs: 30 * 60_000 };
    const running = stateOf(serviceKey('sandbox-alice'), [record('sandbox-alice', '10:00', 'DELETE_IN_PROGRESS')]);
    const settled = withClaims(
      running,
      settle(dueAtSweep(viewService(running, t('10:40'), reminding).operations), t('10:40')),
    );

    // Act
    const whileMuted = dueAtSweep(viewService(settled, t('11:30'), reminding).operations);
    const unmuted = dueAtSweep(viewService(settled, t('11:30'), { ...reminding, mutes: [] }).operations);

    // Assess
    expect(whileMuted).toEqual([]);
    expect(unmuted.map((due) => [due.severity, due.repeat])).toEqual([['CRITICAL', 1]]);
  });
});

describe('a stack in REVIEW_IN_PROGRESS (a change set waiting for review)', () => {
  it('never pages and opens no window, however long it waits', () => {
    // Prepare
    const reviewing = stateOf(serviceKey('api'), [record('api', '10:00', 'REVIEW_IN_PROGRESS', 'User Initiated')]);

    // Act
    const view = viewService(reviewing, t('13:00'), DEFAULT_CONFIG);

    // Assess
    expect(dueAtSweep(view.operations)).toEqual([]);
    expect(view.windows).toEqual([]);
    expect(view.operations).toEqual([]);
  });
});
