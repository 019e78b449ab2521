/**
 * Folding settled history (compaction) as the use cases do it through the store: windows stay
 * queryable for good (DESIGN.md: "Windows are kept for good"), and the rules keep working.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import { stackArn } from '../support/events.ts';
import { freshStore } from '../support/dynamodb.ts';
import { iso, serviceKey, t } from '../support/states.ts';
import { stackStatus, watchdog } from '../support/watchdog.ts';

const api = { name: 'api' };
const apiKey = serviceKey('api');
/** A one-hour late-event horizon: history settled more than an hour ago may be folded. */
const config: WatchdogConfig = { ...DEFAULT_CONFIG, lateEventHorizonMs: 60 * 60_000 };
const firstWindow = { key: apiKey, start: t('08:00'), end: t('08:30'), peakSeverity: 'WARNING', stacks: ['api'], awaitingReplacementSince: null };

/** A 30-minute update (window 08:00–08:30), then a new update at 10:30, which folds the first. */
async function foldedService() {
  const { store } = await freshStore();
  const dog = watchdog(store, { now: iso('08:00'), config });
  await applyEvent(stackStatus(api, iso('08:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
  dog.clock.set(iso('08:30'));
  await applyEvent(stackStatus(api, iso('08:30'), 'UPDATE_COMPLETE'), dog.deps);
  dog.clock.set(iso('10:30'));
  await applyEvent(stackStatus(api, iso('10:30'), 'UPDATE_IN_PROGRESS'), dog.deps);
  return { store, dog };
}

describe('updateService folding settled history', () => {
  it('archives the windows it folds away, so that windowsOverlapping still finds them', async () => {
    // Prepare
    const { store } = await foldedService();

    // Act
    const windows = await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') });

    // Assess
    const state = await store.loadService(apiKey);
    expect(state.records.map((kept) => `${new Date(kept.time).toISOString().slice(11, 16)} ${kept.status}`)).toEqual(['10:30 UPDATE_IN_PROGRESS']);
    expect(state.baseline).toEqual({ asOf: t('08:30'), stacks: [{ stackId: stackArn(api), stackName: 'api', status: 'UPDATE_COMPLETE' }] });
    expect(await store.archivedWindows(apiKey)).toEqual([
      expect.objectContaining({ start: t('08:00'), end: t('08:30'), peakSeverity: 'WARNING', stacks: ['api'], awaitingReplacementSince: null }),
    ]);
    expect(windows).toEqual([firstWindow]);
  });

  it('keeps escalating and recording windows after the fold', async () => {
    // Prepare
    const { store, dog } = await foldedService();

    // Act
    for (const minute of ['10:50', '11:10']) {
      dog.clock.set(iso(minute));
      await sweep(dog.deps);
    }
    dog.clock.set(iso('11:15'));
    await applyEvent(stackStatus(api, iso('11:15'), 'UPDATE_COMPLETE'), dog.deps);

    // Assess
    expect(dog.notifier.sent.map((n) => n.severity)).toEqual(['WARNING', 'CRITICAL', 'RESOLVED']);
    expect(await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') })).toEqual([
      firstWindow,
      { key: apiKey, start: t('10:30'), end: t('11:15'), peakSeverity: 'CRITICAL', stacks: ['api'], awaitingReplacementSince: null },
    ]);
  });

  it('ignores and logs an event older than the late-event horizon, keeping it in the timeline', async () => {
    // Prepare
    const { store, dog } = await foldedService();
    const late = stackStatus(api, iso('08:10'), 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', '', 'late-event-1');

    // Act
    const outcome = await applyEvent(late, dog.deps);

    // Assess
    expect(outcome).toEqual({ kind: 'too-late' });
    expect(dog.log.entries).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'event older than the late-event horizon: kept in the timeline, ignored by the rules',
        attributes: { eventId: 'late-event-1', stackId: stackArn(api), status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', time: '2024-03-05T08:10:00Z' },
      }),
    ]);
    expect((await store.stackHistory(stackArn(api))).map((event) => event.status)).toContain('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    expect(await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') })).toEqual([firstWindow]);
  });
});
