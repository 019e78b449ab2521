/**
 * Folding settled history (compaction) as the use cases do it through the store: windows stay
 * queryable for good (DESIGN.md: "Windows are kept for good"), and the rules keep working.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { configFromText, DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import { stackArn } from '../support/events.ts';
import { freshStore } from '../support/dynamodb.ts';
import { iso, serviceKey, t } from '../support/states.ts';
import { stackStatus, watchdog } from '../support/watchdog.ts';
import { updateService } from '../../shared/app/service-updates.ts';
import type { WatchdogStore } from '../../shared/app/ports.ts';
import { statusRecordOf } from '../../shared/domain/operations.ts';
import { withStatusRecord, type ServiceState } from '../../shared/domain/service-state.ts';

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

/** A 30-minute update of api (window 08:00–08:30), then three quick ones that fold it by size under `rules`. */
async function busyFoldedService(rules: WatchdogConfig) {
  const { store } = await freshStore();
  const dog = watchdog(store, { now: iso('08:00'), config: rules });
  const deliver = async (stack: { name: string }, clock: string, status: string, at = clock) => {
    dog.clock.set(iso(at));
    await applyEvent(stackStatus(stack, iso(clock), status), dog.deps);
  };
  await deliver(api, '08:00', 'UPDATE_IN_PROGRESS');
  await deliver(api, '08:30', 'UPDATE_COMPLETE');
  for (const minute of ['09:00', '09:10', '09:20']) {
    await deliver(api, minute, 'UPDATE_IN_PROGRESS');
    await deliver(api, `${minute.slice(0, 4)}1`, 'UPDATE_COMPLETE');
  }
  return { store, dog, deliver };
}

describe('updateService folding a busy service by size', () => {
  const worker = { name: 'api-worker' };
  const busy: WatchdogConfig = { ...configFromText({ serviceRules: ['api=^api'] }), maxStateRecords: 6 };

  it('keeps what it folded within the late-event horizon as pages beside the state', async () => {
    // Prepare
    const { store } = await busyFoldedService(busy);

    // Act
    const state = await store.loadService(apiKey);

    // Assess
    expect(state.records.length).toBeLessThanOrEqual(busy.maxStateRecords);
    expect(state.folded.length).toBeGreaterThan(0);
    const pages = await store.loadFoldedPages(apiKey, state.folded);
    expect(pages.flatMap((page) => page.records).map((kept) => `${new Date(kept.time).toISOString().slice(11, 16)} ${kept.status}`)).toContain('08:00 UPDATE_IN_PROGRESS');
    expect(await store.archivedWindows(apiKey)).toEqual([expect.objectContaining({ start: t('08:00'), end: t('08:30'), peakSeverity: 'WARNING' })]);
  });

  it('brings them back for a late event that falls into them, so that it counts as if on time', async () => {
    // Prepare: api-worker's failed update 07:50–08:40 arrives at 09:30, after the fold.
    const { store, dog, deliver } = await busyFoldedService(busy);
    const before = (await store.loadService(apiKey)).folded;

    // Act
    await deliver(worker, '07:50', 'UPDATE_IN_PROGRESS', '09:30');
    await deliver(worker, '08:40', 'UPDATE_ROLLBACK_COMPLETE', '09:30:01');

    // Assess: one window from the worker's start to its end, across api's update; its FAILED.
    expect(await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') })).toEqual([
      { key: apiKey, start: t('07:50'), end: t('08:40'), peakSeverity: 'FAILED', stacks: ['api-worker', 'api'], awaitingReplacementSince: null },
    ]);
    expect(dog.notifier.sent.map((sent) => [sent.severity, sent.stackName, sent.startedAt])).toEqual([['FAILED', 'api-worker', t('07:50')]]);
    // The pages it was brought back from are gone; the window archived from them too.
    const after = (await store.loadService(apiKey)).folded;
    const replaced = before.filter((ref) => !after.some((kept) => kept.id === ref.id));
    expect(replaced.length).toBeGreaterThan(0);
    await expect(store.loadFoldedPages(apiKey, replaced)).rejects.toThrow('is missing');
    expect((await store.archivedWindows(apiKey)).map((window) => window.start)).not.toContain(t('08:00'));
  });
});

describe('updateService folding by size, with writers racing', () => {
  const worker = { name: 'api-worker' };
  const busy: WatchdogConfig = { ...configFromText({ serviceRules: ['api=^api'] }), maxStateRecords: 6 };
  /** Adds api-worker's status at 09:24 (nothing to write when the state has it already). */
  const update = (status: string) => (current: ServiceState) => {
    const recorded = withStatusRecord(current, statusRecordOf(stackStatus(worker, iso('09:24'), status)));
    return recorded.changed ? { state: recorded.state, result: status } : null;
  };

  it('leaves the pages of the writer that won alone when the one that lost had written the same ones', async () => {
    // Prepare: a settled state one event short of folding; two writers read it.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('09:25'), config: busy });
    for (const [clock, status] of [['08:00', 'UPDATE_IN_PROGRESS'], ['08:05', 'UPDATE_COMPLETE'], ['09:00', 'UPDATE_IN_PROGRESS'], ['09:01', 'UPDATE_COMPLETE'], ['09:10', 'UPDATE_IN_PROGRESS'], ['09:11', 'UPDATE_COMPLETE']] as const) {
      dog.clock.set(iso(clock));
      await applyEvent(stackStatus(api, iso(clock), status), dog.deps);
    }
    dog.clock.set(iso('09:25'));
    const read = await store.loadService(apiKey);

    // Act: both fold the same history into the same pages; the second loses the race and retries.
    const won = await updateService(dog.deps, apiKey, t('09:25'), update('UPDATE_IN_PROGRESS'), read);
    const retried = await updateService(dog.deps, apiKey, t('09:25'), update('UPDATE_IN_PROGRESS'), read);

    // Assess
    expect(won?.saved.folded.length).toBeGreaterThan(0);
    expect(retried).toBeNull();
    const stored = await store.loadService(apiKey);
    expect((await store.loadFoldedPages(apiKey, stored.folded)).length).toBe(stored.folded.length);
  });

  it('reads the state again when another writer brought back the pages it was about to read', async () => {
    // Prepare: writer B reads the state; before it reads the pages, writer A applies a late event
    // into them (and removes them once its state, with history brought back, is stored).
    const { store, dog } = await busyFoldedService(busy);
    dog.clock.set(iso('09:30'));
    let otherWriterFirst = true;
    const racing: WatchdogStore = {
      ...store,
      async loadService(key) {
        const state = await store.loadService(key);
        if (otherWriterFirst) {
          otherWriterFirst = false;
          await applyEvent(stackStatus(worker, iso('07:50'), 'UPDATE_IN_PROGRESS'), dog.deps);
        }
        return state;
      },
    };

    // Act
    const outcome = await applyEvent(stackStatus(worker, iso('08:40'), 'UPDATE_ROLLBACK_COMPLETE'), { ...dog.deps, store: racing });

    // Assess
    expect(outcome.kind).toBe('applied');
    expect(await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') })).toEqual([
      { key: apiKey, start: t('07:50'), end: t('08:40'), peakSeverity: 'FAILED', stacks: ['api-worker', 'api'], awaitingReplacementSince: null },
    ]);
  });
});
