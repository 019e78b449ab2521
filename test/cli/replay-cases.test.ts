/**
 * Replay cases built with the event builders; every expected value is worked out by hand from
 * DESIGN.md (operations, escalation, impact windows, the replay contract).
 */
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resourceEvent, stackEvent, type StackSpec } from '../support/events.ts';
import { NESTED, NESTED_DELETION_STUCK, nestedDeletionEvents } from '../support/nested.ts';
import { deliveredAt, EXAMPLES, ids, replayJson, windowKey, removeWrittenEvents, writeEvents } from './harness.ts';

afterAll(removeWrittenEvents);

describe('late and duplicated deliveries', () => {
  const ORDERS: StackSpec = { name: 'orders', uuid: '11111111-1111-4111-8111-111111111111' };
  const INVOICES: StackSpec = { name: 'invoices', uuid: '22222222-2222-4222-8222-222222222222' };
  const start = stackEvent(ORDERS, '2025-04-01T10:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated', 'orders-start');
  const done = stackEvent(ORDERS, '2025-04-01T10:25:10Z', 'UPDATE_COMPLETE', '', 'orders-done');
  const invoicesStart = stackEvent(
    INVOICES,
    '2025-04-01T10:00:20Z',
    'DELETE_IN_PROGRESS',
    'User Initiated',
    'invoices-start',
  );
  const elements = [
    start,
    deliveredAt('2025-04-01T10:05:30Z', start), // duplicate, same id
    deliveredAt('2025-04-01T10:12:45Z', invoicesStart), // late start: 12m25s after its time
    done,
    deliveredAt('2025-04-01T10:26:00Z', done), // duplicate of the completion
    deliveredAt('2025-04-01T10:40:00Z', start), // a very late duplicate of the start: never reopens
  ];
  const expected = {
    notifications: [
      {
        at: '2025-04-01T10:20:00Z',
        severity: 'WARNING',
        ...ids(ORDERS),
        operation: 'UPDATE',
        status: 'UPDATE_IN_PROGRESS',
        statusReason: 'User Initiated',
        startedAt: '2025-04-01T10:00:00Z',
        elapsedSeconds: 1200,
      },
      // measured from the event's own time (10:00:20), not its delivery (10:12:45); first sweep at or after 10:20:20
      {
        at: '2025-04-01T10:21:00Z',
        severity: 'WARNING',
        ...ids(INVOICES),
        operation: 'DELETE',
        status: 'DELETE_IN_PROGRESS',
        statusReason: 'User Initiated',
        startedAt: '2025-04-01T10:00:20Z',
        elapsedSeconds: 1240,
      },
      {
        at: '2025-04-01T10:25:10Z',
        severity: 'RESOLVED',
        ...ids(ORDERS),
        operation: 'UPDATE',
        status: 'UPDATE_COMPLETE',
        statusReason: '',
        startedAt: '2025-04-01T10:00:00Z',
        elapsedSeconds: 1510,
      },
      {
        at: '2025-04-01T10:41:00Z',
        severity: 'CRITICAL',
        ...ids(INVOICES),
        operation: 'DELETE',
        status: 'DELETE_IN_PROGRESS',
        statusReason: 'User Initiated',
        startedAt: '2025-04-01T10:00:20Z',
        elapsedSeconds: 2440,
      },
    ],
    operations: [
      {
        ...ids(ORDERS),
        operation: 'UPDATE',
        start: '2025-04-01T10:00:00Z',
        end: '2025-04-01T10:25:10Z',
        finalStatus: 'UPDATE_COMPLETE',
        peakSeverity: 'WARNING',
      },
      {
        ...ids(INVOICES),
        operation: 'DELETE',
        start: '2025-04-01T10:00:20Z',
        end: null,
        finalStatus: null,
        peakSeverity: 'CRITICAL',
      },
    ],
    windows: [
      {
        ...windowKey(ORDERS),
        start: '2025-04-01T10:00:00Z',
        end: '2025-04-01T10:25:10Z',
        peakSeverity: 'WARNING',
        stacks: ['orders'],
      },
      {
        ...windowKey(INVOICES),
        start: '2025-04-01T10:00:20Z',
        end: null,
        peakSeverity: 'CRITICAL',
        stacks: ['invoices'],
      },
    ],
    rejected: [],
  };

  test('duplicates are one event, late starts are back-dated, nothing is sent twice', async () => {
    const output = await replayJson(writeEvents('late-and-duplicated', elements), ['--until', '2025-04-01T10:45:00Z']);
    expect(output).toMatchObject(expected);
  });

  test('operations and windows do not depend on delivery order or duplicates', async () => {
    const inOrder = await replayJson(writeEvents('late-and-duplicated-in-order', [start, invoicesStart, done]), [
      '--until',
      '2025-04-01T10:45:00Z',
    ]);
    const shuffled = await replayJson(writeEvents('late-and-duplicated-shuffled', elements), [
      '--until',
      '2025-04-01T10:45:00Z',
    ]);
    expect(shuffled.operations).toEqual(inOrder.operations);
    expect(shuffled.windows).toEqual(inOrder.windows);
    expect(inOrder).toMatchObject({ operations: expected.operations, windows: expected.windows });
  });
});

describe('a completion delivered before its start', () => {
  const BILLING: StackSpec = { name: 'billing', uuid: '33333333-3333-4333-8333-333333333333' };
  const elements = [
    stackEvent(BILLING, '2025-04-02T12:25:00Z', 'CREATE_COMPLETE', '', 'billing-done'),
    deliveredAt(
      '2025-04-02T12:26:30Z',
      stackEvent(BILLING, '2025-04-02T12:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated', 'billing-start'),
    ),
  ];

  test(
    'the late start moves the ended operation back to 12:00; its 25 min count (WARNING severity, a window) ' +
      'though no alert went out',
    async () => {
      const output = await replayJson(writeEvents('completion-before-start', elements));
      expect(output).toMatchObject({
        notifications: [],
        operations: [
          {
            ...ids(BILLING),
            operation: 'CREATE',
            start: '2025-04-02T12:00:00Z',
            end: '2025-04-02T12:25:00Z',
            finalStatus: 'CREATE_COMPLETE',
            peakSeverity: 'WARNING',
          },
        ],
        windows: [
          {
            ...windowKey(BILLING),
            start: '2025-04-02T12:00:00Z',
            end: '2025-04-02T12:25:00Z',
            peakSeverity: 'WARNING',
            stacks: ['billing'],
          },
        ],
        rejected: [],
      });
    },
  );
});

describe('a start delivered so late that only CRITICAL is due', () => {
  const INGEST: StackSpec = { name: 'ingest', uuid: '44444444-4444-4444-8444-444444444444' };
  const elements = [
    deliveredAt(
      '2025-04-03T08:45:00Z',
      stackEvent(INGEST, '2025-04-03T08:00:00Z', 'DELETE_IN_PROGRESS', 'User Initiated', 'ingest-start'),
    ),
  ];

  test('the first sweep (08:45, after the delivery) sends CRITICAL only, and WARNING never follows', async () => {
    const output = await replayJson(writeEvents('only-critical', elements), ['--until', '2025-04-03T09:00:00Z']);
    expect(output).toMatchObject({
      notifications: [
        {
          at: '2025-04-03T08:45:00Z',
          severity: 'CRITICAL',
          ...ids(INGEST),
          operation: 'DELETE',
          status: 'DELETE_IN_PROGRESS',
          statusReason: 'User Initiated',
          startedAt: '2025-04-03T08:00:00Z',
          elapsedSeconds: 2700,
        },
      ],
      operations: [
        {
          ...ids(INGEST),
          operation: 'DELETE',
          start: '2025-04-03T08:00:00Z',
          end: null,
          finalStatus: null,
          peakSeverity: 'CRITICAL',
        },
      ],
      windows: [
        {
          ...windowKey(INGEST),
          start: '2025-04-03T08:00:00Z',
          end: null,
          peakSeverity: 'CRITICAL',
          stacks: ['ingest'],
        },
      ],
      rejected: [],
    });
  });
});

describe('DELETE_FAILED, then a retried DELETE that completes', () => {
  const LEGACY: StackSpec = { name: 'legacy-api', uuid: '55555555-5555-4555-8555-555555555555' };
  const reason = 'The following resource(s) failed to delete: [ArtifactBucket]. ';
  const elements = [
    stackEvent(LEGACY, '2025-04-04T14:00:00Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
    stackEvent(LEGACY, '2025-04-04T14:10:00Z', 'DELETE_FAILED', reason),
    stackEvent(LEGACY, '2025-04-04T14:20:00Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
    stackEvent(LEGACY, '2025-04-04T14:22:00Z', 'DELETE_COMPLETE', ''),
  ];
  const notifications = [
    {
      at: '2025-04-04T14:10:00Z',
      severity: 'FAILED',
      ...ids(LEGACY),
      operation: 'DELETE',
      status: 'DELETE_FAILED',
      statusReason: reason,
      startedAt: '2025-04-04T14:00:00Z',
      elapsedSeconds: 600,
    },
  ];
  const operations = [
    {
      ...ids(LEGACY),
      operation: 'DELETE',
      start: '2025-04-04T14:00:00Z',
      end: '2025-04-04T14:10:00Z',
      finalStatus: 'DELETE_FAILED',
      peakSeverity: 'FAILED',
    },
    {
      ...ids(LEGACY),
      operation: 'DELETE',
      start: '2025-04-04T14:20:00Z',
      end: '2025-04-04T14:22:00Z',
      finalStatus: 'DELETE_COMPLETE',
      peakSeverity: null,
    },
  ];

  test.each([
    // no stack left after 14:22:00: the window waits for a replacement until 15:22:00 (exclusive)
    { until: '2025-04-04T15:21:00Z', end: null },
    { until: '2025-04-04T15:30:00Z', end: '2025-04-04T14:22:00Z' },
  ])(
    'two DELETE operations, one FAILED notification, no RESOLVED; --until $until: window end $end',
    async ({ until, end }) => {
      const output = await replayJson(writeEvents('delete-failed-retry', elements), ['--until', until]);
      expect(output).toMatchObject({
        notifications,
        operations,
        windows: [
          { ...windowKey(LEGACY), start: '2025-04-04T14:00:00Z', end, peakSeverity: 'FAILED', stacks: ['legacy-api'] },
        ],
        rejected: [],
      });
    },
  );
});

describe("a status dated after its stack's DELETE_COMPLETE", () => {
  // Once made the sweeper re-publish Impact Window Opened at every sweep (a window closed before
  // it opened), until the service's item passed 400 KB and the replay failed.
  const GONE: StackSpec = { name: 'gone-api', uuid: '66666666-6666-4666-8666-666666666666' };
  const elements = [
    stackEvent(GONE, '2025-04-04T14:00:00Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
    stackEvent(GONE, '2025-04-04T14:45:00Z', 'DELETE_COMPLETE', ''),
    stackEvent(GONE, '2025-04-04T15:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
  ];

  test(
    "is ignored: the deletion's window closes when the grace runs out, announced once opened and once " + 'closed',
    async () => {
      const output = await replayJson(writeEvents('after-delete-complete', elements), [
        '--until',
        '2025-04-04T17:00:00Z',
      ]);
      expect(output.operations).toEqual([
        {
          ...ids(GONE),
          operation: 'DELETE',
          start: '2025-04-04T14:00:00Z',
          end: '2025-04-04T14:45:00Z',
          finalStatus: 'DELETE_COMPLETE',
          peakSeverity: 'CRITICAL',
        },
      ]);
      expect(output.notifications.map((n) => [n.at, n.severity])).toEqual([
        ['2025-04-04T14:20:00Z', 'WARNING'],
        ['2025-04-04T14:40:00Z', 'CRITICAL'],
        ['2025-04-04T14:45:00Z', 'RESOLVED'],
      ]);
      expect(output.windows).toEqual([
        {
          ...windowKey(GONE),
          start: '2025-04-04T14:00:00Z',
          end: '2025-04-04T14:45:00Z',
          peakSeverity: 'CRITICAL',
          stacks: ['gone-api'],
        },
      ]);
      expect(output.windowEvents?.map((event) => [event.at, event.type, event.start, event.end])).toEqual([
        ['2025-04-04T14:20:00Z', 'Impact Window Opened', '2025-04-04T14:00:00Z', null],
        ['2025-04-04T15:45:00Z', 'Impact Window Closed', '2025-04-04T14:00:00Z', '2025-04-04T14:45:00Z'],
      ]);
    },
  );
});

describe('rollbacks belong to the operation they roll back', () => {
  test(
    'update rollback: one UPDATE operation, elapsed from UPDATE_IN_PROGRESS, FAILED; UPDATE_ROLLBACK_COMPLETE ' +
      'is healthy so the window closes there',
    async () => {
      const PAYMENTS: StackSpec = { name: 'payments', uuid: '66666666-6666-4666-8666-666666666666' };
      const reason = 'The following resource(s) failed to update: [PaymentsFunction]. ';
      const file = writeEvents('update-rollback', [
        stackEvent(PAYMENTS, '2025-04-05T09:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
        stackEvent(PAYMENTS, '2025-04-05T09:05:00Z', 'UPDATE_ROLLBACK_IN_PROGRESS', reason),
        stackEvent(PAYMENTS, '2025-04-05T09:21:00Z', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', ''),
        stackEvent(PAYMENTS, '2025-04-05T09:22:00Z', 'UPDATE_ROLLBACK_COMPLETE', ''),
      ]);
      const output = await replayJson(file, ['--until', '2025-04-05T10:00:00Z']);
      expect(output).toMatchObject({
        notifications: [
          {
            at: '2025-04-05T09:20:00Z',
            severity: 'WARNING',
            ...ids(PAYMENTS),
            operation: 'UPDATE',
            status: 'UPDATE_ROLLBACK_IN_PROGRESS',
            statusReason: reason,
            startedAt: '2025-04-05T09:00:00Z',
            elapsedSeconds: 1200,
          },
          {
            at: '2025-04-05T09:22:00Z',
            severity: 'FAILED',
            ...ids(PAYMENTS),
            operation: 'UPDATE',
            status: 'UPDATE_ROLLBACK_COMPLETE',
            statusReason: '',
            startedAt: '2025-04-05T09:00:00Z',
            elapsedSeconds: 1320,
          },
        ],
        operations: [
          {
            ...ids(PAYMENTS),
            operation: 'UPDATE',
            start: '2025-04-05T09:00:00Z',
            end: '2025-04-05T09:22:00Z',
            finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
            peakSeverity: 'FAILED',
          },
        ],
        windows: [
          {
            ...windowKey(PAYMENTS),
            start: '2025-04-05T09:00:00Z',
            end: '2025-04-05T09:22:00Z',
            peakSeverity: 'FAILED',
            stacks: ['payments'],
          },
        ],
        rejected: [],
      });
    },
  );

  test(
    'create rollback: ROLLBACK_* belongs to CREATE (also when no CREATE_IN_PROGRESS was seen); ' +
      'ROLLBACK_COMPLETE is not healthy',
    async () => {
      const SEARCH: StackSpec = { name: 'search', uuid: '77777777-7777-4777-8777-777777777777' };
      const SEARCH_B: StackSpec = { name: 'search-b', uuid: '77777777-7777-4777-8777-77777777777b' };
      const reason = 'The following resource(s) failed to create: [SearchDomain]. Rollback requested by user.';
      const file = writeEvents('create-rollback', [
        stackEvent(SEARCH, '2025-04-06T11:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
        stackEvent(SEARCH, '2025-04-06T11:03:00Z', 'ROLLBACK_IN_PROGRESS', reason),
        stackEvent(SEARCH, '2025-04-06T11:04:30Z', 'ROLLBACK_COMPLETE', ''),
        stackEvent(SEARCH_B, '2025-04-06T11:10:00Z', 'ROLLBACK_IN_PROGRESS', reason),
        stackEvent(SEARCH_B, '2025-04-06T11:11:00Z', 'ROLLBACK_COMPLETE', ''),
      ]);
      const output = await replayJson(file, ['--until', '2025-04-06T12:00:00Z']);
      expect(output).toMatchObject({
        notifications: [
          {
            at: '2025-04-06T11:04:30Z',
            severity: 'FAILED',
            ...ids(SEARCH),
            operation: 'CREATE',
            status: 'ROLLBACK_COMPLETE',
            statusReason: '',
            startedAt: '2025-04-06T11:00:00Z',
            elapsedSeconds: 270,
          },
          {
            at: '2025-04-06T11:11:00Z',
            severity: 'FAILED',
            ...ids(SEARCH_B),
            operation: 'CREATE',
            status: 'ROLLBACK_COMPLETE',
            statusReason: '',
            startedAt: '2025-04-06T11:10:00Z',
            elapsedSeconds: 60,
          },
        ],
        operations: [
          {
            ...ids(SEARCH),
            operation: 'CREATE',
            start: '2025-04-06T11:00:00Z',
            end: '2025-04-06T11:04:30Z',
            finalStatus: 'ROLLBACK_COMPLETE',
            peakSeverity: 'FAILED',
          },
          {
            ...ids(SEARCH_B),
            operation: 'CREATE',
            start: '2025-04-06T11:10:00Z',
            end: '2025-04-06T11:11:00Z',
            finalStatus: 'ROLLBACK_COMPLETE',
            peakSeverity: 'FAILED',
          },
        ],
        windows: [
          {
            ...windowKey(SEARCH),
            start: '2025-04-06T11:00:00Z',
            end: null,
            peakSeverity: 'FAILED',
            stacks: ['search'],
          },
          {
            ...windowKey(SEARCH_B),
            start: '2025-04-06T11:10:00Z',
            end: null,
            peakSeverity: 'FAILED',
            stacks: ['search-b'],
          },
        ],
        rejected: [],
      });
    },
  );
});

describe('REVIEW_IN_PROGRESS (a change set waiting for a human)', () => {
  const CATALOG: StackSpec = { name: 'catalog', uuid: '88888888-8888-4888-8888-888888888888' };
  const elements = [
    stackEvent(CATALOG, '2025-04-07T07:00:00Z', 'REVIEW_IN_PROGRESS', 'User Initiated'),
    stackEvent(CATALOG, '2025-04-07T08:30:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
    stackEvent(CATALOG, '2025-04-07T08:55:00Z', 'CREATE_COMPLETE', ''),
  ];

  test('while the change set waits (90 min): no operation, no escalation, no window', async () => {
    const output = await replayJson(writeEvents('review', elements), ['--until', '2025-04-07T08:29:00Z']);
    expect(output).toMatchObject({ notifications: [], operations: [], windows: [], rejected: [] });
  });

  test('CREATE_IN_PROGRESS starts the operation: elapsed counts from 08:30, not from the review', async () => {
    const output = await replayJson(writeEvents('review', elements));
    expect(output).toMatchObject({
      notifications: [
        {
          at: '2025-04-07T08:50:00Z',
          severity: 'WARNING',
          ...ids(CATALOG),
          operation: 'CREATE',
          status: 'CREATE_IN_PROGRESS',
          statusReason: 'User Initiated',
          startedAt: '2025-04-07T08:30:00Z',
          elapsedSeconds: 1200,
        },
        {
          at: '2025-04-07T08:55:00Z',
          severity: 'RESOLVED',
          ...ids(CATALOG),
          operation: 'CREATE',
          status: 'CREATE_COMPLETE',
          statusReason: '',
          startedAt: '2025-04-07T08:30:00Z',
          elapsedSeconds: 1500,
        },
      ],
      operations: [
        {
          ...ids(CATALOG),
          operation: 'CREATE',
          start: '2025-04-07T08:30:00Z',
          end: '2025-04-07T08:55:00Z',
          finalStatus: 'CREATE_COMPLETE',
          peakSeverity: 'WARNING',
        },
      ],
      windows: [
        {
          ...windowKey(CATALOG),
          start: '2025-04-07T08:30:00Z',
          end: '2025-04-07T08:55:00Z',
          peakSeverity: 'WARNING',
          stacks: ['catalog'],
        },
      ],
      rejected: [],
    });
  });
});

describe('the same stack name in two accounts', () => {
  test('two stacks (ARNs differ by account), two services, two windows', async () => {
    const A: StackSpec = {
      name: 'web',
      account: '111111111111',
      region: 'us-east-1',
      uuid: '99999999-9999-4999-8999-999999999999',
    };
    const B: StackSpec = {
      name: 'web',
      account: '222222222222',
      region: 'us-east-1',
      uuid: '99999999-9999-4999-8999-999999999999',
    };
    const file = writeEvents('two-accounts', [
      stackEvent(A, '2025-04-08T10:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      stackEvent(B, '2025-04-08T10:01:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      stackEvent(B, '2025-04-08T10:05:00Z', 'UPDATE_ROLLBACK_IN_PROGRESS', 'Resource handler returned message: "boom"'),
      stackEvent(B, '2025-04-08T10:06:00Z', 'UPDATE_ROLLBACK_COMPLETE', ''),
      stackEvent(A, '2025-04-08T10:25:00Z', 'UPDATE_COMPLETE', ''),
    ]);
    const output = await replayJson(file);
    expect(output).toMatchObject({
      notifications: [
        {
          at: '2025-04-08T10:06:00Z',
          severity: 'FAILED',
          ...ids(B),
          operation: 'UPDATE',
          status: 'UPDATE_ROLLBACK_COMPLETE',
          statusReason: '',
          startedAt: '2025-04-08T10:01:00Z',
          elapsedSeconds: 300,
        },
        {
          at: '2025-04-08T10:20:00Z',
          severity: 'WARNING',
          ...ids(A),
          operation: 'UPDATE',
          status: 'UPDATE_IN_PROGRESS',
          statusReason: 'User Initiated',
          startedAt: '2025-04-08T10:00:00Z',
          elapsedSeconds: 1200,
        },
        {
          at: '2025-04-08T10:25:00Z',
          severity: 'RESOLVED',
          ...ids(A),
          operation: 'UPDATE',
          status: 'UPDATE_COMPLETE',
          statusReason: '',
          startedAt: '2025-04-08T10:00:00Z',
          elapsedSeconds: 1500,
        },
      ],
      operations: [
        {
          ...ids(A),
          operation: 'UPDATE',
          start: '2025-04-08T10:00:00Z',
          end: '2025-04-08T10:25:00Z',
          finalStatus: 'UPDATE_COMPLETE',
          peakSeverity: 'WARNING',
        },
        {
          ...ids(B),
          operation: 'UPDATE',
          start: '2025-04-08T10:01:00Z',
          end: '2025-04-08T10:06:00Z',
          finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
          peakSeverity: 'FAILED',
        },
      ],
      windows: [
        {
          ...windowKey(A),
          start: '2025-04-08T10:00:00Z',
          end: '2025-04-08T10:25:00Z',
          peakSeverity: 'WARNING',
          stacks: ['web'],
        },
        {
          ...windowKey(B),
          start: '2025-04-08T10:01:00Z',
          end: '2025-04-08T10:06:00Z',
          peakSeverity: 'FAILED',
          stacks: ['web'],
        },
      ],
      rejected: [],
    });
  });
});

describe("per-type thresholds --thresholds 'UPDATE=30m/60m,*=20m/40m'", () => {
  test('UPDATE escalates at 30/60 min, DELETE (the * default) at 20/40 min', async () => {
    const SVC_A: StackSpec = { name: 'svc-a', uuid: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' };
    const SVC_B: StackSpec = { name: 'svc-b', uuid: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' };
    const file = writeEvents('per-type-thresholds', [
      stackEvent(SVC_A, '2025-04-09T06:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      stackEvent(SVC_B, '2025-04-09T06:00:30Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
      stackEvent(SVC_B, '2025-04-09T06:45:00Z', 'DELETE_COMPLETE', ''),
      stackEvent(SVC_A, '2025-04-09T07:05:00Z', 'UPDATE_COMPLETE', ''),
    ]);
    const output = await replayJson(file, [
      '--thresholds',
      'UPDATE=30m/60m,*=20m/40m',
      '--until',
      '2025-04-09T08:00:00Z',
    ]);
    const a = { ...ids(SVC_A), operation: 'UPDATE', startedAt: '2025-04-09T06:00:00Z' };
    const b = { ...ids(SVC_B), operation: 'DELETE', startedAt: '2025-04-09T06:00:30Z' };
    expect(output).toMatchObject({
      notifications: [
        {
          ...b,
          at: '2025-04-09T06:21:00Z',
          severity: 'WARNING',
          status: 'DELETE_IN_PROGRESS',
          statusReason: 'User Initiated',
          elapsedSeconds: 1230,
        },
        {
          ...a,
          at: '2025-04-09T06:30:00Z',
          severity: 'WARNING',
          status: 'UPDATE_IN_PROGRESS',
          statusReason: 'User Initiated',
          elapsedSeconds: 1800,
        },
        {
          ...b,
          at: '2025-04-09T06:41:00Z',
          severity: 'CRITICAL',
          status: 'DELETE_IN_PROGRESS',
          statusReason: 'User Initiated',
          elapsedSeconds: 2430,
        },
        {
          ...b,
          at: '2025-04-09T06:45:00Z',
          severity: 'RESOLVED',
          status: 'DELETE_COMPLETE',
          statusReason: '',
          elapsedSeconds: 2670,
        },
        {
          ...a,
          at: '2025-04-09T07:00:00Z',
          severity: 'CRITICAL',
          status: 'UPDATE_IN_PROGRESS',
          statusReason: 'User Initiated',
          elapsedSeconds: 3600,
        },
        {
          ...a,
          at: '2025-04-09T07:05:00Z',
          severity: 'RESOLVED',
          status: 'UPDATE_COMPLETE',
          statusReason: '',
          elapsedSeconds: 3900,
        },
      ],
      operations: [
        {
          ...ids(SVC_A),
          operation: 'UPDATE',
          start: '2025-04-09T06:00:00Z',
          end: '2025-04-09T07:05:00Z',
          finalStatus: 'UPDATE_COMPLETE',
          peakSeverity: 'CRITICAL',
        },
        {
          ...ids(SVC_B),
          operation: 'DELETE',
          start: '2025-04-09T06:00:30Z',
          end: '2025-04-09T06:45:00Z',
          finalStatus: 'DELETE_COMPLETE',
          peakSeverity: 'CRITICAL',
        },
      ],
      windows: [
        {
          ...windowKey(SVC_A),
          start: '2025-04-09T06:00:00Z',
          end: '2025-04-09T07:05:00Z',
          peakSeverity: 'CRITICAL',
          stacks: ['svc-a'],
        },
        // svc-b has no stack after 06:45:00; the grace (60 min) ran out at 07:45:00, before --until
        {
          ...windowKey(SVC_B),
          start: '2025-04-09T06:00:30Z',
          end: '2025-04-09T06:45:00Z',
          peakSeverity: 'CRITICAL',
          stacks: ['svc-b'],
        },
      ],
      rejected: [],
    });
  });
});

describe('--until', () => {
  const LATE: StackSpec = { name: 'late', uuid: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' };
  const elements = [
    stackEvent(LATE, '2025-04-10T10:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
    stackEvent(LATE, '2025-04-10T10:21:30Z', 'UPDATE_COMPLETE', ''),
  ];
  const warning = {
    at: '2025-04-10T10:20:00Z',
    severity: 'WARNING',
    ...ids(LATE),
    operation: 'UPDATE',
    status: 'UPDATE_IN_PROGRESS',
    statusReason: 'User Initiated',
    startedAt: '2025-04-10T10:00:00Z',
    elapsedSeconds: 1200,
  };

  test('deliveries after --until are ignored: the operation is still running, the window open', async () => {
    const output = await replayJson(writeEvents('until', elements), ['--until', '2025-04-10T10:21:00Z']);
    expect(output).toMatchObject({
      notifications: [warning],
      operations: [
        {
          ...ids(LATE),
          operation: 'UPDATE',
          start: '2025-04-10T10:00:00Z',
          end: null,
          finalStatus: null,
          peakSeverity: 'WARNING',
        },
      ],
      windows: [
        { ...windowKey(LATE), start: '2025-04-10T10:00:00Z', end: null, peakSeverity: 'WARNING', stacks: ['late'] },
      ],
      rejected: [],
    });
  });

  test('without --until the clock runs to the whole minute at or after the last delivery (10:22:00)', async () => {
    const output = await replayJson(writeEvents('until', elements));
    expect(output).toMatchObject({
      notifications: [
        warning,
        {
          at: '2025-04-10T10:21:30Z',
          severity: 'RESOLVED',
          ...ids(LATE),
          operation: 'UPDATE',
          status: 'UPDATE_COMPLETE',
          statusReason: '',
          startedAt: '2025-04-10T10:00:00Z',
          elapsedSeconds: 1290,
        },
      ],
      operations: [
        {
          ...ids(LATE),
          operation: 'UPDATE',
          start: '2025-04-10T10:00:00Z',
          end: '2025-04-10T10:21:30Z',
          finalStatus: 'UPDATE_COMPLETE',
          peakSeverity: 'WARNING',
        },
      ],
      windows: [
        {
          ...windowKey(LATE),
          start: '2025-04-10T10:00:00Z',
          end: '2025-04-10T10:21:30Z',
          peakSeverity: 'WARNING',
          stacks: ['late'],
        },
      ],
      rejected: [],
    });
  });

  test('it is the delivery time that counts, not the event time', async () => {
    const file = writeEvents('until-delivery', [
      stackEvent(LATE, '2025-04-10T10:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      deliveredAt('2025-04-10T10:30:00Z', stackEvent(LATE, '2025-04-10T10:05:00Z', 'UPDATE_COMPLETE', '')),
    ]);
    const before = await replayJson(file, ['--until', '2025-04-10T10:10:00Z']);
    expect(before).toMatchObject({
      notifications: [],
      operations: [
        {
          ...ids(LATE),
          operation: 'UPDATE',
          start: '2025-04-10T10:00:00Z',
          end: null,
          finalStatus: null,
          peakSeverity: null,
        },
      ],
      windows: [],
    });
    const after = await replayJson(file, ['--until', '2025-04-10T10:30:00Z']);
    expect(after).toMatchObject({
      operations: [
        {
          ...ids(LATE),
          operation: 'UPDATE',
          start: '2025-04-10T10:00:00Z',
          end: '2025-04-10T10:05:00Z',
          finalStatus: 'UPDATE_COMPLETE',
          peakSeverity: null,
        },
      ],
      windows: [],
    });
  });
});

describe('sweeps run only at whole minutes', () => {
  const TICK: StackSpec = { name: 'tick', uuid: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd' };
  const elements = [stackEvent(TICK, '2025-04-11T10:00:30Z', 'DELETE_IN_PROGRESS', 'User Initiated')];
  const operations = [
    {
      ...ids(TICK),
      operation: 'DELETE',
      start: '2025-04-11T10:00:30Z',
      end: null,
      finalStatus: null,
      peakSeverity: 'WARNING',
    },
  ];
  const windows = [
    { ...windowKey(TICK), start: '2025-04-11T10:00:30Z', end: null, peakSeverity: 'WARNING', stacks: ['tick'] },
  ];

  test(
    '20 min are reached at 10:20:30, but no sweep runs before 10:21:00 (the severity and window count ' + 'anyway)',
    async () => {
      const output = await replayJson(writeEvents('tick', elements), ['--until', '2025-04-11T10:20:45Z']);
      expect(output).toMatchObject({ notifications: [], operations, windows, rejected: [] });
    },
  );

  test('the sweep at 10:21:00 sends WARNING with elapsed 20m30s', async () => {
    const output = await replayJson(writeEvents('tick', elements), ['--until', '2025-04-11T10:21:00Z']);
    expect(output).toMatchObject({
      notifications: [
        {
          at: '2025-04-11T10:21:00Z',
          severity: 'WARNING',
          ...ids(TICK),
          operation: 'DELETE',
          status: 'DELETE_IN_PROGRESS',
          statusReason: 'User Initiated',
          startedAt: '2025-04-11T10:00:30Z',
          elapsedSeconds: 1230,
        },
      ],
      operations,
      windows,
      rejected: [],
    });
  });

  test(
    'the default --until is itself swept: last delivery 10:19:10 → sweep at 10:20:00 sends WARNING naming the ' +
      'resource in progress',
    async () => {
      const TOCK: StackSpec = { name: 'tock', uuid: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' };
      const file = writeEvents('tock', [
        stackEvent(TOCK, '2025-04-11T10:00:00Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
        resourceEvent(TOCK, '2025-04-11T10:19:10Z', 'OldFunction', 'DELETE_IN_PROGRESS'),
      ]);
      const output = await replayJson(file);
      expect(output).toMatchObject({
        notifications: [
          {
            at: '2025-04-11T10:20:00Z',
            severity: 'WARNING',
            ...ids(TOCK),
            operation: 'DELETE',
            status: 'DELETE_IN_PROGRESS',
            statusReason: 'User Initiated',
            startedAt: '2025-04-11T10:00:00Z',
            elapsedSeconds: 1200,
            resourcesInProgress: [
              { logicalResourceId: 'OldFunction', resourceType: 'AWS::Lambda::Function', status: 'DELETE_IN_PROGRESS' },
            ],
          },
        ],
        operations: [
          {
            ...ids(TOCK),
            operation: 'DELETE',
            start: '2025-04-11T10:00:00Z',
            end: null,
            finalStatus: null,
            peakSeverity: 'WARNING',
          },
        ],
        rejected: [],
      });
    },
  );

  test('alerts of one sweep are ordered by startedAt, then stack id (not file order)', async () => {
    const ZETA: StackSpec = { name: 'zeta', uuid: 'ffffffff-ffff-4fff-8fff-ffffffffffff' };
    const MID: StackSpec = { name: 'mid', uuid: 'ffffffff-ffff-4fff-8fff-ffffffffffff' };
    const ALPHA: StackSpec = { name: 'alpha', uuid: 'ffffffff-ffff-4fff-8fff-ffffffffffff' };
    const file = writeEvents('same-sweep', [
      stackEvent(ALPHA, '2025-04-12T09:00:20Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      stackEvent(ZETA, '2025-04-12T09:00:40Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
      stackEvent(MID, '2025-04-12T09:00:40Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
    ]);
    const output = await replayJson(file, ['--until', '2025-04-12T09:21:00Z']);
    expect(output.notifications).toMatchObject([
      {
        at: '2025-04-12T09:21:00Z',
        severity: 'WARNING',
        ...ids(ALPHA),
        operation: 'CREATE',
        startedAt: '2025-04-12T09:00:20Z',
        elapsedSeconds: 1240,
      },
      {
        at: '2025-04-12T09:21:00Z',
        severity: 'WARNING',
        ...ids(MID),
        operation: 'UPDATE',
        startedAt: '2025-04-12T09:00:40Z',
        elapsedSeconds: 1220,
      },
      {
        at: '2025-04-12T09:21:00Z',
        severity: 'WARNING',
        ...ids(ZETA),
        operation: 'DELETE',
        startedAt: '2025-04-12T09:00:40Z',
        elapsedSeconds: 1220,
      },
    ]);
    // operations and windows by start time (mid and zeta tie: compared as a set)
    expect(output.operations.map((o) => o.stackName)[0]).toBe('alpha');
    expect(output.operations.map((o) => o.stackName).sort()).toEqual(['alpha', 'mid', 'zeta']);
    expect(output.windows.map((w) => w.service)[0]).toBe('alpha');
    expect(output.windows.map((w) => `${w.service} ${w.start} ${w.end} ${w.peakSeverity}`).sort()).toEqual([
      'alpha 2025-04-12T09:00:20Z null WARNING',
      'mid 2025-04-12T09:00:40Z null WARNING',
      'zeta 2025-04-12T09:00:40Z null WARNING',
    ]);
  });
});

describe('a service left with no stack waits for a replacement (grace, default 60 min)', () => {
  // rule app=^app-: app-blue is deleted (DELETE_COMPLETE 10:30:00); app-green is the replacement.
  const BLUE: StackSpec = { name: 'app-blue', uuid: '12121212-1212-4121-8121-121212121212' };
  const GREEN: StackSpec = { name: 'app-green', uuid: '34343434-3434-4343-8343-343434343434' };
  const rule = ['--service-rule', 'app=^app-'];
  const deletion = [
    stackEvent(BLUE, '2025-04-13T10:00:00Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
    stackEvent(BLUE, '2025-04-13T10:30:00Z', 'DELETE_COMPLETE', ''),
    stackEvent(GREEN, '2025-04-13T10:40:00Z', 'REVIEW_IN_PROGRESS', 'User Initiated'),
  ];
  const notifications = [
    {
      at: '2025-04-13T10:20:00Z',
      severity: 'WARNING',
      ...ids(BLUE, 'app'),
      operation: 'DELETE',
      status: 'DELETE_IN_PROGRESS',
      statusReason: 'User Initiated',
      startedAt: '2025-04-13T10:00:00Z',
      elapsedSeconds: 1200,
    },
    {
      at: '2025-04-13T10:30:00Z',
      severity: 'RESOLVED',
      ...ids(BLUE, 'app'),
      operation: 'DELETE',
      status: 'DELETE_COMPLETE',
      statusReason: '',
      startedAt: '2025-04-13T10:00:00Z',
      elapsedSeconds: 1800,
    },
  ];
  const blueDelete = {
    ...ids(BLUE, 'app'),
    operation: 'DELETE',
    start: '2025-04-13T10:00:00Z',
    end: '2025-04-13T10:30:00Z',
    finalStatus: 'DELETE_COMPLETE',
    peakSeverity: 'WARNING',
  };
  const window = (end: string | null, stacks: string[]) => ({
    ...windowKey(BLUE, 'app'),
    start: '2025-04-13T10:00:00Z',
    end,
    peakSeverity: 'WARNING',
    stacks,
  });

  test.each([
    { until: '2025-04-13T11:29:00Z', end: null },
    { until: '2025-04-13T11:29:59Z', end: null },
    { until: '2025-04-13T11:30:00Z', end: '2025-04-13T10:30:00Z' },
  ])(
    'a replacement only in REVIEW_IN_PROGRESS does not exist yet: --until $until → end $end',
    async ({ until, end }) => {
      const output = await replayJson(writeEvents('grace-review-only', deletion), [...rule, '--until', until]);
      expect(output).toMatchObject({
        notifications,
        operations: [blueDelete],
        windows: [window(end, ['app-blue'])],
        rejected: [],
      });
    },
  );

  test('a replacement created within the grace keeps the window open until the service is healthy', async () => {
    const file = writeEvents('grace-replaced', [
      ...deletion,
      stackEvent(GREEN, '2025-04-13T11:20:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      stackEvent(GREEN, '2025-04-13T11:25:00Z', 'CREATE_COMPLETE', ''),
    ]);
    const output = await replayJson(file, [...rule, '--until', '2025-04-13T12:00:00Z']);
    expect(output).toMatchObject({
      notifications,
      operations: [
        blueDelete,
        {
          ...ids(GREEN, 'app'),
          operation: 'CREATE',
          start: '2025-04-13T11:20:00Z',
          end: '2025-04-13T11:25:00Z',
          finalStatus: 'CREATE_COMPLETE',
          peakSeverity: null,
        },
      ],
      windows: [window('2025-04-13T11:25:00Z', ['app-blue', 'app-green'])],
      rejected: [],
    });
  });

  test('a replacement created after the grace: the window ended at the DELETE_COMPLETE, no second window', async () => {
    const file = writeEvents('grace-too-late', [
      ...deletion,
      stackEvent(GREEN, '2025-04-13T11:35:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      stackEvent(GREEN, '2025-04-13T11:40:00Z', 'CREATE_COMPLETE', ''),
    ]);
    const output = await replayJson(file, [...rule, '--until', '2025-04-13T12:00:00Z']);
    expect(output).toMatchObject({
      notifications,
      operations: [
        blueDelete,
        {
          ...ids(GREEN, 'app'),
          operation: 'CREATE',
          start: '2025-04-13T11:35:00Z',
          end: '2025-04-13T11:40:00Z',
          finalStatus: 'CREATE_COMPLETE',
          peakSeverity: null,
        },
      ],
      windows: [window('2025-04-13T10:30:00Z', ['app-blue'])],
      rejected: [],
    });
  });

  test(
    'contract example delete-then-redeploy with --grace 10m: the re-creation (22:41:10) comes after the grace ' +
      '(22:36:02)',
    async () => {
      const output = await replayJson(path.join(EXAMPLES, 'delete-then-redeploy.jsonl'), [
        '--grace',
        '10m',
        '--until',
        '2025-06-04T00:00:00Z',
      ]);
      expect(output.windows).toEqual([
        {
          account: '210987654321',
          region: 'us-east-2',
          service: 'reports',
          start: '2025-06-03T22:00:41Z',
          end: '2025-06-03T22:26:02Z',
          peakSeverity: 'WARNING',
          stacks: ['reports'],
        },
      ]);
      expect(output.operations.map((o) => `${o.operation} ${o.start} ${o.end} ${o.peakSeverity}`)).toEqual([
        'DELETE 2025-06-03T22:00:41Z 2025-06-03T22:26:02Z WARNING',
        'CREATE 2025-06-03T22:41:10Z 2025-06-03T22:49:33Z null',
      ]);
    },
  );
});

describe('a root stack whose deletion hangs inside a nested stack', () => {
  // The nested stack's status change comes before its parent's resource event names it as nested.
  const elements = nestedDeletionEvents();

  test(
    "pages once, for the root, naming the Lambda stuck in the nested stack; the nested stack is in the root's " +
      'service',
    async () => {
      const output = await replayJson(writeEvents('nested-deletion', elements), ['--until', '2024-03-05T10:45:00Z']);
      expect(output.notifications.map((n) => [n.at, n.severity, n.stackName])).toEqual([
        ['2024-03-05T10:20:00Z', 'WARNING', 'core-prod'],
        ['2024-03-05T10:38:10Z', 'RESOLVED', 'core-prod'],
      ]);
      expect(output.notifications[0]?.resourcesInProgress).toEqual(NESTED_DELETION_STUCK);
      expect(output.operations.map((o) => [o.stackName, o.service, o.peakSeverity])).toEqual([
        ['core-prod', 'core-prod', 'WARNING'],
        [NESTED.name, 'core-prod', 'WARNING'],
      ]);
      expect(output.windows.map((w) => [w.service, w.stacks])).toEqual([['core-prod', ['core-prod', NESTED.name]]]);
    },
  );
});
