/**
 * Folding by size within the late-event horizon (compaction.ts), case by case: what it keeps for
 * late events, and what it waits for.
 */
import { describe, expect, it } from 'vitest';
import { compactServiceState, pagesHolding, unfold } from '../../shared/domain/compaction.ts';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import { emptyServiceState, withAnnouncements, withStatusRecord, type ServiceState } from '../../shared/domain/service-state.ts';
import { WindowEventType, type WindowAnnouncement } from '../../shared/domain/window-events.ts';
import { rec, stack, t } from './fixtures.ts';

const API = stack('api');
const KEY = { account: '123456789012', region: 'eu-west-1', service: 'api' };
const busy: WatchdogConfig = { ...DEFAULT_CONFIG, maxStateRecords: 6 };

/** A 30-minute update (a window 08:00–08:30), then quick ones: `quick` of them. */
function busyState(quick: number): ServiceState {
  const records = [rec(API, '08:00', 'UPDATE_IN_PROGRESS'), rec(API, '08:30', 'UPDATE_COMPLETE')];
  for (let i = 0; i < quick; i++) {
    const minute = String(i).padStart(2, '0');
    records.push(rec(API, `09:${minute}:00`, 'UPDATE_IN_PROGRESS'), rec(API, `09:${minute}:30`, 'UPDATE_COMPLETE'));
  }
  return records.reduce((state, record) => withStatusRecord(state, record).state, emptyServiceState(KEY));
}

const opened = (sentAt: number | null): WindowAnnouncement => ({
  type: WindowEventType.OPENED,
  windowStart: t('08:00'),
  revision: 0,
  start: t('08:00'),
  end: null,
  peakSeverity: 'WARNING',
  stacks: ['api'],
  withdrawn: false,
  claimedAt: t('08:20'),
  sentAt,
});

describe('compactServiceState folding by size', () => {
  it('keeps what it folds as a page that gives the state back', () => {
    // Prepare
    const state = busyState(3);

    // Act
    const folded = compactServiceState(state, t('09:03'), busy);

    // Assess
    expect(folded?.pages.map((page) => [page.since, page.cut, page.records.length])).toEqual([[null, t('09:01:30'), 6]]);
    expect(folded?.archived.map((window) => [window.start, window.end])).toEqual([[t('08:00'), t('08:30')]]);
    const refs = [{ id: 'page-1', from: null, cut: t('09:01:30') }];
    const kept = { ...(folded?.state as ServiceState), folded: refs };
    expect(pagesHolding(kept, t('08:10'))).toEqual(refs);
    expect(pagesHolding(kept, t('09:02'))).toEqual([]);
    expect(unfold(kept, refs, folded?.pages ?? []).records).toEqual(state.records);
  });

  it('waits for a window\'s events still to go out before folding it away', () => {
    // Prepare: the bus refused the 08:00 window's Opened; its Closed waits for it.
    const state = withAnnouncements(busyState(3), [opened(null)]);

    // Act
    const folded = compactServiceState(state, t('09:03'), busy);

    // Assess
    expect(folded).toBeNull();
  });

  it('folds it away all the same once the state has doubled (the bus refused for long), and no page keeps it unsent for the sweeper', () => {
    // Prepare
    const state = withAnnouncements(busyState(6), [opened(null)]);

    // Act
    const folded = compactServiceState(state, t('09:06'), busy);

    // Assess
    expect(folded?.archived.map((window) => window.start)).toEqual([t('08:00')]);
    expect(folded?.state.announcements).toEqual([]);
  });

  it('folds a window whose events went out', () => {
    // Prepare
    const state = withAnnouncements(busyState(3), [opened(t('08:20:01'))]);

    // Act
    const folded = compactServiceState(state, t('09:03'), busy);

    // Assess
    expect(folded?.pages[0]?.announcements).toEqual([opened(t('08:20:01'))]);
    expect(folded?.state.announcements).toEqual([]);
  });
});
