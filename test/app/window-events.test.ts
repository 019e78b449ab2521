/**
 * The recovery hand-off through the use cases and a real (embedded) DynamoDB: Impact Window
 * Opened/Closed go out exactly once per window, whoever writes first, also when deliveries are
 * duplicated and concurrent, when sweeps overlap, and when the bus refuses a publish.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep, SweepIncompleteError } from '../../shared/app/sweep.ts';
import { withOutbox } from '../../shared/app/service-updates.ts';
import { configFromText } from '../../shared/domain/config.ts';
import type { WindowEvent } from '../../shared/domain/window-events.ts';
import { freshStore } from '../support/dynamodb.ts';
import { iso, serviceKey } from '../support/states.ts';
import { runInVirtualTime, seedIncident, stackStatus, watchdog } from '../support/watchdog.ts';

const api = { name: 'api' };
const seedConfig = configFromText({ serviceRules: ['trustsource-core=^trustsource-(core|scan)-'] });
const said = (events: readonly WindowEvent[]) => events.map((event) => [event.detailType, event.detail.start, event.detail.end]);

const SEED_WINDOW = [
  ['Impact Window Opened', '2021-09-21T19:09:00Z', null],
  ['Impact Window Closed', '2021-09-21T19:09:00Z', '2021-09-21T20:07:00Z'],
];

describe('window events', () => {
  it('announces the seed incident\'s window once opened (19:29, the first severity) and once closed (20:07)', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: '2021-09-21T19:09:00Z', config: seedConfig });
    const announcedAt: string[] = [];
    const windowEvents = { publish: async (event: WindowEvent) => void (announcedAt.push(new Date(dog.clock.now).toISOString()), await dog.windowEvents.publish(event)) };

    // Act
    await runInVirtualTime({ ...dog, deps: { ...dog.deps, windowEvents } }, seedIncident(), '2021-09-21T20:30:00Z');

    // Assess
    expect(said(dog.windowEvents.sent)).toEqual(SEED_WINDOW);
    expect(announcedAt).toEqual(['2021-09-21T19:29:00.000Z', '2021-09-21T20:07:00.000Z']);
    const state = await store.loadService({ account: '123456789012', region: 'eu-central-1', service: 'trustsource-core' });
    expect(state.announcements.map((announced) => announced.sentAt !== null)).toEqual([true, true]);
  });

  it('announces each once when every event is delivered three times at once and two sweepers overlap', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: '2021-09-21T19:09:00Z', config: seedConfig });
    const overlapping = { ...dog, deps: { ...dog.deps } };

    // Act
    await runInVirtualTime(
      overlapping,
      seedIncident(),
      '2021-09-21T20:30:00Z',
      async (event) => {
        await Promise.all([applyEvent(event, dog.deps), applyEvent(event, dog.deps), applyEvent(event, dog.deps), sweep(dog.deps)]);
      },
      () => Promise.all([sweep(dog.deps), sweep(dog.deps)]),
    );

    // Assess
    expect(said(dog.windowEvents.sent)).toEqual(SEED_WINDOW);
  });

  it('keeps an Opened the bus refused pending, without failing the event, and the sweep after the lease sends it, then the Closed', async () => {
    // Prepare: the bus refuses the first attempt.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:03'), windowEventFails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    const outcome = await applyEvent(stackStatus(api, iso('10:03'), 'UPDATE_ROLLBACK_COMPLETE'), dog.deps);
    const pendingAfterEvent = (await store.loadService(serviceKey('api'))).announcements.map((announced) => [announced.type, announced.sentAt]);
    dog.clock.set(iso('10:04'));
    await sweep(dog.deps);
    const beforeLease = said(dog.windowEvents.sent);
    dog.clock.set(iso('10:05'));
    await sweep(dog.deps);

    // Assess
    expect(outcome.kind).toBe('applied');
    expect(dog.notifier.sent.map((sent) => sent.severity)).toEqual(['FAILED']);
    expect(pendingAfterEvent).toEqual([['Impact Window Opened', null]]);
    expect(dog.log.entries.some((entry) => entry.level === 'warn' && entry.message.startsWith('could not publish a window event'))).toBe(true);
    expect(beforeLease).toEqual([]);
    expect(said(dog.windowEvents.sent)).toEqual([
      ['Impact Window Opened', '2024-03-05T10:00:00Z', null],
      ['Impact Window Closed', '2024-03-05T10:00:00Z', '2024-03-05T10:03:00Z'],
    ]);
    expect(await store.openServices()).toEqual([]);
  });

  it('reports a re-send the bus refuses again as an incomplete sweep, and sends it at the next try', async () => {
    // Prepare: the bus refuses the first two attempts.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:03'), windowEventFails: (attempt) => attempt <= 2 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    await applyEvent(stackStatus(api, iso('10:03'), 'UPDATE_ROLLBACK_FAILED'), dog.deps);

    // Act
    dog.clock.set(iso('10:05'));
    const refused = await sweep(dog.deps).catch((error: unknown) => error);
    dog.clock.set(iso('10:07'));
    await sweep(dog.deps);

    // Assess
    expect(refused).toBeInstanceOf(SweepIncompleteError);
    expect(said(dog.windowEvents.sent)).toEqual([['Impact Window Opened', '2024-03-05T10:00:00Z', null]]);
    expect(dog.windowEvents.attempts).toHaveLength(3);
  });

  it('closes, from the sweeper, a window whose grace ran out with no replacement, at the last DELETE_COMPLETE', async () => {
    // Prepare: a deletion past its WARNING, then nothing: the window waits 60 minutes for a replacement.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:20'));
    await sweep(dog.deps);
    dog.clock.set(iso('10:25'));
    await applyEvent(stackStatus(api, iso('10:25'), 'DELETE_COMPLETE'), dog.deps);

    // Act
    dog.clock.set(iso('11:24'));
    await sweep(dog.deps);
    const beforeGraceEnds = said(dog.windowEvents.sent);
    dog.clock.set(iso('11:25'));
    await sweep(dog.deps);

    // Assess
    expect(beforeGraceEnds).toEqual([['Impact Window Opened', '2024-03-05T10:00:00Z', null]]);
    expect(said(dog.windowEvents.sent)).toEqual([
      ['Impact Window Opened', '2024-03-05T10:00:00Z', null],
      ['Impact Window Closed', '2024-03-05T10:00:00Z', '2024-03-05T10:25:00Z'],
    ]);
  });

  it('lets a bus that refuses every event hold the history back no longer than the late-event horizon', async () => {
    // Prepare: a 1-hour horizon; the bus refuses everything; a 30-minute update opened and closed a window.
    const { store } = await freshStore();
    const config = { ...configFromText({}), lateEventHorizonMs: 60 * 60_000 };
    const dog = watchdog(store, { now: iso('10:00'), config, windowEventFails: () => true });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:20'));
    await expect(sweep(dog.deps)).rejects.toBeInstanceOf(SweepIncompleteError);
    dog.clock.set(iso('10:30'));
    await applyEvent(stackStatus(api, iso('10:30'), 'UPDATE_COMPLETE'), dog.deps);

    // Act: past twice the horizon, the next event folds the settled history.
    dog.clock.set(iso('12:31'));
    await applyEvent(stackStatus(api, iso('12:31'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Assess
    const state = await store.loadService(serviceKey('api'));
    expect(state.records.map((record) => record.status)).toEqual(['UPDATE_IN_PROGRESS']);
    expect(state.announcements).toEqual([]);
    expect((await store.archivedWindows(serviceKey('api'))).map((window) => [window.start, window.end])).toEqual([[Date.parse(iso('10:00')), Date.parse(iso('10:30'))]]);
    expect(dog.log.entries.filter((entry) => entry.message.startsWith('window events the bus refused')).map((entry) => entry.attributes?.['windowEvents'])).toEqual([
      ['Impact Window Opened 2024-03-05T10:00:00Z#0'],
    ]);
  });

  it('pages first, then puts the window events on the bus', async () => {
    // Prepare: the bus notes how many pages were out when it was called.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:03') });
    const pagesOutAtPublish: number[] = [];
    const windowEvents = { publish: async (event: WindowEvent) => void (pagesOutAtPublish.push(dog.notifier.sent.length), await dog.windowEvents.publish(event)) };
    const deps = { ...dog.deps, windowEvents };
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), deps);

    // Act: the rollback's end makes FAILED due, and opens and closes the window.
    await applyEvent(stackStatus(api, iso('10:03'), 'UPDATE_ROLLBACK_COMPLETE'), deps);

    // Assess
    expect(dog.notifier.sent.map((sent) => sent.severity)).toEqual(['FAILED']);
    expect(said(dog.windowEvents.sent).map(([type]) => type)).toEqual(['Impact Window Opened', 'Impact Window Closed']);
    expect(pagesOutAtPublish).toEqual([1, 1]);
  });
});

describe('the outbox', () => {
  it('puts an event on the bus once per invocation, however often a state makes it due again', async () => {
    // Prepare: an Opened claimed in the state, and a use case that (wrongly) queues it three times.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:30') });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    await sweep(dog.deps);
    const key = serviceKey('api');
    const [opened] = (await store.loadService(key)).announcements;
    if (!opened) throw new Error('expected the window to have been announced');

    // Act
    await withOutbox(dog.deps, async (staged) => {
      staged.outbox?.pending.push({ key, announced: opened }, { key, announced: opened }, { key, announced: opened });
    });

    // Assess: the sweep's own, then this invocation's one of three.
    expect(said(dog.windowEvents.sent)).toEqual([
      ['Impact Window Opened', '2024-03-05T10:00:00Z', null],
      ['Impact Window Opened', '2024-03-05T10:00:00Z', null],
    ]);
    expect(dog.log.entries.filter((entry) => entry.message === 'window event made due again after it was published: left as it is')).toHaveLength(2);
  });
});
