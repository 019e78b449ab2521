/**
 * The DynamoDB store against a real (embedded) DynamoDB: the four access patterns of DESIGN.md
 * and the readability of what it writes.
 */
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoDbStore, StoreDataError } from '../../shared/adapters/dynamodb-store.ts';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import { dueWindowAnnouncements, WindowEventType, type WindowAnnouncement } from '../../shared/domain/window-events.ts';
import { Severity } from '../../shared/domain/severity.ts';
import { viewService, type Claim } from '../../shared/domain/service-state.ts';
import type { KeptStackFacts } from '../../shared/domain/stack-facts.ts';
import type { ImpactWindow } from '../../shared/domain/windows.ts';
import type { FoldedPage } from '../../shared/domain/compaction.ts';
import { FoldedPageMissingError } from '../../shared/app/ports.ts';
import { freshStore } from '../support/dynamodb.ts';
import { stackArn } from '../support/events.ts';
import { ACCOUNT, iso, REGION, record, saveNew, serviceKey, stateOf, t } from '../support/states.ts';
import { ISO_Z, rawTable, resourceStatus, stackStatus } from '../support/watchdog.ts';

const checkout = serviceKey('checkout');
const blue = stackArn({ name: 'checkout-blue' });
const green = stackArn({ name: 'checkout-green' });

/**
 * checkout-green: an update that rolled back (FAILED, 08:00–08:12), later deleted (09:00–09:05);
 * checkout-blue: deleted in 25 min (WARNING, 10:00–10:25). At 10:30 no stack is left, so the
 * second window waits for a replacement (grace 60 min) since 10:25.
 */
function checkoutState() {
  const records = [
    record('checkout-green', '08:00', 'UPDATE_IN_PROGRESS', 'User Initiated'),
    record('checkout-green', '08:05', 'UPDATE_ROLLBACK_IN_PROGRESS', 'Resource handler returned message: "Rate exceeded"'),
    record('checkout-green', '08:12', 'UPDATE_ROLLBACK_COMPLETE'),
    record('checkout-green', '09:00', 'DELETE_IN_PROGRESS', 'User Initiated'),
    record('checkout-green', '09:05', 'DELETE_COMPLETE'),
    record('checkout-blue', '10:00', 'DELETE_IN_PROGRESS', 'User Initiated'),
    // Made up from DescribeStacks when the stack was found gone (its DELETE_COMPLETE was lost).
    { ...record('checkout-blue', '10:25', 'DELETE_COMPLETE'), synthetic: { basis: { time: t('10:00'), status: 'DELETE_IN_PROGRESS' }, askedAt: t('10:26') } },
  ];
  const claims: Claim[] = [
    {
      stackId: green,
      anchor: t('08:00'),
      operation: 'UPDATE',
      terminalAt: t('08:12'),
      terminalStatus: 'UPDATE_ROLLBACK_COMPLETE',
      severity: Severity.FAILED,
      claimedAt: t('08:12:01'),
      sentAt: t('08:12:02'),
    },
    { stackId: blue, anchor: t('10:00'), operation: 'UPDATE', severity: Severity.WARNING, claimedAt: t('10:20'), sentAt: t('10:20:05') },
    { stackId: blue, anchor: t('10:00'), operation: 'UPDATE', severity: Severity.RESOLVED, claimedAt: t('10:25:03'), sentAt: null },
  ];
  const announcements: WindowAnnouncement[] = [
    { type: WindowEventType.OPENED, windowStart: t('08:00'), revision: 0, start: t('08:00'), end: null, peakSeverity: 'FAILED', stacks: ['checkout-green'], withdrawn: false, claimedAt: t('08:12:01'), sentAt: t('08:12:02') },
    { type: WindowEventType.CLOSED, windowStart: t('08:00'), revision: 1, start: t('08:00'), end: t('08:12'), peakSeverity: 'FAILED', stacks: ['checkout-green'], withdrawn: false, claimedAt: t('08:12:02'), sentAt: null },
  ];
  const stacks: KeptStackFacts[] = [{ stackId: blue, mutedByTag: true, rootStackId: null }];
  const sightings = [{ stackId: blue, at: t('10:24') }];
  return { ...stateOf(checkout, records, claims), announcements, stacks, sightings };
}

const checkoutWindows = [
  { start: t('08:00'), end: t('08:12'), peakSeverity: 'FAILED', stacks: ['checkout-green'], awaitingReplacementSince: null },
  { start: t('10:00'), end: null, peakSeverity: 'WARNING', stacks: ['checkout-blue'], awaitingReplacementSince: t('10:25') },
];

describe('loadService', () => {
  it('returns an empty state at version 0 for a service never written', async () => {
    // Prepare
    const { store } = await freshStore();

    // Act
    const state = await store.loadService(checkout);

    // Assess
    expect(state).toEqual({
      key: checkout,
      version: 0,
      records: [],
      claims: [],
      announcements: [],
      stacks: [],
      sightings: [],
      derived: { windows: [], needsSweep: false },
      baseline: null,
      folded: [],
    });
  });
});

describe('saveService', () => {
  it('stores records, claims (also unsent ones) and derived windows (also open ones) and returns version + 1', async () => {
    // Prepare
    const { store } = await freshStore();
    const state = checkoutState();
    const view = viewService(state, t('10:30'), DEFAULT_CONFIG);

    // Act
    const saved = await store.saveService(state, view, t('10:30'));
    const loaded = await store.loadService(checkout);

    // Assess
    const expected = {
      key: checkout,
      version: 1,
      records: state.records,
      claims: state.claims,
      announcements: state.announcements,
      stacks: state.stacks,
      sightings: state.sightings,
      derived: { windows: checkoutWindows, needsSweep: true },
      baseline: null,
      folded: [],
    };
    expect(saved).toEqual(expected);
    expect(loaded).toEqual(expected);
  });

  it('writes the next version over the loaded one', async () => {
    // Prepare
    const { store } = await freshStore();
    await saveNew(store, stateOf(checkout, [record('checkout-blue', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));
    const loaded = await store.loadService(checkout);
    const next = { ...loaded, records: [...loaded.records, record('checkout-blue', '10:04', 'UPDATE_COMPLETE')] };

    // Act
    const saved = await store.saveService(next, viewService(next, t('10:04'), DEFAULT_CONFIG), t('10:04'));

    // Assess
    expect(saved?.version).toBe(2);
    expect((await store.loadService(checkout)).records.map((kept) => kept.status)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
  });

  it('returns null and keeps the stored item when another writer saved that version first', async () => {
    // Prepare
    const { store } = await freshStore();
    await saveNew(store, stateOf(checkout, [record('checkout-blue', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));
    const loaded = await store.loadService(checkout);
    const first = { ...loaded, records: [...loaded.records, record('checkout-blue', '10:04', 'UPDATE_COMPLETE')] };
    const second = { ...loaded, records: [...loaded.records, record('checkout-blue', '10:05', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS')] };
    await store.saveService(first, viewService(first, t('10:04'), DEFAULT_CONFIG), t('10:04'));

    // Act
    const stale = await store.saveService(second, viewService(second, t('10:05'), DEFAULT_CONFIG), t('10:05'));

    // Assess
    expect(stale).toBeNull();
    const stored = await store.loadService(checkout);
    expect(stored.version).toBe(2);
    expect(stored.records.map((kept) => kept.status)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
  });

  it('returns null for a first save (version 0) when the item exists already', async () => {
    // Prepare
    const { store } = await freshStore();
    await saveNew(store, stateOf(checkout, [record('checkout-blue', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));
    const other = stateOf(checkout, [record('checkout-green', '10:01', 'CREATE_IN_PROGRESS')]);

    // Act
    const result = await store.saveService(other, viewService(other, t('10:01'), DEFAULT_CONFIG), t('10:01'));

    // Assess
    expect(result).toBeNull();
    const stored = await store.loadService(checkout);
    expect(stored.version).toBe(1);
    expect(stored.records.map((kept) => kept.stackName)).toEqual(['checkout-blue']);
  });

  it('writes an item a person can read in the console: readable keys, ISO-8601 UTC times with Z', async () => {
    // Prepare
    const { store, tableName } = await freshStore();
    const state = checkoutState();

    // Act
    await saveNew(store, state, t('10:30'));

    // Assess
    const item = await rawTable(tableName).get(`SERVICE#${ACCOUNT}#${REGION}#checkout`, 'STATE');
    expect(item).toEqual({
      PK: 'SERVICE#123456789012#eu-west-1#checkout',
      SK: 'STATE',
      type: 'service',
      account: '123456789012',
      region: 'eu-west-1',
      service: 'checkout',
      version: 1,
      updatedAt: '2024-03-05T10:30:00Z',
      events: [
        { stackId: green, stackName: 'checkout-green', time: '2024-03-05T08:00:00Z', status: 'UPDATE_IN_PROGRESS', statusReason: 'User Initiated' },
        {
          stackId: green,
          stackName: 'checkout-green',
          time: '2024-03-05T08:05:00Z',
          status: 'UPDATE_ROLLBACK_IN_PROGRESS',
          statusReason: 'Resource handler returned message: "Rate exceeded"',
        },
        { stackId: green, stackName: 'checkout-green', time: '2024-03-05T08:12:00Z', status: 'UPDATE_ROLLBACK_COMPLETE', statusReason: '' },
        { stackId: green, stackName: 'checkout-green', time: '2024-03-05T09:00:00Z', status: 'DELETE_IN_PROGRESS', statusReason: 'User Initiated' },
        { stackId: green, stackName: 'checkout-green', time: '2024-03-05T09:05:00Z', status: 'DELETE_COMPLETE', statusReason: '' },
        { stackId: blue, stackName: 'checkout-blue', time: '2024-03-05T10:00:00Z', status: 'DELETE_IN_PROGRESS', statusReason: 'User Initiated' },
        {
          stackId: blue,
          stackName: 'checkout-blue',
          time: '2024-03-05T10:25:00Z',
          status: 'DELETE_COMPLETE',
          statusReason: '',
          synthetic: { basis: { time: '2024-03-05T10:00:00Z', status: 'DELETE_IN_PROGRESS' }, askedAt: '2024-03-05T10:26:00Z' },
        },
      ],
      claims: [
        {
          stackId: green,
          anchor: '2024-03-05T08:00:00Z',
          operation: 'UPDATE',
          terminalAt: '2024-03-05T08:12:00Z',
          terminalStatus: 'UPDATE_ROLLBACK_COMPLETE',
          severity: 'FAILED',
          claimedAt: '2024-03-05T08:12:01Z',
          sentAt: '2024-03-05T08:12:02Z',
        },
        { stackId: blue, anchor: '2024-03-05T10:00:00Z', operation: 'UPDATE', severity: 'WARNING', claimedAt: '2024-03-05T10:20:00Z', sentAt: '2024-03-05T10:20:05Z' },
        { stackId: blue, anchor: '2024-03-05T10:00:00Z', operation: 'UPDATE', severity: 'RESOLVED', claimedAt: '2024-03-05T10:25:03Z', sentAt: null },
      ],
      windowEvents: [
        {
          type: 'Impact Window Opened',
          windowStart: '2024-03-05T08:00:00Z',
          revision: 0,
          start: '2024-03-05T08:00:00Z',
          end: null,
          peakSeverity: 'FAILED',
          stacks: ['checkout-green'],
          withdrawn: false,
          claimedAt: '2024-03-05T08:12:01Z',
          sentAt: '2024-03-05T08:12:02Z',
        },
        {
          type: 'Impact Window Closed',
          windowStart: '2024-03-05T08:00:00Z',
          revision: 1,
          start: '2024-03-05T08:00:00Z',
          end: '2024-03-05T08:12:00Z',
          peakSeverity: 'FAILED',
          stacks: ['checkout-green'],
          withdrawn: false,
          claimedAt: '2024-03-05T08:12:02Z',
          sentAt: null,
        },
      ],
      stacks: [{ stackId: blue, mutedByTag: true, rootStackId: null }],
      sightings: [{ stackId: blue, at: '2024-03-05T10:24:00Z' }],
      windows: [
        { start: '2024-03-05T08:00:00Z', end: '2024-03-05T08:12:00Z', peakSeverity: 'FAILED', stacks: ['checkout-green'], awaitingReplacementSince: null },
        { start: '2024-03-05T10:00:00Z', end: null, peakSeverity: 'WARNING', stacks: ['checkout-blue'], awaitingReplacementSince: '2024-03-05T10:25:00Z' },
      ],
      baseline: null,
      needsSweep: true,
      sweepPK: 'OPEN',
      sweepSK: 'SERVICE#123456789012#eu-west-1#checkout',
      windowPK: 'WINDOW',
      windowSK: 'OPEN',
      namePK: 'SERVICE#checkout',
      nameSK: '123456789012#eu-west-1',
    });
  });
});

describe('openServices', () => {
  const closedRecords = (name: string) => [record(name, '09:00', 'CREATE_IN_PROGRESS'), record(name, '09:05', 'CREATE_COMPLETE')];

  it('returns exactly the services with something to sweep, through the sparse index, among 200 closed ones', async () => {
    // Prepare
    const { store, tableName } = await freshStore();
    const closed = Array.from({ length: 200 }, (_, i) => `closed-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < closed.length; i += 25) {
      await Promise.all(closed.slice(i, i + 25).map((name) => saveNew(store, stateOf(serviceKey(name), closedRecords(name)), t('10:00'))));
    }
    // Nothing to sweep although they have windows: one failed stack that still exists (its window
    // stays open, FAILED already sent), one whose grace ran out (DELETE 09:00–09:30, WARNING, now 10:30).
    await saveNew(
      store,
      stateOf(
        serviceKey('closed-failed-sent'),
        [record('closed-failed-sent', '09:00', 'CREATE_IN_PROGRESS'), record('closed-failed-sent', '09:03', 'CREATE_FAILED')],
        [{ stackId: stackArn({ name: 'closed-failed-sent' }), anchor: t('09:00'), operation: 'CREATE', severity: Severity.FAILED, claimedAt: t('09:03'), sentAt: t('09:03') }],
      ),
      t('10:00'),
    );
    await saveNew(
      store,
      stateOf(serviceKey('closed-grace-over'), [record('closed-grace-over', '09:00', 'DELETE_IN_PROGRESS'), record('closed-grace-over', '09:30', 'DELETE_COMPLETE')]),
      t('10:30'),
    );
    // The three ways to need a sweep.
    await saveNew(store, stateOf(serviceKey('open-running'), [record('open-running', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));
    await saveNew(
      store,
      stateOf(
        serviceKey('open-unsent-claim'),
        [record('open-unsent-claim', '09:00', 'CREATE_IN_PROGRESS'), record('open-unsent-claim', '09:03', 'CREATE_FAILED')],
        [{ stackId: stackArn({ name: 'open-unsent-claim' }), anchor: t('09:00'), operation: 'CREATE', severity: Severity.FAILED, claimedAt: t('09:03'), sentAt: null }],
      ),
      t('10:00'),
    );
    await saveNew(
      store,
      stateOf(serviceKey('open-awaiting'), [record('open-awaiting', '09:00', 'DELETE_IN_PROGRESS'), record('open-awaiting', '09:30', 'DELETE_COMPLETE')]),
      t('10:00'),
    );

    // Act
    const open = await store.openServices();

    // Assess
    expect(open.map((state) => state.key.service).sort()).toEqual(['open-awaiting', 'open-running', 'open-unsent-claim']);
    expect(open.every((state) => state.derived.needsSweep && state.version === 1)).toBe(true);
    const items = await rawTable(tableName).scan();
    expect(items).toHaveLength(205);
    const indexed = items.filter((item) => 'sweepPK' in item).map((item) => item['PK']);
    expect(indexed.sort()).toEqual([
      'SERVICE#123456789012#eu-west-1#open-awaiting',
      'SERVICE#123456789012#eu-west-1#open-running',
      'SERVICE#123456789012#eu-west-1#open-unsent-claim',
    ]);
    const closedItems = items.filter((item) => String(item['service']).startsWith('closed-'));
    expect(closedItems).toHaveLength(202);
    for (const item of closedItems) {
      expect(item).not.toHaveProperty('sweepPK');
      expect(item).not.toHaveProperty('sweepSK');
      expect(item['needsSweep']).toBe(false);
    }
  });

  it('returns the stored state of an open service, as loadService does', async () => {
    // Prepare
    const { store } = await freshStore();
    await saveNew(store, stateOf(serviceKey('api'), [record('api', '10:00', 'UPDATE_IN_PROGRESS', 'User Initiated')]), t('10:00'));

    // Act
    const open = await store.openServices();

    // Assess
    expect(open).toEqual([await store.loadService(serviceKey('api'))]);
  });

  it('drops a service from the index once its operation ended', async () => {
    // Prepare
    const { store, tableName } = await freshStore();
    const saved = await saveNew(store, stateOf(serviceKey('api'), [record('api', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));
    const ended = { ...saved, records: [...saved.records, record('api', '10:04', 'UPDATE_COMPLETE')] };

    // Act
    await store.saveService(ended, viewService(ended, t('10:04'), DEFAULT_CONFIG), t('10:04'));

    // Assess
    expect(await store.openServices()).toEqual([]);
    const item = await rawTable(tableName).get('SERVICE#123456789012#eu-west-1#api', 'STATE');
    expect(item).toBeDefined();
    expect(item).not.toHaveProperty('sweepPK');
  });

  it('returns nothing from an empty table', async () => {
    // Prepare
    const { store } = await freshStore();

    // Act
    const open = await store.openServices();

    // Assess
    expect(open).toEqual([]);
  });
});

describe('windowsOverlapping', () => {
  /**
   * alpha: two 30-minute updates (WARNING), windows 08:00–08:30 and 10:00–10:30;
   * gamma: a failed create, then deleted at 09:12 with no replacement: 09:00–09:12 (FAILED);
   * beta: an update running since 12:00, WARNING at 12:25: open window from 12:00;
   * delta: a quick create, no window. All written at 12:25.
   */
  async function storeWithWindows() {
    const { store } = await freshStore();
    const now = t('12:25');
    await saveNew(
      store,
      stateOf(serviceKey('alpha'), [
        record('alpha', '08:00', 'UPDATE_IN_PROGRESS'),
        record('alpha', '08:30', 'UPDATE_COMPLETE'),
        record('alpha', '10:00', 'UPDATE_IN_PROGRESS'),
        record('alpha', '10:30', 'UPDATE_COMPLETE'),
      ]),
      now,
    );
    await saveNew(
      store,
      stateOf(serviceKey('gamma'), [
        record('gamma', '09:00', 'CREATE_IN_PROGRESS'),
        record('gamma', '09:05', 'CREATE_FAILED'),
        record('gamma', '09:10', 'DELETE_IN_PROGRESS'),
        record('gamma', '09:12', 'DELETE_COMPLETE'),
      ]),
      now,
    );
    await saveNew(store, stateOf(serviceKey('beta'), [record('beta', '12:00', 'UPDATE_IN_PROGRESS')]), now);
    await saveNew(store, stateOf(serviceKey('delta'), [record('delta', '07:00', 'CREATE_IN_PROGRESS'), record('delta', '07:02', 'CREATE_COMPLETE')]), now);
    return store;
  }

  const A1 = 'alpha 08:00-08:30';
  const A2 = 'alpha 10:00-10:30';
  const G1 = 'gamma 09:00-09:12';
  const B1 = 'beta 12:00-open';

  it.each([
    { from: '08:40', to: '08:50', service: undefined, expected: [] },
    { from: '08:30', to: '09:00', service: undefined, expected: [A1, G1] },
    { from: '09:30', to: '09:59', service: undefined, expected: [] },
    { from: '10:15', to: '10:16', service: undefined, expected: [A2] },
    { from: '11:00', to: '11:59', service: undefined, expected: [] },
    { from: '11:00', to: '12:00', service: undefined, expected: [B1] },
    { from: '23:00', to: '23:59', service: undefined, expected: [B1] },
    { from: '00:00', to: '23:59', service: undefined, expected: [A1, A2, B1, G1] },
    { from: '00:00', to: '23:59', service: 'alpha', expected: [A1, A2] },
    { from: '00:00', to: '23:59', service: 'beta', expected: [B1] },
    { from: '09:00', to: '10:00', service: 'gamma', expected: [G1] },
    { from: '00:00', to: '23:59', service: 'delta', expected: [] },
  ])('returns $expected for [$from, $to] of service $service', async ({ from, to, service, expected }) => {
    // Prepare
    const store = await storeWithWindows();

    // Act
    const windows = await store.windowsOverlapping({ from: t(from), to: t(to), service });

    // Assess
    const hhmm = (at: number) => new Date(at).toISOString().slice(11, 16);
    const shown = windows.map((window) => `${window.key.service} ${hhmm(window.start)}-${window.end === null ? 'open' : hhmm(window.end)}`);
    expect(shown.sort()).toEqual(expected);
  });

  it('returns every field of a window with its service key', async () => {
    // Prepare
    const store = await storeWithWindows();

    // Act
    const windows = await store.windowsOverlapping({ from: t('09:00'), to: t('09:01') });

    // Assess
    expect(windows).toEqual([
      { key: serviceKey('gamma'), start: t('09:00'), end: t('09:12'), peakSeverity: 'FAILED', stacks: ['gamma'], awaitingReplacementSince: null },
    ]);
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

  it('returns one stack’s status and resource events in time order, whatever the order they were recorded in', async () => {
    // Prepare
    const { store } = await freshStore();
    for (const event of [events.completed, events.fnDone, events.otherStack, events.started, events.fnStarted, events.cleanup]) {
      await store.recordEvent(event);
    }

    // Act
    const history = await store.stackHistory(blue);

    // Assess
    expect(history).toEqual([events.started, events.fnStarted, events.fnDone, events.cleanup, events.completed]);
  });

  it('returns only the events at or after `from`', async () => {
    // Prepare
    const { store } = await freshStore();
    for (const event of Object.values(events)) await store.recordEvent(event);

    // Act
    const history = await store.stackHistory(blue, t('10:01:10'));

    // Assess
    expect(history).toEqual([events.fnDone, events.cleanup, events.completed]);
  });

  it('returns nothing for a stack never seen', async () => {
    // Prepare
    const { store } = await freshStore();
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
    const { store, tableName } = await freshStore();
    await store.recordEvent(events.started);

    // Act
    await store.recordEvent(again);

    // Assess
    expect(await store.stackHistory(blue)).toHaveLength(1);
    const items = (await rawTable(tableName).scan()).filter((item) => item['PK'] === `STACK#${blue}`);
    expect(items).toHaveLength(1);
  });

  it.each([
    { event: events.started, SK: '2024-03-05T10:00:00Z#STACK#UPDATE_IN_PROGRESS', expires: '2024-06-03T10:00:00Z' },
    { event: events.fnStarted, SK: '2024-03-05T10:00:05Z#RESOURCE#Fn#UPDATE_IN_PROGRESS', expires: '2024-06-03T10:00:05Z' },
  ])('writes a readable item $SK that expires 90 days after the event ($expires)', async ({ event, SK, expires }) => {
    // Prepare
    const { store, tableName } = await freshStore();

    // Act
    await store.recordEvent(event);

    // Assess
    const item = await rawTable(tableName).get(`STACK#${blue}`, SK);
    expect(item).toMatchObject({ PK: `STACK#${blue}`, SK, namePK: 'STACK#checkout-blue', nameSK: SK, time: event === events.started ? '2024-03-05T10:00:00Z' : '2024-03-05T10:00:05Z' });
    expect(item?.['time']).toMatch(ISO_Z);
    expect(item?.['expiresAt']).toBe(Date.parse(expires) / 1000);
  });

  it('counts the expiry from the configured retention', async () => {
    // Prepare
    const { client, tableName } = await freshStore();
    const store = createDynamoDbStore({ client, tableName, historyRetentionMs: 86_400_000 });

    // Act
    await store.recordEvent(events.started);

    // Assess
    const item = await rawTable(tableName).get(`STACK#${blue}`, '2024-03-05T10:00:00Z#STACK#UPDATE_IN_PROGRESS');
    expect(item?.['expiresAt']).toBe(Date.parse('2024-03-06T10:00:00Z') / 1000);
  });
});

describe('archiveWindows and archivedWindows', () => {
  const windowFields = ({ start, end, peakSeverity, stacks, awaitingReplacementSince }: ImpactWindow): ImpactWindow => ({
    start,
    end,
    peakSeverity,
    stacks,
    awaitingReplacementSince,
  });
  const closed = { start: t('08:00'), end: t('08:30'), peakSeverity: 'WARNING', stacks: ['alpha'], awaitingReplacementSince: null } as const;
  const later = { start: t('10:00'), end: t('10:45'), peakSeverity: 'CRITICAL', stacks: ['alpha', 'alpha-v2'], awaitingReplacementSince: null } as const;

  it('keeps archived windows of a service, by start, once however often archived', async () => {
    // Prepare
    const { store } = await freshStore();
    const alpha = serviceKey('alpha');

    // Act
    await store.archiveWindows(alpha, [later, closed]);
    await store.archiveWindows(alpha, [closed]);

    // Assess
    expect((await store.archivedWindows(alpha)).map(windowFields)).toEqual([closed, later]);
    expect(await store.archivedWindows(serviceKey('beta'))).toEqual([]);
  });

  it('writes an archived window as a readable item in the windows index', async () => {
    // Prepare
    const { store, tableName } = await freshStore();

    // Act
    await store.archiveWindows(serviceKey('alpha'), [closed]);

    // Assess
    expect(await rawTable(tableName).get('SERVICE#123456789012#eu-west-1#alpha', 'WINDOW#2024-03-05T08:00:00Z')).toEqual({
      PK: 'SERVICE#123456789012#eu-west-1#alpha',
      SK: 'WINDOW#2024-03-05T08:00:00Z',
      type: 'window',
      account: '123456789012',
      region: 'eu-west-1',
      service: 'alpha',
      start: '2024-03-05T08:00:00Z',
      end: '2024-03-05T08:30:00Z',
      peakSeverity: 'WARNING',
      stacks: ['alpha'],
      awaitingReplacementSince: null,
      windowPK: 'WINDOW',
      windowSK: '2024-03-05T08:30:00Z',
    });
  });

  it('refuses to archive an open window', async () => {
    // Prepare
    const { store } = await freshStore();

    // Act
    const archiving = store.archiveWindows(serviceKey('alpha'), [{ ...closed, end: null }]);

    // Assess
    await expect(archiving).rejects.toBeInstanceOf(StoreDataError);
    expect(await store.archivedWindows(serviceKey('alpha'))).toEqual([]);
  });

  it.each([
    { from: '00:00', to: '23:59', service: undefined, expected: ['alpha 08:00', 'alpha 10:00', 'beta 12:00'] },
    { from: '08:31', to: '09:59', service: undefined, expected: [] },
    { from: '08:30', to: '08:30', service: undefined, expected: ['alpha 08:00'] },
    { from: '10:45', to: '12:00', service: undefined, expected: ['alpha 10:00', 'beta 12:00'] },
    { from: '00:00', to: '23:59', service: 'beta', expected: ['beta 12:00'] },
  ])('are found by windowsOverlapping([$from, $to], $service) with the current ones, each once, by start', async ({ from, to, service, expected }) => {
    // Prepare: alpha's 08:00 window both archived and still in its state (an archive in progress).
    const { store } = await freshStore();
    await saveNew(store, stateOf(serviceKey('alpha'), [record('alpha', '08:00', 'UPDATE_IN_PROGRESS'), record('alpha', '08:30', 'UPDATE_COMPLETE')]), t('12:25'));
    await store.archiveWindows(serviceKey('alpha'), [closed, later]);
    await saveNew(store, stateOf(serviceKey('beta'), [record('beta', '12:00', 'UPDATE_IN_PROGRESS')]), t('12:25'));

    // Act
    const windows = await store.windowsOverlapping({ from: t(from), to: t(to), service });

    // Assess
    expect(windows.map((window) => `${window.key.service} ${new Date(window.start).toISOString().slice(11, 16)}`)).toEqual(expected);
  });
});

describe('folded pages (history folded by size, kept for late events)', () => {
  const alpha = serviceKey('alpha');
  const page: FoldedPage = {
    since: { asOf: t('07:00'), stacks: [{ stackId: stackArn({ name: 'alpha' }), stackName: 'alpha', status: 'UPDATE_COMPLETE' }] },
    cut: t('08:30'),
    records: [
      record('alpha', '08:00', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      { ...record('alpha', '08:30', 'UPDATE_COMPLETE'), synthetic: { basis: { time: t('08:00'), status: 'UPDATE_IN_PROGRESS' }, askedAt: t('08:31') } },
    ],
    claims: [{ stackId: stackArn({ name: 'alpha' }), anchor: t('08:00'), operation: 'UPDATE', severity: Severity.WARNING, claimedAt: t('08:20'), sentAt: t('08:20:01') }],
    announcements: [
      { type: WindowEventType.OPENED, windowStart: t('08:00'), revision: 0, start: t('08:00'), end: null, peakSeverity: 'WARNING', stacks: ['alpha'], withdrawn: false, claimedAt: t('08:20'), sentAt: t('08:20:02') },
    ],
    stacks: [{ stackId: stackArn({ name: 'alpha' }), mutedByTag: false, rootStackId: stackArn({ name: 'root' }) }],
    sightings: [{ stackId: stackArn({ name: 'alpha' }), at: t('08:29') }],
  };

  it('keeps a page and gives it back as it was, named by its content', async () => {
    // Prepare
    const { store, tableName } = await freshStore();

    // Act
    const [ref] = await store.saveFoldedPages(alpha, [page]);
    const again = await store.saveFoldedPages(alpha, [page]);
    const loaded = await store.loadFoldedPages(alpha, ref ? [ref] : []);

    // Assess
    expect(ref).toEqual({ id: expect.stringMatching(/^FOLDED#2024-03-05T08:30:00Z#[0-9a-f]{16}$/), from: t('07:00'), cut: t('08:30') });
    expect(again).toEqual([ref]);
    expect(loaded).toEqual([page]);
    const item = await rawTable(tableName).get('SERVICE#123456789012#eu-west-1#alpha', ref?.id ?? '');
    expect(item?.['events']).toEqual([
      { stackId: stackArn({ name: 'alpha' }), stackName: 'alpha', time: '2024-03-05T08:00:00Z', status: 'UPDATE_IN_PROGRESS', statusReason: 'User Initiated' },
      {
        stackId: stackArn({ name: 'alpha' }),
        stackName: 'alpha',
        time: '2024-03-05T08:30:00Z',
        status: 'UPDATE_COMPLETE',
        statusReason: '',
        synthetic: { basis: { time: '2024-03-05T08:00:00Z', status: 'UPDATE_IN_PROGRESS' }, askedAt: '2024-03-05T08:31:00Z' },
      },
    ]);
  });

  it('says which page is missing rather than giving back less history', async () => {
    // Prepare
    const { store } = await freshStore();
    const [ref] = await store.saveFoldedPages(alpha, [page]);
    if (!ref) throw new Error('expected a page reference');
    await store.deleteFoldedPages(alpha, [ref]);

    // Act
    const loading = store.loadFoldedPages(alpha, [ref]);

    // Assess
    await expect(loading).rejects.toThrow(FoldedPageMissingError);
    await expect(loading).rejects.toThrow(`service 123456789012#eu-west-1#alpha: the page of folded history ${ref.id} its state names is missing`);
  });

  it('removes archived windows still stored as listed, and only those; lists those that start after a time', async () => {
    // Prepare
    const { store } = await freshStore();
    const window = (start: string, end: string): ImpactWindow => ({ start: t(start), end: t(end), peakSeverity: 'FAILED', stacks: ['alpha'], awaitingReplacementSince: null });
    await store.archiveWindows(alpha, [window('08:00', '08:30'), window('09:00', '09:10'), window('10:00', '10:05')]);

    // Act: the 10:00 one was archived again with another end since it was listed.
    await store.archiveWindows(alpha, [window('10:00', '10:07')]);
    await store.deleteArchivedWindows(alpha, [window('09:00', '09:10'), window('10:00', '10:05')]);

    // Assess
    expect((await store.archivedWindows(alpha)).map((kept) => [kept.start, kept.end])).toEqual([
      [t('08:00'), t('08:30')],
      [t('10:00'), t('10:07')],
    ]);
    expect((await store.archivedWindows(alpha, t('08:00'))).map((kept) => kept.start)).toEqual([t('10:00')]);
  });
});

describe('stacksNamed and servicesNamed (the ByName index)', () => {
  const first = { name: 'reports', uuid: '11111111-1b12-11ec-b0a7-06d21c93e4f7' };
  const second = { name: 'reports', uuid: '22222222-1b12-11ec-b0a7-06d21c93e4f7' };
  const elsewhere = { name: 'reports', region: 'us-east-1', uuid: '33333333-1b12-11ec-b0a7-06d21c93e4f7' };

  it('finds every stack that had a name, with events in the range, oldest first', async () => {
    // Prepare
    const { store } = await freshStore();
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

  it('finds a service in every account and region it has a state in', async () => {
    // Prepare
    const { store } = await freshStore();
    const inIreland = serviceKey('checkout');
    const inVirginia = { account: '210987654321', region: 'us-east-1', service: 'checkout' };
    await saveNew(store, stateOf(inIreland, [record('checkout-blue', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));
    await saveNew(store, stateOf(inVirginia, [record('checkout-green', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));
    await saveNew(store, stateOf(serviceKey('checkout-v2'), [record('checkout-v2', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));

    // Act
    const found = await store.servicesNamed('checkout');

    // Assess
    expect(found.sort((a, b) => a.account.localeCompare(b.account))).toEqual([inIreland, inVirginia]);
    expect(await store.servicesNamed('payments')).toEqual([]);
  });
});

describe('a state written before window events existed', () => {
  it('is read as having announced its windows, so that the upgrade announces nothing old', async () => {
    // Prepare: the checkout state (a closed window 08:00–08:12, an open one from 10:00) without its windowEvents attribute.
    const { store, client, tableName } = await freshStore();
    await saveNew(store, checkoutState(), t('10:30'));
    await DynamoDBDocumentClient.from(client).send(
      new UpdateCommand({ TableName: tableName, Key: { PK: `SERVICE#${ACCOUNT}#${REGION}#checkout`, SK: 'STATE' }, UpdateExpression: 'REMOVE windowEvents' }),
    );

    // Act
    const loaded = await store.loadService(checkout);

    // Assess
    expect(loaded.announcements.map((announced) => [announced.type, announced.windowStart, announced.revision, announced.end, announced.sentAt])).toEqual([
      ['Impact Window Opened', t('08:00'), 0, null, t('10:30')],
      ['Impact Window Closed', t('08:00'), 1, t('08:12'), t('10:30')],
      ['Impact Window Opened', t('10:00'), 0, null, t('10:30')],
    ]);
    expect(dueWindowAnnouncements(loaded.derived.windows, loaded.announcements, t('10:31'))).toEqual([]);
  });
});

describe('stored claims', () => {
  it('round-trip a suppressed claim with its reason, and read one stored without its time as settled when claimed', async () => {
    // Prepare: the third claim (a pending RESOLVED) settled as suppressed, then its sentAt lost.
    const { store, client, tableName } = await freshStore();
    const state = checkoutState();
    const [first, second, third] = state.claims;
    const suppressed: Claim = { ...(third as Claim), sentAt: t('10:25:04'), suppressed: 'nested' };
    await saveNew(store, { ...state, claims: [first as Claim, second as Claim, suppressed] }, t('10:30'));
    const roundTrip = (await store.loadService(checkout)).claims.at(-1);
    await DynamoDBDocumentClient.from(client).send(
      new UpdateCommand({ TableName: tableName, Key: { PK: `SERVICE#${ACCOUNT}#${REGION}#checkout`, SK: 'STATE' }, UpdateExpression: 'SET claims[2].sentAt = :none, claims[2].suppressed = :old', ExpressionAttributeValues: { ':none': null, ':old': true } }),
    );

    // Act
    const repaired = (await store.loadService(checkout)).claims.at(-1);

    // Assess
    expect(roundTrip).toEqual(suppressed);
    expect(repaired).toEqual({ ...suppressed, sentAt: (third as Claim).claimedAt, suppressed: 'muted' });
  });
});
