/**
 * The store's contract, run on dynalite, on moto and on the in-process table (vitest.config.ts):
 * the four access patterns of DESIGN.md, the conditions every writer relies on, and what it
 * writes: readable, validated, bounded.
 */
import { describe, expect, it } from 'vitest';
import { StoreDataError } from '../../shared/adapters/dynamodb-store.ts';
import { itemSize } from '../../shared/adapters/item-size.ts';
import { MAX_ITEM_BYTES } from '../../shared/adapters/store-items.ts';
import type { Claim } from '../../shared/domain/claims.ts';
import type { FoldedPage } from '../../shared/domain/compaction.ts';
import { Severity } from '../../shared/domain/severity.ts';
import { emptyServiceState, type WalkPoint } from '../../shared/domain/service-walk.ts';
import { emptyStackState, type StackState } from '../../shared/domain/stack-state.ts';
import type { WindowEntry } from '../../shared/domain/window-entries.ts';
import { WindowEventType, type WindowAnnouncement } from '../../shared/domain/window-events.ts';
import { FoldedPageMissingError, type MutedStack } from '../../shared/app/ports.ts';
import { freshTable } from '../support/dynamodb.ts';
import { stackArn } from '../support/events.ts';
import { ACCOUNT, iso, REGION, record, saveNew, serviceKey, stateOf, t } from '../support/states.ts';
import { ISO_Z, resourceStatus, stackStatus } from '../support/watchdog.ts';

const checkout = serviceKey('checkout');
const blue = stackArn({ name: 'checkout-blue' });
const blueRef = { stackId: blue, stackName: 'checkout-blue' };

/**
 * checkout-blue: deleted in 25 min (WARNING sent, RESOLVED claimed and not yet sent), its
 * DELETE_COMPLETE made up from DescribeStacks; muted by tag; seen at 10:24; folded once before.
 */
function blueState(): StackState {
  const claims: Claim[] = [
    {
      stackId: blue,
      anchor: t('10:00'),
      operation: 'DELETE',
      severity: Severity.WARNING,
      claimedAt: t('10:20'),
      delivery: { state: 'sent', at: t('10:20:05') },
    },
    {
      stackId: blue,
      anchor: t('10:00'),
      operation: 'DELETE',
      severity: Severity.RESOLVED,
      terminalAt: t('10:25'),
      terminalStatus: 'DELETE_COMPLETE',
      claimedAt: t('10:25:03'),
      delivery: { state: 'pending' },
    },
    {
      stackId: blue,
      anchor: t('09:00'),
      operation: 'UPDATE',
      severity: Severity.FAILED,
      terminalAt: t('09:10'),
      terminalStatus: 'UPDATE_ROLLBACK_COMPLETE',
      claimedAt: t('09:10'),
      delivery: { state: 'suppressed', at: t('09:10'), why: 'muted' },
    },
  ];
  return {
    ...emptyStackState(checkout, blue, 'checkout-blue'),
    records: [
      record('checkout-blue', '09:00', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      record('checkout-blue', '09:10', 'UPDATE_ROLLBACK_COMPLETE'),
      record('checkout-blue', '10:00', 'DELETE_IN_PROGRESS', 'User Initiated'),
      {
        ...record('checkout-blue', '10:25', 'DELETE_COMPLETE'),
        synthetic: { basis: { time: t('10:00'), status: 'DELETE_IN_PROGRESS' }, askedAt: t('10:26') },
      },
    ],
    claims,
    mutedByTag: true,
    rootStackId: null,
    lastSeenAt: t('10:24'),
    baseline: { asOf: t('08:30'), stacks: [{ stackId: blue, stackName: 'checkout-blue', status: 'UPDATE_COMPLETE' }] },
    folded: [{ id: `PAGE#${blue}#2024-03-05T08:30:00Z#abc`, from: null, cut: t('08:30') }],
    unwalkedSince: t('10:25'),
  };
}

const opened = (id: string, sent: boolean): WindowAnnouncement => ({
  type: WindowEventType.OPENED,
  windowStart: t(id),
  revision: 0,
  start: t(id),
  end: null,
  peakSeverity: 'WARNING',
  stacks: ['checkout-blue'],
  withdrawn: false,
  claimedAt: t('10:20'),
  delivery: sent ? { state: 'sent', at: t('10:20:01') } : { state: 'pending' },
});

const entry = (id: string, end: string | null, sent = true): WindowEntry => ({
  key: checkout,
  id: t(id),
  version: 0,
  window: {
    start: t(id),
    end: end === null ? null : t(end),
    peakSeverity: 'WARNING',
    stacks: ['checkout-blue'],
    awaitingReplacementSince: null,
  },
  announcements: [opened(id, sent)],
});

describe('loadStack and saveStack (access pattern 1)', () => {
  it('returns an empty state at version 0 for a stack never written', async () => {
    // Prepare
    const { store } = await freshTable();

    // Act
    const state = await store.loadStack(checkout, blueRef);

    // Assess
    expect(state).toEqual(emptyStackState(checkout, blue, 'checkout-blue'));
  });

  it(
    'stores records, claims in every delivery state, facts, sighting, baseline, pages and the walk mark, and ' +
      'returns version + 1',
    async () => {
      // Prepare
      const { store } = await freshTable();
      const state = blueState();

      // Act
      const saved = await store.saveStack(state, t('10:30'));
      const loaded = await store.loadStack(checkout, blueRef);

      // Assess
      expect(saved).toEqual({ ...state, version: 1 });
      expect(loaded).toEqual({ ...state, version: 1 });
    },
  );

  it(
    'writes the next version over the loaded one, and refuses a write from a version another writer saved ' + 'first',
    async () => {
      // Prepare
      const { store } = await freshTable();
      const first = await store.saveStack(blueState(), t('10:30'));
      if (!first) throw new Error('expected the first save');

      // Act
      const second = await store.saveStack({ ...first, lastSeenAt: t('10:40') }, t('10:40'));
      const stale = await store.saveStack({ ...first, lastSeenAt: t('10:41') }, t('10:41'));
      const again = await store.saveStack(blueState(), t('10:42'));

      // Assess
      expect(second?.version).toBe(2);
      expect(stale).toBeNull();
      expect(again).toBeNull();
      expect((await store.loadStack(checkout, blueRef)).lastSeenAt).toBe(t('10:40'));
    },
  );

  it(
    'writes an item a person can read in the console: readable keys, ISO-8601 UTC times with Z, its schema ' +
      'version',
    async () => {
      // Prepare
      const { store, table } = await freshTable();

      // Act
      await store.saveStack(blueState(), t('10:30'));

      // Assess
      const item = await table.get(`SERVICE#${ACCOUNT}#${REGION}#checkout`, `STACK#${blue}`);
      expect(item).toMatchObject({
        type: 'stack',
        schema: 2,
        account: ACCOUNT,
        region: REGION,
        service: 'checkout',
        stackId: blue,
        stackName: 'checkout-blue',
        version: 1,
        updatedAt: '2024-03-05T10:30:00Z',
        events: [
          { time: '2024-03-05T09:00:00Z', status: 'UPDATE_IN_PROGRESS', reason: 'User Initiated' },
          { time: '2024-03-05T09:10:00Z', status: 'UPDATE_ROLLBACK_COMPLETE' },
          { time: '2024-03-05T10:00:00Z', status: 'DELETE_IN_PROGRESS', reason: 'User Initiated' },
          {
            time: '2024-03-05T10:25:00Z',
            status: 'DELETE_COMPLETE',
            synthetic: {
              basis: { time: '2024-03-05T10:00:00Z', status: 'DELETE_IN_PROGRESS' },
              askedAt: '2024-03-05T10:26:00Z',
            },
          },
        ],
        lastSeenAt: '2024-03-05T10:24:00Z',
        unwalkedSince: '2024-03-05T10:25:00Z',
        // Something for the sweeper: a claim still to send, events not walked.
        sweepPK: 'SWEEP',
      });
      expect(item?.claims).toContainEqual({
        anchor: '2024-03-05T10:00:00Z',
        operation: 'DELETE',
        severity: 'RESOLVED',
        terminalAt: '2024-03-05T10:25:00Z',
        terminalStatus: 'DELETE_COMPLETE',
        claimedAt: '2024-03-05T10:25:03Z',
        delivery: { state: 'pending' },
      });
    },
  );

  it(
    'keeps a deleted stack for the late-event horizon and a day more (TTL), then its service stops ' + 'reading it',
    async () => {
      // Prepare
      const { store, table } = await freshTable();
      const deleted = {
        ...emptyStackState(checkout, blue, 'checkout-blue'),
        records: [
          record('checkout-blue', '10:00', 'DELETE_IN_PROGRESS'),
          record('checkout-blue', '10:25', 'DELETE_COMPLETE'),
        ],
      };

      // Act
      await store.saveStack(deleted, t('10:30'));

      // Assess
      const item = await table.get(`SERVICE#${ACCOUNT}#${REGION}#checkout`, `STACK#${blue}`);
      expect(item?.expiresAt).toBe(Date.parse('2024-03-13T10:25:00Z') / 1000);
    },
  );

  it(
    'keeps a stack that never settles within 64 KB as DynamoDB counts it, long non-ASCII reasons shortened first, ' +
      'then its oldest events cut and counted',
    async () => {
      // Prepare: 400 statuses of a rollback that keeps failing, each with a 300-character reason of 3-byte characters.
      const { store, table } = await freshTable();
      const reason = '停'.repeat(300);
      const records = Array.from({ length: 400 }, (_, index) => ({
        ...record(
          'checkout-blue',
          '10:00',
          index % 2 === 0 ? 'UPDATE_ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_FAILED',
          reason,
        ),
        time: t('10:00') + index * 60_000,
      }));
      const state = { ...emptyStackState(checkout, blue, 'checkout-blue'), records };

      // Act
      const saved = await store.saveStack(state, t('18:00'));

      // Assess
      const item = await table.get(`SERVICE#${ACCOUNT}#${REGION}#checkout`, `STACK#${blue}`);
      if (!item || !saved) throw new Error('expected the item');
      expect(itemSize(item)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
      expect(item.cutEvents).toBeGreaterThan(0);
      expect(saved.records.at(-1)?.time).toBe(records.at(-1)?.time);
      expect(saved.records.every((kept) => kept.statusReason.length <= 60)).toBe(true);
    },
  );

  it('names the item and the field of a malformed stored item rather than reading half of it', async () => {
    // Prepare: an item whose first event's time is not a time.
    const { store, table } = await freshTable();
    await store.saveStack(blueState(), t('10:30'));
    const item = await table.get(`SERVICE#${ACCOUNT}#${REGION}#checkout`, `STACK#${blue}`);
    const events = item?.events as { time: string }[];
    await table.put({ ...item, events: [{ ...events[0], time: 'yesterday' }, ...events.slice(1)] });

    // Act
    const read = store.loadStack(checkout, blueRef);

    // Assess
    await expect(read).rejects.toThrow(StoreDataError);
    await expect(read).rejects.toThrow(
      `stored stack SERVICE#${ACCOUNT}#${REGION}#checkout STACK#${blue}: events.0.time: expected an ISO-8601 time ` +
        `(schema 2)`,
    );
  });
});

describe('loadService and saveService', () => {
  it(
    'reads every stack of a service and its own item in one consistent query, nothing else of the ' + 'partition',
    async () => {
      // Prepare: two stacks, the service's walk point, a window entry, a page and a kept walk point.
      const { store } = await freshTable();
      const green = {
        ...emptyStackState(checkout, stackArn({ name: 'checkout-green' }), 'checkout-green'),
        records: [record('checkout-green', '10:01', 'CREATE_IN_PROGRESS')],
      };
      await store.saveStack(blueState(), t('10:30'));
      await store.saveStack(green, t('10:30'));
      const point: WalkPoint = {
        asOf: t('10:28'),
        open: { start: t('10:00'), stacks: ['checkout-blue', 'checkout-green'], waitingSince: null, peak: 'WARNING' },
        lastDeleteComplete: t('09:05'),
      };
      await store.saveService({ ...emptyServiceState(checkout), walked: point, lastKeptAt: t('10:28') }, t('10:30'));
      await store.saveWindowEntry(entry('10:00', null), t('10:30'));
      await store.saveFoldedPages(blueState(), [{ since: null, cut: t('08:30'), records: [], claims: [] }]);
      await store.keepWalkPoint(checkout, point);

      // Act
      const { service, stacks } = await store.loadService(checkout);

      // Assess
      expect(service).toEqual({ key: checkout, version: 1, walked: point, lastKeptAt: t('10:28'), openWindowIds: [] });
      expect(stacks.map((stack) => stack.stackName).sort()).toEqual(['checkout-blue', 'checkout-green']);
    },
  );

  it('returns the empty service (version 0) and no stacks for a service never written', async () => {
    const { store } = await freshTable();
    expect(await store.loadService(checkout)).toEqual({ service: emptyServiceState(checkout), stacks: [] });
  });

  it('refuses a service write from a version another writer saved first', async () => {
    // Prepare
    const { store } = await freshTable();
    const first = await store.saveService(emptyServiceState(checkout), t('10:00'));
    if (!first) throw new Error('expected the first save');

    // Act
    const second = await store.saveService({ ...first, lastKeptAt: t('10:01') }, t('10:01'));
    const stale = await store.saveService({ ...first, lastKeptAt: t('10:02') }, t('10:02'));

    // Assess
    expect(second?.version).toBe(2);
    expect(stale).toBeNull();
  });
});

describe('servicesToSweep (access pattern 2)', () => {
  it(
    'returns exactly the services with a stack or a window to sweep, through the sparse index, among 200 closed ' +
      'ones',
    async () => {
      // Prepare: 200 services whose deployments ended and were walked; four with something to sweep.
      const { store } = await freshTable();
      const closed = Array.from({ length: 200 }, (_, index) => `closed-${index}`);
      for (let i = 0; i < closed.length; i += 25) {
        await Promise.all(
          closed
            .slice(i, i + 25)
            .map((name) =>
              saveNew(
                store,
                stateOf(serviceKey(name), [
                  record(name, '08:00', 'UPDATE_IN_PROGRESS'),
                  record(name, '08:05', 'UPDATE_COMPLETE'),
                ]),
                t('10:00'),
              ),
            ),
        );
      }
      await saveNew(
        store,
        stateOf(serviceKey('running'), [record('running', '10:00', 'UPDATE_IN_PROGRESS')]),
        t('10:00'),
      );
      await store.saveStack(
        {
          ...(stateOf(serviceKey('unwalked'), [
            record('unwalked', '09:00', 'CREATE_IN_PROGRESS'),
            record('unwalked', '09:01', 'CREATE_COMPLETE'),
          ]).stacks[0] as StackState),
        },
        t('10:00'),
      );
      await store.saveWindowEntry({ ...entry('10:00', null, false), key: serviceKey('announcing') }, t('10:00'));
      await store.saveWindowEntry({ ...entry('10:00', '10:20'), key: serviceKey('announced') }, t('10:30'));
      await store.saveWindowEntry(
        {
          ...entry('09:00', null),
          key: serviceKey('awaiting'),
          window: {
            start: t('09:00'),
            end: null,
            peakSeverity: 'WARNING',
            stacks: ['awaiting'],
            awaitingReplacementSince: t('09:30'),
          },
        },
        t('10:00'),
      );

      // Act
      const targets = await store.servicesToSweep();

      // Assess
      expect(targets.map((target) => target.key.service).sort()).toEqual([
        'announcing',
        'awaiting',
        'running',
        'unwalked',
      ]);
      expect(targets.find((target) => target.key.service === 'announcing')?.windowIds).toEqual([t('10:00')]);
      expect(targets.find((target) => target.key.service === 'running')?.windowIds).toEqual([]);
    },
  );

  it('drops a stack from the index once its operation ended, its claims were sent and its service walked', async () => {
    // Prepare
    const { store } = await freshTable();
    await saveNew(store, stateOf(serviceKey('api'), [record('api', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));
    const running = await store.loadStack(serviceKey('api'), { stackId: stackArn({ name: 'api' }), stackName: 'api' });

    // Act
    await store.saveStack(
      { ...running, records: [...running.records, record('api', '10:05', 'UPDATE_COMPLETE')], unwalkedSince: null },
      t('10:06'),
    );

    // Assess
    expect(await store.servicesToSweep()).toEqual([]);
  });
});

describe('window entries and windowsOverlapping (access pattern 3)', () => {
  it('stores an entry and reads it back; refuses a write from a stale version', async () => {
    // Prepare
    const { store } = await freshTable();
    const saved = await store.saveWindowEntry(entry('10:00', null), t('10:20'));
    if (!saved) throw new Error('expected the entry');

    // Act
    const closed = await store.saveWindowEntry(
      { ...saved, window: { ...(saved.window as NonNullable<WindowEntry['window']>), end: t('10:40') } },
      t('10:40'),
    );
    const stale = await store.saveWindowEntry(saved, t('10:41'));

    // Assess
    expect(saved).toEqual({ ...entry('10:00', null), version: 1 });
    expect(closed?.window?.end).toBe(t('10:40'));
    expect(stale).toBeNull();
    expect(await store.loadWindowEntry(checkout, t('10:00'))).toEqual(closed);
    expect(await store.loadWindowEntry(checkout, t('11:00'))).toBeNull();
  });

  it("lists a service's entries from an id on, by id, at or after it, or after it only", async () => {
    // Prepare
    const { store } = await freshTable();
    for (const id of ['08:00', '09:00', '10:00'])
      await store.saveWindowEntry(entry(id, `${id.slice(0, 2)}:30`), t('11:00'));

    // Act
    const [from, after] = [
      await store.windowEntries(checkout, t('09:00')),
      await store.windowEntries(checkout, t('09:00'), true),
    ];

    // Assess
    expect(from.map((kept) => kept.id)).toEqual([t('09:00'), t('10:00')]);
    expect(after.map((kept) => kept.id)).toEqual([t('10:00')]);
  });

  it.each([
    { range: ['07:00', '07:59'], found: [] },
    { range: ['08:00', '08:00'], found: ['08:00'] },
    { range: ['08:30', '09:00'], found: ['08:00', '09:00'] },
    { range: ['09:31', '23:00'], found: ['11:00'] },
  ])('finds the windows overlapping $range (open ones included, withdrawn ids not)', async ({ range, found }) => {
    // Prepare
    const { store } = await freshTable();
    await store.saveWindowEntry(entry('08:00', '08:30'), t('12:00'));
    await store.saveWindowEntry(entry('09:00', '09:30'), t('12:00'));
    await store.saveWindowEntry({ ...entry('10:00', '10:10'), window: null }, t('12:00'));
    await store.saveWindowEntry(entry('11:00', null), t('12:00'));

    // Act
    const windows = await store.windowsOverlapping({ from: t(range[0] as string), to: t(range[1] as string) });

    // Assess
    expect(windows.map((window) => iso(new Date(window.start).toISOString().slice(11, 16)))).toEqual(found.map(iso));
    expect(windows.every((window) => window.key.service === 'checkout')).toBe(true);
  });

  it(
    'keeps a window of 300 stacks with the longest names within 64 KB, its lists of names cut with a ' + 'marker',
    async () => {
      // Prepare: stack names are up to 128 characters.
      const { store, table } = await freshTable();
      const stacks = Array.from({ length: 300 }, (_, index) =>
        `checkout-shard-${String(index).padStart(4, '0')}-`.padEnd(128, 'x'),
      );
      const big: WindowEntry = {
        ...entry('10:00', null),
        window: { start: t('10:00'), end: null, peakSeverity: 'FAILED', stacks, awaitingReplacementSince: null },
        announcements: [
          { ...opened('10:00', true), stacks },
          { ...opened('10:00', false), type: WindowEventType.CLOSED, revision: 1, end: t('10:40'), stacks },
        ],
      };

      // Act
      await store.saveWindowEntry(big, t('10:40'));

      // Assess
      const item = await table.get(`SERVICE#${ACCOUNT}#${REGION}#checkout`, 'WINDOW#2024-03-05T10:00:00Z');
      if (!item) throw new Error('expected the item');
      expect(itemSize(item)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
      const kept = (await store.loadWindowEntry(checkout, t('10:00')))?.window?.stacks ?? [];
      expect(kept.at(-1)).toBe('… and 250 more');
      expect(kept.slice(0, 3)).toEqual(stacks.slice(0, 3));
    },
  );
});

describe('folded pages of a stack (history folded by size, kept for late events)', () => {
  const page: FoldedPage = {
    since: { asOf: t('08:00'), stacks: [{ stackId: blue, stackName: 'checkout-blue', status: 'UPDATE_COMPLETE' }] },
    cut: t('09:10'),
    records: [
      record('checkout-blue', '09:00', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      record('checkout-blue', '09:10', 'UPDATE_COMPLETE'),
    ],
    claims: [
      {
        stackId: blue,
        anchor: t('09:00'),
        operation: 'UPDATE',
        severity: Severity.WARNING,
        claimedAt: t('09:05'),
        delivery: { state: 'sent', at: t('09:05') },
      },
    ],
  };

  it('keeps a page and gives it back as it was, named by its content, expiring with the raw history', async () => {
    // Prepare
    const { store, table } = await freshTable();

    // Act
    const [ref] = await store.saveFoldedPages(blueState(), [page]);
    const [again] = await store.saveFoldedPages(blueState(), [page]);
    if (!ref) throw new Error('expected a page reference');
    const [loaded] = await store.loadFoldedPages(blueState(), [ref]);

    // Assess
    expect(ref).toMatchObject({ from: t('08:00'), cut: t('09:10') });
    expect(ref.id).toMatch(new RegExp(`^PAGE#${blue.replace(/[/]/g, '\\/')}#2024-03-05T09:10:00Z#[0-9a-f]{16}$`));
    expect(again).toEqual(ref);
    expect(loaded).toEqual(page);
    const item = await table.get(`SERVICE#${ACCOUNT}#${REGION}#checkout`, ref.id);
    expect(item?.expiresAt).toBe(Date.parse('2024-06-03T09:10:00Z') / 1000);
  });

  it('says which page is missing rather than giving back less history, and deletes pages idempotently', async () => {
    // Prepare
    const { store } = await freshTable();
    const [ref] = await store.saveFoldedPages(blueState(), [page]);
    if (!ref) throw new Error('expected a page reference');

    // Act
    await store.deleteFoldedPages(blueState(), [ref]);
    await store.deleteFoldedPages(blueState(), [ref]);

    // Assess
    await expect(store.loadFoldedPages(blueState(), [ref])).rejects.toThrow(FoldedPageMissingError);
    await expect(store.loadFoldedPages(blueState(), [ref])).rejects.toThrow(ref.id);
  });
});

describe('walk points kept for late events', () => {
  it('gives the latest one strictly before a time, and none before the first', async () => {
    // Prepare
    const { store } = await freshTable();
    const at = (clock: string): WalkPoint => ({ asOf: t(clock), open: null, lastDeleteComplete: null });
    for (const clock of ['08:00', '09:00', '10:00']) await store.keepWalkPoint(checkout, at(clock));

    // Act / Assess
    expect(await store.walkPointBefore(checkout, t('09:30'))).toEqual(at('09:00'));
    expect(await store.walkPointBefore(checkout, t('09:00'))).toEqual(at('08:00'));
    expect(await store.walkPointBefore(checkout, t('08:00'))).toBeNull();
    expect(await store.walkPointBefore(serviceKey('other'), t('12:00'))).toBeNull();
  });
});

describe("the sweep heartbeat and the self-check's memory (the watchdog's own items)", () => {
  it('has no heartbeat before the first sweep, then the latest one recorded, in one readable item', async () => {
    // Prepare
    const { store, scan } = await freshTable();
    const before = await store.lastSweepHeartbeat();

    // Act
    await store.recordSweepHeartbeat(t('10:00'));
    await store.recordSweepHeartbeat(t('10:01:02'));

    // Assess
    expect(before).toBeNull();
    expect(await store.lastSweepHeartbeat()).toBe(t('10:01:02'));
    expect(await scan()).toEqual([
      { PK: 'WATCHDOG', SK: 'HEARTBEAT#sweep', type: 'heartbeat', schema: 2, at: iso('10:01:02') },
    ]);
  });

  it('keeps the heartbeat apart from every service: a sweep finds nothing to do because of it', async () => {
    // Prepare
    const { store } = await freshTable();

    // Act
    await store.recordSweepHeartbeat(t('10:00'));

    // Assess
    expect(await store.servicesToSweep()).toEqual([]);
  });

  it('gives back what the last self-check remembered, none before the first', async () => {
    // Prepare
    const { store } = await freshTable();
    const memory = { at: t('06:00'), mutedStackIds: [blue, stackArn({ name: 'preview-1' })].sort(), mutedTotal: 2 };
    const before = await store.lastSelfCheck();

    // Act
    await store.recordSelfCheck({ at: t('05:00'), mutedStackIds: [], mutedTotal: 0 });
    await store.recordSelfCheck(memory);

    // Assess
    expect(before).toBeNull();
    expect(await store.lastSelfCheck()).toEqual(memory);
  });

  it.each([
    [
      'HEARTBEAT#sweep',
      'at',
      'an hour ago',
      'stored sweep heartbeat WATCHDOG HEARTBEAT#sweep: at: expected an ISO-8601 time (schema 2)',
    ],
    ['SELFCHECK', 'mutedStackIds', 'none', 'stored self-check WATCHDOG SELFCHECK: mutedStackIds:'],
  ])('names the item and the field of a malformed %s item', async (sk, field, value, message) => {
    // Prepare
    const { store, table } = await freshTable();
    await store.recordSweepHeartbeat(t('10:00'));
    await store.recordSelfCheck({ at: t('06:00'), mutedStackIds: [], mutedTotal: 0 });
    const item = await table.get('WATCHDOG', sk);
    await table.put({ ...item, [field]: value });

    // Act
    const read = sk === 'SELFCHECK' ? store.lastSelfCheck() : store.lastSweepHeartbeat();

    // Assess
    await expect(read).rejects.toThrow(StoreDataError);
    await expect(read).rejects.toThrow(message);
  });
});

describe('stacks muted by their tag (listed without a scan)', () => {
  const muted = (stackName: string, key = checkout, since = '10:00'): MutedStack => ({
    key,
    stackId: stackArn({ name: stackName }),
    stackName,
    since: t(since),
  });

  it('lists every stack kept, in every service, each once, and none once dropped', async () => {
    // Prepare
    const { store } = await freshTable();
    await store.keepMutedByTag(muted('checkout-blue'));
    await store.keepMutedByTag(muted('sandbox-alice', serviceKey('sandbox'), '11:00'));
    await store.keepMutedByTag(muted('checkout-green'));
    await store.saveStack(blueState(), t('10:30'));

    // Act
    await store.keepMutedByTag(muted('checkout-blue', serviceKey('payments'), '12:00'));
    await store.dropMutedByTag(stackArn({ name: 'checkout-green' }));
    await store.dropMutedByTag(stackArn({ name: 'never-listed' }));
    const listed = await store.stacksMutedByTag();

    // Assess: a stack kept again is listed once, as last kept (its service may have changed).
    expect(listed.sort((a, b) => a.stackName.localeCompare(b.stackName))).toEqual([
      muted('checkout-blue', serviceKey('payments'), '12:00'),
      muted('sandbox-alice', serviceKey('sandbox'), '11:00'),
    ]);
  });

  it('lists none in a table that never had one', async () => {
    const { store } = await freshTable();
    expect(await store.stacksMutedByTag()).toEqual([]);
  });

  it('keeps one small readable item per stack, with ISO times, apart from every service partition', async () => {
    // Prepare
    const { store, scan } = await freshTable();

    // Act
    await store.keepMutedByTag(muted('checkout-blue'));

    // Assess
    const [item] = await scan();
    expect(item).toEqual({
      PK: 'MUTED',
      SK: `MUTED#${blue}`,
      type: 'muted',
      schema: 2,
      account: ACCOUNT,
      region: REGION,
      service: 'checkout',
      stackId: blue,
      stackName: 'checkout-blue',
      since: '2024-03-05T10:00:00Z',
    });
    expect(itemSize(item ?? {})).toBeLessThan(1024);
    expect((await store.loadService(checkout)).stacks).toEqual([]);
  });

  it('names the item and the field of a malformed listing rather than reading half of it', async () => {
    // Prepare
    const { store, table } = await freshTable();
    await store.keepMutedByTag(muted('checkout-blue'));
    const item = await table.get('MUTED', `MUTED#${blue}`);
    await table.put({ ...item, since: 'yesterday' });

    // Act
    const attempt = store.stacksMutedByTag();

    // Assess
    await expect(attempt).rejects.toThrow(StoreDataError);
    await expect(store.stacksMutedByTag()).rejects.toThrow(
      `stored muted stack MUTED MUTED#${blue}: since: expected an ISO-8601 time`,
    );
  });
});

describe('recordEvent and stackHistory', () => {
  const stack = { name: 'checkout-blue' };
  const events = {
    started: stackStatus(stack, '2024-03-05T10:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
    fnStarted: resourceStatus(stack, '2024-03-05T10:00:05Z', 'Fn', 'UPDATE_IN_PROGRESS'),
    fnDone: resourceStatus(stack, '2024-03-05T10:01:10Z', 'Fn', 'UPDATE_COMPLETE', { reason: 'done' }),
    cleanup: stackStatus(stack, '2024-03-05T10:02:00Z', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
    completed: stackStatus(stack, '2024-03-05T10:03:00Z', 'UPDATE_COMPLETE'),
    otherStack: stackStatus({ name: 'checkout-green' }, '2024-03-05T10:01:00Z', 'UPDATE_IN_PROGRESS'),
  };

  it(
    'returns one stack’s status and resource events in time order, whatever the order they were ' + 'recorded in',
    async () => {
      // Prepare
      const { store } = await freshTable();
      for (const event of [
        events.completed,
        events.fnDone,
        events.otherStack,
        events.started,
        events.fnStarted,
        events.cleanup,
      ]) {
        await store.recordEvent(event);
      }

      // Act
      const history = await store.stackHistory(blue);

      // Assess
      expect(history).toEqual([events.started, events.fnStarted, events.fnDone, events.cleanup, events.completed]);
    },
  );

  it('returns only the events at or after `from`', async () => {
    // Prepare
    const { store } = await freshTable();
    for (const event of Object.values(events)) await store.recordEvent(event);

    // Act
    const history = await store.stackHistory(blue, t('10:01:10'));

    // Assess
    expect(history).toEqual([events.fnDone, events.cleanup, events.completed]);
  });

  it('returns nothing for a stack never seen', async () => {
    // Prepare
    const { store } = await freshTable();
    await store.recordEvent(events.started);

    // Act
    const history = await store.stackHistory(stackArn({ name: 'never-seen' }));

    // Assess
    expect(history).toEqual([]);
  });

  it.each([
    { delivery: 'the same delivery twice', again: events.started },
    { delivery: 'a re-delivery with another id', again: { ...events.started, eventId: 'another-id' } },
  ])('keeps one item for $delivery', async ({ again }) => {
    // Prepare
    const { store, scan } = await freshTable();
    await store.recordEvent(events.started);

    // Act
    await store.recordEvent(again);

    // Assess
    expect(await store.stackHistory(blue)).toHaveLength(1);
    const items = (await scan()).filter((item) => item.PK === `STACK#${blue}`);
    expect(items).toHaveLength(1);
  });

  it.each([
    { event: events.started, SK: '2024-03-05T10:00:00Z#STACK#UPDATE_IN_PROGRESS', expires: '2024-06-03T10:00:00Z' },
    {
      event: events.fnStarted,
      SK: '2024-03-05T10:00:05Z#RESOURCE#Fn#UPDATE_IN_PROGRESS',
      expires: '2024-06-03T10:00:05Z',
    },
  ])('writes a readable item $SK that expires 90 days after the event ($expires)', async ({ event, SK, expires }) => {
    // Prepare
    const { store, table } = await freshTable();

    // Act
    await store.recordEvent(event);

    // Assess
    const item = await table.get(`STACK#${blue}`, SK);
    expect(item).toMatchObject({
      PK: `STACK#${blue}`,
      SK,
      namePK: 'STACK#checkout-blue',
      nameSK: SK,
      time: event === events.started ? '2024-03-05T10:00:00Z' : '2024-03-05T10:00:05Z',
    });
    expect(item?.time).toMatch(ISO_Z);
    expect(item?.expiresAt).toBe(Date.parse(expires) / 1000);
  });

  it('counts the expiry from the configured retention', async () => {
    // Prepare
    const { storeWith, table } = await freshTable();
    const store = storeWith({ historyRetentionMs: 86_400_000 });

    // Act
    await store.recordEvent(events.started);

    // Assess
    const item = await table.get(`STACK#${blue}`, '2024-03-05T10:00:00Z#STACK#UPDATE_IN_PROGRESS');
    expect(item?.expiresAt).toBe(Date.parse('2024-03-06T10:00:00Z') / 1000);
  });
});

describe('stacksNamed and servicesNamed (the ByName index)', () => {
  const first = { name: 'reports', uuid: '11111111-1b12-11ec-b0a7-06d21c93e4f7' };
  const second = { name: 'reports', uuid: '22222222-1b12-11ec-b0a7-06d21c93e4f7' };
  const elsewhere = { name: 'reports', region: 'us-east-1', uuid: '33333333-1b12-11ec-b0a7-06d21c93e4f7' };

  it('finds every stack that had a name, with events in the range, oldest first', async () => {
    // Prepare
    const { store } = await freshTable();
    await store.recordEvent(stackStatus(first, iso('08:00'), 'DELETE_IN_PROGRESS'));
    await store.recordEvent(stackStatus(first, iso('08:02'), 'DELETE_COMPLETE'));
    await store.recordEvent(stackStatus(second, iso('09:00'), 'CREATE_IN_PROGRESS'));
    await store.recordEvent(resourceStatus(elsewhere, iso('11:00'), 'Queue', 'CREATE_IN_PROGRESS'));
    await store.recordEvent(stackStatus({ name: 'reports-v2' }, iso('09:00'), 'CREATE_IN_PROGRESS'));

    // Act
    const all = await store.stacksNamed('reports', { from: t('00:00'), to: t('23:59') });
    const upToTheSecond = await store.stacksNamed('reports', { from: t('08:02'), to: t('09:00') });
    const none = await store.stacksNamed('reports', { from: t('12:00'), to: t('13:00') });

    // Assess
    expect(all).toEqual([stackArn(first), stackArn(second), stackArn(elsewhere)]);
    expect(upToTheSecond).toEqual([stackArn(first), stackArn(second)]);
    expect(none).toEqual([]);
  });

  it('lists every stack with raw events, each once, and no service or window item', async () => {
    // Prepare
    const { store } = await freshTable();
    await store.recordEvent(stackStatus(first, iso('08:00'), 'DELETE_IN_PROGRESS'));
    await store.recordEvent(stackStatus(first, iso('08:02'), 'DELETE_COMPLETE'));
    await store.recordEvent(resourceStatus(elsewhere, iso('11:00'), 'Queue', 'CREATE_IN_PROGRESS'));
    await saveNew(
      store,
      stateOf(serviceKey('checkout'), [record('checkout-blue', '10:00', 'UPDATE_IN_PROGRESS')]),
      t('10:00'),
    );

    // Act
    const stacks = await store.stacksWithHistory();

    // Assess
    expect(stacks).toEqual([stackArn(first), stackArn(elsewhere)].sort());
  });

  it('finds a service in every account and region it has a state in', async () => {
    // Prepare
    const { store } = await freshTable();
    const inIreland = serviceKey('checkout');
    const inVirginia = { account: '210987654321', region: 'us-east-1', service: 'checkout' };
    await saveNew(store, stateOf(inIreland, [record('checkout-blue', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));
    await saveNew(store, stateOf(inVirginia, [record('checkout-green', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));
    await saveNew(
      store,
      stateOf(serviceKey('checkout-v2'), [record('checkout-v2', '10:00', 'UPDATE_IN_PROGRESS')]),
      t('10:00'),
    );

    // Act
    const found = await store.servicesNamed('checkout');

    // Assess
    expect(found.sort((a, b) => a.account.localeCompare(b.account))).toEqual([inIreland, inVirginia]);
    expect(await store.servicesNamed('payments')).toEqual([]);
  });
});
