/**
 * The recovery hand-off through the use cases and a real (embedded) DynamoDB: Impact Window
 * Opened/Closed go out exactly once per window, whoever writes first, also when deliveries are
 * duplicated and concurrent, when sweeps overlap, and when the bus refuses a publish.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep, SweepIncompleteError } from '../../shared/app/sweep.ts';
import { publishWindowEvents } from '../../shared/app/publish-window-events.ts';
import { configFromText } from '../../shared/domain/config.ts';
import type { WindowEvent } from '../../shared/domain/window-events.ts';
import { freshStore } from '../support/dynamodb.ts';
import { iso, recordsIn, serviceKey, t, toSweep } from '../support/states.ts';
import { runInVirtualTime, seedIncident, stackStatus, watchdog } from '../support/watchdog.ts';

const api = { name: 'api' };
const seedConfig = configFromText({ serviceRules: ['trustsource-core=^trustsource-(core|scan)-'] });
const said = (events: readonly WindowEvent[]) =>
  events.map((event) => [event.detailType, event.detail.start, event.detail.end]);

const SEED_WINDOW = [
  ['Impact Window Opened', '2021-09-21T19:09:00Z', null],
  ['Impact Window Closed', '2021-09-21T19:09:00Z', '2021-09-21T20:07:00Z'],
];

describe('window events', () => {
  it(
    "announces the seed incident's window once opened (19:29, the first severity) and once closed " + '(20:07)',
    async () => {
      // Prepare
      const { store } = await freshStore();
      const dog = watchdog(store, { now: '2021-09-21T19:09:00Z', config: seedConfig });
      const announcedAt: string[] = [];
      const windowEvents = {
        publish: async (event: WindowEvent) => {
          announcedAt.push(new Date(dog.clock.now).toISOString());
          await dog.windowEvents.publish(event);
        },
      };

      // Act
      await runInVirtualTime({ ...dog, deps: { ...dog.deps, windowEvents } }, seedIncident(), '2021-09-21T20:30:00Z');

      // Assess
      expect(said(dog.windowEvents.sent)).toEqual(SEED_WINDOW);
      expect(announcedAt).toEqual(['2021-09-21T19:29:00.000Z', '2021-09-21T20:07:00.000Z']);
      const entries = await store.windowEntries(
        { account: '123456789012', region: 'eu-central-1', service: 'trustsource-core' },
        0,
      );
      expect(entries.flatMap((entry) => entry.announcements.map((announced) => announced.delivery.state))).toEqual([
        'sent',
        'sent',
      ]);
    },
  );

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
        await Promise.all([
          applyEvent(event, dog.deps),
          applyEvent(event, dog.deps),
          applyEvent(event, dog.deps),
          sweep(dog.deps),
        ]);
      },
      () => Promise.all([sweep(dog.deps), sweep(dog.deps)]),
    );

    // Assess
    expect(said(dog.windowEvents.sent)).toEqual(SEED_WINDOW);
  });

  it('keeps an Opened the bus refused pending, and the sweep after the lease sends it, then the Closed', async () => {
    // Prepare: the bus refuses the first attempt; an update rolls back (FAILED at once, its window at the sweep).
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:03'), windowEventFails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    const outcome = await applyEvent(stackStatus(api, iso('10:03'), 'UPDATE_ROLLBACK_COMPLETE'), dog.deps);

    // Act
    dog.clock.set(iso('10:04'));
    const refused = await sweep(dog.deps).catch((error: unknown) => error);
    const pendingAfterSweep = (await store.windowEntries(serviceKey('api'), 0)).flatMap((entry) =>
      entry.announcements.map((announced) => [announced.type, announced.delivery.state]),
    );
    dog.clock.set(iso('10:05'));
    await sweep(dog.deps);
    const beforeLease = said(dog.windowEvents.sent);
    dog.clock.set(iso('10:06'));
    await sweep(dog.deps);

    // Assess
    expect(outcome.kind).toBe('applied');
    expect(dog.notifier.sent.map((sent) => sent.severity)).toEqual(['FAILED']);
    expect(refused).toBeInstanceOf(SweepIncompleteError);
    expect(pendingAfterSweep).toEqual([['Impact Window Opened', 'pending']]);
    expect(
      dog.log.entries.some(
        (entry) => entry.level === 'warn' && entry.message.startsWith('could not publish a window event'),
      ),
    ).toBe(true);
    expect(beforeLease).toEqual([]);
    expect(said(dog.windowEvents.sent)).toEqual([
      ['Impact Window Opened', '2024-03-05T10:00:00Z', null],
      ['Impact Window Closed', '2024-03-05T10:00:00Z', '2024-03-05T10:03:00Z'],
    ]);
    expect(await toSweep(store)).toEqual([]);
  });

  it('reports a re-send the bus refuses again as an incomplete sweep, and sends it at the next try', async () => {
    // Prepare: the bus refuses the first two attempts.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:03'), windowEventFails: (attempt) => attempt <= 2 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    await applyEvent(stackStatus(api, iso('10:03'), 'UPDATE_ROLLBACK_FAILED'), dog.deps);
    dog.clock.set(iso('10:04'));
    await sweep(dog.deps).catch(() => undefined);

    // Act
    dog.clock.set(iso('10:06'));
    const refused = await sweep(dog.deps).catch((error: unknown) => error);
    dog.clock.set(iso('10:08'));
    await sweep(dog.deps);

    // Assess
    expect(refused).toBeInstanceOf(SweepIncompleteError);
    expect(said(dog.windowEvents.sent)).toEqual([['Impact Window Opened', '2024-03-05T10:00:00Z', null]]);
    expect(dog.windowEvents.attempts).toHaveLength(3);
  });

  it(
    'closes, from the sweeper, a window whose grace ran out with no replacement, at the last ' + 'DELETE_COMPLETE',
    async () => {
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
    },
  );

  it(
    'holds no history back while the bus refuses every event: the stack folds, the window keeps its event ' +
      'pending, re-sent once per lease',
    async () => {
      // Prepare: a busy stack (it may hold 4 events); the bus refuses everything.
      const { store } = await freshStore();
      const config = { ...configFromText({}), maxStackRecords: 4 };
      const dog = watchdog(store, { now: iso('10:00'), config, windowEventFails: () => true });
      await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
      dog.clock.set(iso('10:03'));
      await applyEvent(stackStatus(api, iso('10:03'), 'UPDATE_ROLLBACK_COMPLETE'), dog.deps);
      dog.clock.set(iso('10:04'));
      await sweep(dog.deps).catch(() => undefined);

      // Act: ten more updates, a sweep every minute for an hour.
      for (let minute = 5; minute < 65; minute++) {
        const at = `${String(10 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
        dog.clock.set(iso(at));
        if (minute % 5 === 0 && minute <= 50) {
          await applyEvent(stackStatus(api, iso(at), 'UPDATE_IN_PROGRESS'), dog.deps);
          await applyEvent(stackStatus(api, iso(at), 'UPDATE_COMPLETE'), dog.deps);
        }
        await sweep(dog.deps).catch(() => undefined);
      }

      // Assess
      expect((await recordsIn(store, serviceKey('api'))).length).toBeLessThanOrEqual(config.maxStackRecords + 4);
      const [entry] = await store.windowEntries(serviceKey('api'), 0);
      expect(entry?.window).toMatchObject({ start: t('10:00'), end: t('10:03') });
      expect(entry?.announcements.map((announced) => [announced.type, announced.delivery.state])).toEqual([
        ['Impact Window Opened', 'pending'],
      ]);
      // Once per lease (2 minutes), never in a loop.
      expect(dog.windowEvents.attempts.length).toBeLessThanOrEqual(31);
      expect(dog.windowEvents.attempts.length).toBeGreaterThanOrEqual(29);
    },
  );

  it('pages first, then puts the window events on the bus', async () => {
    // Prepare: the bus notes how many pages were out when it was called.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    const pagesOutAtPublish: number[] = [];
    const windowEvents = {
      publish: async (event: WindowEvent) => {
        pagesOutAtPublish.push(dog.notifier.sent.length);
        await dog.windowEvents.publish(event);
      },
    };
    const deps = { ...dog.deps, windowEvents };
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), deps);
    await applyEvent(stackStatus({ name: 'api-worker' }, iso('10:00'), 'DELETE_IN_PROGRESS'), deps);

    // Act: two WARNINGs due, and two windows opening, in one sweep.
    dog.clock.set(iso('10:20'));
    await sweep(deps);

    // Assess
    expect(dog.notifier.sent.map((sent) => sent.severity)).toEqual(['WARNING', 'WARNING']);
    expect(said(dog.windowEvents.sent).map(([type]) => type)).toEqual(['Impact Window Opened', 'Impact Window Opened']);
    expect(pagesOutAtPublish).toEqual([2, 2]);
  });
});

describe('publishing window events', () => {
  it('puts an event on the bus once per invocation, however often it is queued', async () => {
    // Prepare: an Opened claimed by a sweep whose bus refused it.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:20'), windowEventFails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    await sweep(dog.deps).catch(() => undefined);
    const key = serviceKey('api');
    const [entry] = await store.windowEntries(key, 0);
    const [opened] = entry?.announcements ?? [];
    if (!entry || !opened) throw new Error('expected the window to have been claimed');

    // Act: a caller that (wrongly) queues it three times.
    const { published } = await publishWindowEvents(
      dog.deps,
      [1, 2, 3].map(() => ({ key, id: entry.id, announced: opened })),
    );

    // Assess: the refused attempt, then one of three.
    expect(published).toBe(1);
    expect(dog.windowEvents.attempts.map((event) => event.detailType)).toEqual([
      'Impact Window Opened',
      'Impact Window Opened',
    ]);
    expect(
      dog.log.entries.filter(
        (log) => log.message === 'window event made due again after it was published: left as it is',
      ),
    ).toHaveLength(2);
    expect(
      (await store.loadWindowEntry(key, entry.id))?.announcements.map((announced) => announced.delivery.state),
    ).toEqual(['sent']);
  });
});
