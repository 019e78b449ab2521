/**
 * Folding stacks' settled history as the use cases do it through the store: windows stay
 * queryable for good (DESIGN.md: "Windows are kept for good"), late events within the horizon
 * still count, and writers racing over the same pages lose nothing.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { updateStack } from '../../shared/app/stack-updates.ts';
import type { WatchdogStore } from '../../shared/app/ports.ts';
import { configFromText, DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import { statusRecordOf } from '../../shared/domain/operations.ts';
import { withStatusRecord, type StackState } from '../../shared/domain/stack-state.ts';
import { stackArn } from '../support/events.ts';
import { freshStore } from '../support/dynamodb.ts';
import { iso, serviceKey, t } from '../support/states.ts';
import { stackStatus, watchdog, type Watchdog } from '../support/watchdog.ts';

const api = { name: 'api' };
const apiRef = { stackId: stackArn(api), stackName: 'api' };
const worker = { name: 'api-worker' };
const apiKey = serviceKey('api');
/** A one-hour late-event horizon: history settled more than an hour ago may be folded. */
const config: WatchdogConfig = { ...DEFAULT_CONFIG, lateEventHorizonMs: 60 * 60_000 };
const firstWindow = {
  key: apiKey,
  start: t('08:00'),
  end: t('08:30'),
  peakSeverity: 'WARNING',
  stacks: ['api'],
  awaitingReplacementSince: null,
};

/** Sweeps every minute from the clock's minute up to `until`, as the scheduler does. */
async function sweepUntil(dog: Watchdog, until: string): Promise<void> {
  for (let minute = Math.ceil(dog.clock.now / 60_000) * 60_000; minute <= t(until); minute += 60_000) {
    dog.clock.now = minute;
    await sweep(dog.deps);
  }
}

/** A 30-minute update (window 08:00–08:30), then a new update at 10:30, which folds the first for good. */
async function foldedService() {
  const { store } = await freshStore();
  const dog = watchdog(store, { now: iso('08:00'), config });
  await applyEvent(stackStatus(api, iso('08:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
  await sweepUntil(dog, '08:29');
  dog.clock.set(iso('08:30'));
  await applyEvent(stackStatus(api, iso('08:30'), 'UPDATE_COMPLETE'), dog.deps);
  await sweepUntil(dog, '08:35');
  dog.clock.set(iso('10:30'));
  await applyEvent(stackStatus(api, iso('10:30'), 'UPDATE_IN_PROGRESS'), dog.deps);
  return { store, dog };
}

describe('a stack folding settled history for good', () => {
  it('keeps its windows where windowsOverlapping finds them', async () => {
    // Prepare
    const { store } = await foldedService();

    // Act
    const windows = await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') });

    // Assess
    const stack = await store.loadStack(apiKey, apiRef);
    expect(stack.records.map((kept) => `${new Date(kept.time).toISOString().slice(11, 16)} ${kept.status}`)).toEqual([
      '10:30 UPDATE_IN_PROGRESS',
    ]);
    expect(stack.baseline).toEqual({
      asOf: t('08:30'),
      stacks: [{ stackId: stackArn(api), stackName: 'api', status: 'UPDATE_COMPLETE' }],
    });
    expect(stack.folded).toEqual([]);
    expect(windows).toEqual([firstWindow]);
  });

  it('keeps escalating and recording windows after the fold', async () => {
    // Prepare
    const { store, dog } = await foldedService();

    // Act
    await sweepUntil(dog, '11:14');
    dog.clock.set(iso('11:15'));
    await applyEvent(stackStatus(api, iso('11:15'), 'UPDATE_COMPLETE'), dog.deps);
    await sweepUntil(dog, '11:16');

    // Assess
    expect(dog.notifier.sent.map((n) => n.severity)).toEqual([
      'WARNING',
      'RESOLVED',
      'WARNING',
      'CRITICAL',
      'RESOLVED',
    ]);
    expect(await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') })).toEqual([
      firstWindow,
      {
        key: apiKey,
        start: t('10:30'),
        end: t('11:15'),
        peakSeverity: 'CRITICAL',
        stacks: ['api'],
        awaitingReplacementSince: null,
      },
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
        attributes: {
          eventId: 'late-event-1',
          stackId: stackArn(api),
          status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
          time: '2024-03-05T08:10:00Z',
        },
      }),
    ]);
    expect((await store.stackHistory(stackArn(api))).map((event) => event.status)).toContain(
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
    );
    expect(await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') })).toEqual([firstWindow]);
  });
});

/**
 * A busy api: a 30-minute update (window 08:00–08:30), then quick ones every 10 minutes, swept every minute, so that it
 * folds by size.
 */
async function busyFoldedService(rules: WatchdogConfig) {
  const { store } = await freshStore();
  const dog = watchdog(store, { now: iso('08:00'), config: rules });
  const deliver = async (stack: { name: string }, clock: string, status: string, at = clock) => {
    dog.clock.set(iso(at));
    await applyEvent(stackStatus(stack, iso(clock), status), dog.deps);
  };
  await deliver(api, '08:00', 'UPDATE_IN_PROGRESS');
  await sweepUntil(dog, '08:29');
  await deliver(api, '08:30', 'UPDATE_COMPLETE');
  for (const minute of ['08:40', '08:50', '09:00', '09:10', '09:20']) {
    await sweepUntil(dog, `${minute.slice(0, 4)}0`);
    await deliver(api, minute, 'UPDATE_IN_PROGRESS');
    await deliver(api, `${minute.slice(0, 4)}1`, 'UPDATE_COMPLETE');
  }
  await sweepUntil(dog, '09:29');
  return { store, dog, deliver };
}

describe('a busy stack folding by size', () => {
  const busy: WatchdogConfig = { ...configFromText({ serviceRules: ['api=^api'] }), maxStackRecords: 4 };

  it('keeps what it folded within the late-event horizon as pages of its own', async () => {
    // Prepare
    const { store } = await busyFoldedService(busy);

    // Act
    const stack = await store.loadStack(apiKey, apiRef);

    // Assess
    expect(stack.records.length).toBeLessThanOrEqual(busy.maxStackRecords);
    expect(stack.folded.length).toBeGreaterThan(0);
    const pages = await store.loadFoldedPages(stack, stack.folded);
    expect(
      pages
        .flatMap((page) => page.records)
        .map((kept) => `${new Date(kept.time).toISOString().slice(11, 16)} ${kept.status}`),
    ).toContain('08:00 UPDATE_IN_PROGRESS');
    expect(await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') })).toEqual([firstWindow]);
  });

  it('counts late events of its own that fall into them as if on time', async () => {
    // Prepare: an update of api that rolled back 08:32–08:35, all of whose events arrive at 09:30.
    const { store, dog, deliver } = await busyFoldedService(busy);

    // Act
    await deliver(api, '08:32', 'UPDATE_IN_PROGRESS', '09:30');
    await deliver(api, '08:35', 'UPDATE_ROLLBACK_COMPLETE', '09:30:01');
    await sweepUntil(dog, '09:31');

    // Assess: its FAILED goes out, and its window is where it belongs, between api's others.
    expect(dog.notifier.sent.map((sent) => [sent.severity, sent.stackName, sent.startedAt])).toEqual([
      ['WARNING', 'api', t('08:00')],
      ['RESOLVED', 'api', t('08:00')],
      ['FAILED', 'api', t('08:32')],
    ]);
    expect(await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') })).toEqual([
      firstWindow,
      {
        key: apiKey,
        start: t('08:32'),
        end: t('08:35'),
        peakSeverity: 'FAILED',
        stacks: ['api'],
        awaitingReplacementSince: null,
      },
    ]);
  });

  it('counts a late event of another stack reaching back into that history as if on time', async () => {
    // Prepare: api-worker's failed update 07:50–08:40 arrives at 09:30, after api folded.
    const { store, dog, deliver } = await busyFoldedService(busy);

    // Act
    await deliver(worker, '07:50', 'UPDATE_IN_PROGRESS', '09:30');
    await deliver(worker, '08:40', 'UPDATE_ROLLBACK_COMPLETE', '09:30:01');
    await sweepUntil(dog, '09:31');

    // Assess: one window from the worker's start to the end of api's update running when the
    // worker's ended (08:40–08:41), across api's first update; the worker's FAILED.
    expect(await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') })).toEqual([
      {
        key: apiKey,
        start: t('07:50'),
        end: t('08:41'),
        peakSeverity: 'FAILED',
        stacks: ['api-worker', 'api'],
        awaitingReplacementSince: null,
      },
    ]);
    expect(dog.notifier.sent.map((sent) => [sent.severity, sent.stackName, sent.startedAt])).toEqual([
      ['WARNING', 'api', t('08:00')],
      ['RESOLVED', 'api', t('08:00')],
      ['FAILED', 'api-worker', t('07:50')],
    ]);
  });
});

describe('a busy stack folding by size, with writers racing', () => {
  const busy: WatchdogConfig = { ...configFromText({ serviceRules: ['api=^api'] }), maxStackRecords: 4 };
  /** Adds api's status at 09:24 (nothing to write when the state has it already). */
  const update = (status: string) => (current: StackState) => {
    const recorded = withStatusRecord(current, statusRecordOf(stackStatus(api, iso('09:24'), status)));
    return recorded.changed ? { state: recorded.state, result: status } : null;
  };

  it('leaves the pages of the writer that won alone when the one that lost had written the same ones', async () => {
    // Prepare: a settled stack one event short of folding; two writers read it.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('09:25'), config: busy });
    for (const [clock, status] of [
      ['08:00', 'UPDATE_IN_PROGRESS'],
      ['08:05', 'UPDATE_COMPLETE'],
      ['09:00', 'UPDATE_IN_PROGRESS'],
      ['09:01', 'UPDATE_COMPLETE'],
    ] as const) {
      dog.clock.set(iso(clock));
      await applyEvent(stackStatus(api, iso(clock), status), dog.deps);
    }
    dog.clock.set(iso('09:25'));
    const read = await store.loadStack(apiKey, apiRef);

    // Act: both fold the same history into the same pages; the second loses the race and retries.
    const won = await updateStack(dog.deps, apiKey, apiRef, t('09:25'), update('UPDATE_IN_PROGRESS'), { known: read });
    const retried = await updateStack(dog.deps, apiKey, apiRef, t('09:25'), update('UPDATE_IN_PROGRESS'), {
      known: read,
    });

    // Assess
    expect(won?.saved.folded.length).toBeGreaterThan(0);
    expect(retried).toBeNull();
    const stored = await store.loadStack(apiKey, apiRef);
    expect((await store.loadFoldedPages(stored, stored.folded)).length).toBe(stored.folded.length);
  });

  it('reads the state again when another writer brought back the pages it was about to read', async () => {
    // Prepare: writer B reads the stack; before it reads the pages, writer A applies a late event
    // into them (and removes them once its state, with history brought back, is stored).
    const { store, dog } = await busyFoldedService(busy);
    dog.clock.set(iso('09:30'));
    let otherWriterFirst = true;
    const racing: WatchdogStore = {
      ...store,
      async loadStack(key, stack) {
        const state = await store.loadStack(key, stack);
        if (otherWriterFirst) {
          otherWriterFirst = false;
          await applyEvent(stackStatus(api, iso('08:32'), 'UPDATE_IN_PROGRESS'), dog.deps);
        }
        return state;
      },
    };

    // Act
    const outcome = await applyEvent(stackStatus(api, iso('08:35'), 'UPDATE_ROLLBACK_COMPLETE'), {
      ...dog.deps,
      store: racing,
    });
    await sweepUntil(dog, '09:31');

    // Assess
    expect(outcome.kind).toBe('applied');
    expect(dog.notifier.sent.map((sent) => [sent.severity, sent.startedAt])).toEqual([
      ['WARNING', t('08:00')],
      ['RESOLVED', t('08:00')],
      ['FAILED', t('08:32')],
    ]);
    expect(
      (await store.windowsOverlapping({ from: t('00:00'), to: t('23:59') })).map((window) => [
        window.start,
        window.end,
      ]),
    ).toEqual([
      [t('08:00'), t('08:30')],
      [t('08:32'), t('08:35')],
    ]);
  });
});
