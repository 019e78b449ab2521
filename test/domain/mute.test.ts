import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import { isMuted, MuteRuleError, parseMute, parseMutes } from '../../shared/domain/mute.ts';
import { dueAtSweep, dueOnEvent, viewService } from '../../shared/domain/service-state.ts';
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
    expect(parseMutes('^sandbox-;\n-preview-\\d+$;').map((mute) => mute.source)).toEqual(['^sandbox-', '-preview-\\d+$']);
  });

  it('names the expression that is not one', () => {
    expect(() => parseMutes('^ok;[')).toThrow(new MuteRuleError("mute '[' is not a valid regular expression"));
  });
});

describe('a muted stack', () => {
  const config = { ...DEFAULT_CONFIG, mutes: [parseMute('^sandbox-')] };

  it('is not escalated at a sweep nor reported when it fails, and its window is recorded all the same', () => {
    // Prepare: a sandbox deletion running 45 minutes, and a sandbox create that failed.
    const running = stateOf(serviceKey('sandbox-alice'), [record('sandbox-alice', '10:00', 'DELETE_IN_PROGRESS')]);
    const failed = stateOf(serviceKey('sandbox-bob'), [record('sandbox-bob', '10:00', 'CREATE_IN_PROGRESS'), record('sandbox-bob', '10:02', 'ROLLBACK_COMPLETE')]);

    // Act
    const runningView = viewService(running, t('10:45'), config);
    const failedView = viewService(failed, t('10:02'), config);

    // Assess
    expect(dueAtSweep(runningView)).toEqual([]);
    expect(dueOnEvent(failedView)).toEqual([]);
    expect(runningView.windows.map((window) => [window.start, window.end, window.peakSeverity])).toEqual([[t('10:00'), null, 'CRITICAL']]);
    expect(dueAtSweep(viewService(running, t('10:45'), DEFAULT_CONFIG)).map((due) => due.severity)).toEqual(['CRITICAL']);
  });
});

describe('a stack in REVIEW_IN_PROGRESS (a change set waiting for review)', () => {
  it('never pages and opens no window, however long it waits', () => {
    // Prepare
    const reviewing = stateOf(serviceKey('api'), [record('api', '10:00', 'REVIEW_IN_PROGRESS', 'User Initiated')]);

    // Act
    const view = viewService(reviewing, t('13:00'), DEFAULT_CONFIG);

    // Assess
    expect(dueAtSweep(view)).toEqual([]);
    expect(view.windows).toEqual([]);
    expect(view.operations).toEqual([]);
  });
});
