import { describe, expect, it } from 'vitest';
import {
  canonicalRecords,
  deriveOperations,
  operationDuration,
  operationStop,
  preferredRecord,
  stackRecordsForRules,
  statusRecordKey,
  statusRecordOf,
  type Operation,
} from '../../shared/domain/operations.ts';
import { MIN, rec, stack, t } from './fixtures.ts';

const API = stack('api');

/** What a test compares of an operation: its state, type, times and the statuses it went through. */
function brief(operation: Operation) {
  const statuses = operation.phases.map((phase) => phase.status);
  const { type, start } = operation;
  switch (operation.state) {
    case 'running':
      return { state: 'running', type, start, statuses };
    case 'ended':
      return {
        state: 'ended',
        type,
        start,
        end: operation.end,
        finalStatus: operation.finalStatus,
        failed: operation.failed,
        statuses,
      };
    case 'abandoned':
      return { state: 'abandoned', type, start, supersededAt: operation.supersededAt, statuses };
  }
}

describe('deriveOperations', () => {
  describe('one operation from start to terminal status', () => {
    it('keeps the stack id and name, the start, the end and every phase with its reason', () => {
      // Prepare
      const records = [rec(API, '10:00', 'DELETE_IN_PROGRESS', 'User Initiated'), rec(API, '10:41', 'DELETE_COMPLETE')];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations).toEqual([
        {
          state: 'ended',
          stackId: API.stackId,
          stackName: 'api',
          type: 'DELETE',
          start: t('10:00'),
          end: t('10:41'),
          finalStatus: 'DELETE_COMPLETE',
          failed: false,
          continuesRollback: false,
          phases: [
            { status: 'DELETE_IN_PROGRESS', time: t('10:00'), statusReason: 'User Initiated' },
            { status: 'DELETE_COMPLETE', time: t('10:41'), statusReason: '' },
          ],
        },
      ]);
    });

    it.each([
      ['a create', ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'], 'CREATE', false],
      ['a create without rollback', ['CREATE_IN_PROGRESS', 'CREATE_FAILED'], 'CREATE', true],
      ['a create rolled back', ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE'], 'CREATE', true],
      [
        'a create whose rollback failed',
        ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_FAILED'],
        'CREATE',
        true,
      ],
      [
        'an update with cleanup',
        ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'],
        'UPDATE',
        false,
      ],
      [
        'an update rolled back with cleanup',
        [
          'UPDATE_IN_PROGRESS',
          'UPDATE_ROLLBACK_IN_PROGRESS',
          'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
          'UPDATE_ROLLBACK_COMPLETE',
        ],
        'UPDATE',
        true,
      ],
      [
        'an update whose rollback failed',
        ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED'],
        'UPDATE',
        true,
      ],
      ['a delete', ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'], 'DELETE', false],
      ['a failed delete', ['DELETE_IN_PROGRESS', 'DELETE_FAILED'], 'DELETE', true],
      ['an import', ['IMPORT_IN_PROGRESS', 'IMPORT_COMPLETE'], 'IMPORT', false],
      [
        'an import rolled back',
        ['IMPORT_IN_PROGRESS', 'IMPORT_ROLLBACK_IN_PROGRESS', 'IMPORT_ROLLBACK_COMPLETE'],
        'IMPORT',
        true,
      ],
      [
        'an import whose rollback failed',
        ['IMPORT_IN_PROGRESS', 'IMPORT_ROLLBACK_IN_PROGRESS', 'IMPORT_ROLLBACK_FAILED'],
        'IMPORT',
        true,
      ],
    ] as const)('makes %s (%j) one %s operation, failed: %s', (_what, statuses, type, failed) => {
      // Prepare
      const records = statuses.map((status, i) => rec(API, `10:0${i}`, status));
      const last = statuses.length - 1;

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type,
          start: t('10:00'),
          end: t(`10:0${last}`),
          finalStatus: statuses[last],
          failed,
          statuses: [...statuses],
        },
      ]);
    });

    it.each([
      ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE'],
      ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE'],
      ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE'],
      ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'CREATE'],
      ['IMPORT_IN_PROGRESS', 'IMPORT_ROLLBACK_IN_PROGRESS', 'IMPORT'],
    ] as const)('continues the %s operation with %s (same type), counting from the first', (first, then, type) => {
      // Prepare
      const records = [rec(API, '10:00', first), rec(API, '10:25', then)];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([{ state: 'running', type, start: t('10:00'), statuses: [first, then] }]);
      expect(operationDuration(operations[0] as Operation, t('10:45'))).toBe(45 * MIN);
    });

    it('counts a stuck cleanup from the update that began it', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '10:04', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
        rec(API, '10:49', 'UPDATE_COMPLETE'),
      ];

      // Act
      const [operation] = deriveOperations(records);

      // Assess
      expect(operation?.start).toBe(t('10:00'));
      expect(operation && operationStop(operation)).toBe(t('10:49'));
      expect(operation && operationDuration(operation, t('23:00'))).toBe(49 * MIN);
    });
  });

  describe('phases', () => {
    // DESIGN.md, "Operations": "Two events with the same stack id, time and status are one event";
    // an operation's phases are its status events, each listed once (the terminal one included).
    it('lists each status event once among its phases', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '10:04', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
        rec(API, '10:49', 'UPDATE_COMPLETE'),
      ];

      // Act
      const [operation] = deriveOperations(records);

      // Assess
      expect(operation?.phases).toEqual([
        { status: 'UPDATE_IN_PROGRESS', time: t('10:00'), statusReason: '' },
        { status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', time: t('10:04'), statusReason: '' },
        { status: 'UPDATE_COMPLETE', time: t('10:49'), statusReason: '' },
      ]);
    });

    it("lists a zero-length operation's only event once", () => {
      // Act
      const [operation] = deriveOperations([rec(API, '10:05', 'UPDATE_FAILED')]);

      // Assess
      expect(operation?.phases).toHaveLength(1);
    });

    it('ends with the terminal event, whose reason a FAILED or RESOLVED notification reports', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'DELETE_IN_PROGRESS', 'User Initiated'),
        rec(API, '10:30', 'DELETE_FAILED', 'Role is invalid'),
      ];

      // Act
      const [operation] = deriveOperations(records);

      // Assess
      expect(operation?.phases.at(-1)).toEqual({
        status: 'DELETE_FAILED',
        time: t('10:30'),
        statusReason: 'Role is invalid',
      });
      expect(operation?.phases[0]).toEqual({
        status: 'DELETE_IN_PROGRESS',
        time: t('10:00'),
        statusReason: 'User Initiated',
      });
    });
  });

  describe('begins a new operation', () => {
    it.each([
      ['CREATE_IN_PROGRESS', 'CREATE'],
      ['UPDATE_IN_PROGRESS', 'UPDATE'],
      ['DELETE_IN_PROGRESS', 'DELETE'],
      ['IMPORT_IN_PROGRESS', 'IMPORT'],
    ] as const)('always with %s, even while an operation of the same or another type runs', (status, type) => {
      // Prepare
      const records = [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:30', status)];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'abandoned',
          type: 'UPDATE',
          start: t('10:00'),
          supersededAt: t('10:30'),
          statuses: ['UPDATE_IN_PROGRESS'],
        },
        { state: 'running', type, start: t('10:30'), statuses: [status] },
      ]);
    });

    it.each([
      ['UPDATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'CREATE'],
      ['CREATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE'],
      ['DELETE_IN_PROGRESS', 'IMPORT_ROLLBACK_IN_PROGRESS', 'IMPORT'],
      ['IMPORT_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE'],
    ] as const)('after %s when %s belongs to another type, starting at that status', (first, then, type) => {
      // Prepare
      const records = [rec(API, '10:00', first), rec(API, '10:20', then)];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        expect.objectContaining({ state: 'abandoned', start: t('10:00'), supersededAt: t('10:20') }),
        { state: 'running', type, start: t('10:20'), statuses: [then] },
      ]);
    });

    it('for a rollback after UPDATE_FAILED (rollback disabled), which is an operation of its own', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '10:10', 'UPDATE_FAILED', 'Resource handler returned message: "Invalid request"'),
        rec(API, '10:30', 'UPDATE_ROLLBACK_IN_PROGRESS', 'User Initiated'),
        rec(API, '10:35', 'UPDATE_ROLLBACK_COMPLETE'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:00'),
          end: t('10:10'),
          finalStatus: 'UPDATE_FAILED',
          failed: true,
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_FAILED'],
        },
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:30'),
          end: t('10:35'),
          finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
          failed: true,
          statuses: ['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
        },
      ]);
    });

    it('for a rollback after CREATE_FAILED, which is a CREATE operation of its own', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'CREATE_IN_PROGRESS'),
        rec(API, '10:05', 'CREATE_FAILED'),
        rec(API, '10:20', 'ROLLBACK_IN_PROGRESS'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'CREATE',
          start: t('10:00'),
          end: t('10:05'),
          finalStatus: 'CREATE_FAILED',
          failed: true,
          statuses: ['CREATE_IN_PROGRESS', 'CREATE_FAILED'],
        },
        { state: 'running', type: 'CREATE', start: t('10:20'), statuses: ['ROLLBACK_IN_PROGRESS'] },
      ]);
    });

    it('for a retried delete after DELETE_FAILED', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'DELETE_IN_PROGRESS'),
        rec(API, '10:30', 'DELETE_FAILED'),
        rec(API, '10:40', 'DELETE_IN_PROGRESS'),
        rec(API, '10:45', 'DELETE_COMPLETE'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:00'),
          end: t('10:30'),
          finalStatus: 'DELETE_FAILED',
          failed: true,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_FAILED'],
        },
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:40'),
          end: t('10:45'),
          finalStatus: 'DELETE_COMPLETE',
          failed: false,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
        },
      ]);
    });

    it('for an in-progress status after a terminal one, rather than reopening the ended operation', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '10:05', 'UPDATE_COMPLETE'),
        rec(API, '10:09', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        expect.objectContaining({ state: 'ended', start: t('10:00'), end: t('10:05') }),
        { state: 'running', type: 'UPDATE', start: t('10:09'), statuses: ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'] },
      ]);
    });
  });

  describe('ROLLBACK_* statuses', () => {
    it.each([
      ['ROLLBACK_IN_PROGRESS', 'running'],
      ['ROLLBACK_COMPLETE', 'ended'],
      ['ROLLBACK_FAILED', 'ended'],
    ] as const)('make %s on its own a CREATE operation', (status, state) => {
      // Act
      const operations = deriveOperations([rec(API, '10:00', status)]);

      // Assess
      expect(operations.map((operation) => [operation.type, operation.state])).toEqual([['CREATE', state]]);
    });
  });

  describe('events of one stack with the same time', () => {
    it('takes the beginning status before another in-progress one, whatever the delivery order', () => {
      // Prepare
      const records = [rec(API, '10:00', 'UPDATE_ROLLBACK_IN_PROGRESS'), rec(API, '10:00', 'UPDATE_IN_PROGRESS')];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'running',
          type: 'UPDATE',
          start: t('10:00'),
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS'],
        },
      ]);
    });

    it('takes in-progress statuses before the terminal one', () => {
      // Prepare
      const records = [
        rec(API, '10:07', 'UPDATE_COMPLETE'),
        rec(API, '10:07', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:00'),
          end: t('10:07'),
          finalStatus: 'UPDATE_COMPLETE',
          failed: false,
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'],
        },
      ]);
    });

    it('orders begin, other in-progress, terminal when all three share a second', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'UPDATE_COMPLETE'),
        rec(API, '10:00', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:00'),
          end: t('10:00'),
          finalStatus: 'UPDATE_COMPLETE',
          failed: false,
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'],
        },
      ]);
    });

    it('makes a create that completes within its first second one operation', () => {
      // Prepare
      const records = [rec(API, '10:00', 'CREATE_COMPLETE'), rec(API, '10:00', 'CREATE_IN_PROGRESS')];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'CREATE',
          start: t('10:00'),
          end: t('10:00'),
          finalStatus: 'CREATE_COMPLETE',
          failed: false,
          statuses: ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'],
        },
      ]);
    });
  });

  describe('duplicates', () => {
    it('counts the same stack, time and status once, however often delivered', () => {
      // Prepare
      const start = rec(API, '10:00', 'DELETE_IN_PROGRESS');
      const end = rec(API, '10:10', 'DELETE_COMPLETE');

      // Act
      const operations = deriveOperations([start, end, { ...start }, { ...end }, { ...start }]);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:00'),
          end: t('10:10'),
          finalStatus: 'DELETE_COMPLETE',
          failed: false,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
        },
      ]);
    });

    it.each([
      ['the copy with the reason first', true],
      ['the copy without the reason first', false],
    ])('keeps the reason of a duplicate with %s', (_what, reasonFirst) => {
      // Prepare
      const withReason = rec(API, '10:00', 'DELETE_IN_PROGRESS', 'User Initiated');
      const without = rec(API, '10:00', 'DELETE_IN_PROGRESS', '');

      // Act
      const operations = deriveOperations(reasonFirst ? [withReason, without] : [without, withReason]);

      // Assess
      expect(operations[0]?.phases).toEqual([
        { status: 'DELETE_IN_PROGRESS', time: t('10:00'), statusReason: 'User Initiated' },
      ]);
    });

    it('keeps two events with the same status at different times apart', () => {
      // Prepare
      const records = [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:00:01', 'UPDATE_IN_PROGRESS')];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map((operation) => operation.state)).toEqual(['abandoned', 'running']);
    });
  });

  describe('an operation whose terminal event never arrived', () => {
    it('is abandoned when the next one begins, and runs to that start for severity', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '10:50', 'DELETE_IN_PROGRESS'),
        rec(API, '10:55', 'DELETE_COMPLETE'),
      ];

      // Act
      const [abandoned, deleted] = deriveOperations(records);

      // Assess
      expect(abandoned && brief(abandoned)).toEqual({
        state: 'abandoned',
        type: 'UPDATE',
        start: t('10:00'),
        supersededAt: t('10:50'),
        statuses: ['UPDATE_IN_PROGRESS'],
      });
      expect(abandoned && operationStop(abandoned)).toBe(t('10:50'));
      expect(abandoned && operationDuration(abandoned, t('23:59'))).toBe(50 * MIN);
      expect(deleted && brief(deleted)).toMatchObject({ state: 'ended', type: 'DELETE', start: t('10:50') });
    });

    it('has no end, so that only the latest operation of a stack can be running', () => {
      // Prepare
      const records = [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:30', 'UPDATE_IN_PROGRESS')];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map((operation) => operation.state)).toEqual(['abandoned', 'running']);
      expect(operations[0] && 'end' in operations[0]).toBe(false);
    });
  });

  describe('a terminal status without a start', () => {
    it('makes a zero-length operation at the terminal time', () => {
      // Act
      const operations = deriveOperations([rec(API, '10:05', 'UPDATE_COMPLETE')]);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:05'),
          end: t('10:05'),
          finalStatus: 'UPDATE_COMPLETE',
          failed: false,
          statuses: ['UPDATE_COMPLETE'],
        },
      ]);
      expect(operations[0] && operationDuration(operations[0], t('12:00'))).toBe(0);
    });

    it('makes it after an ended operation too', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'CREATE_IN_PROGRESS'),
        rec(API, '10:03', 'CREATE_COMPLETE'),
        rec(API, '11:00', 'UPDATE_FAILED'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        expect.objectContaining({ state: 'ended', type: 'CREATE', end: t('10:03') }),
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('11:00'),
          end: t('11:00'),
          finalStatus: 'UPDATE_FAILED',
          failed: true,
          statuses: ['UPDATE_FAILED'],
        },
      ]);
    });
  });

  describe('statuses that time nothing', () => {
    it('ignores REVIEW_IN_PROGRESS (a change set waiting for a human)', () => {
      // Prepare
      const records = [
        rec(API, '09:00', 'REVIEW_IN_PROGRESS'),
        rec(API, '10:00', 'CREATE_IN_PROGRESS'),
        rec(API, '10:05', 'CREATE_COMPLETE'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'CREATE',
          start: t('10:00'),
          end: t('10:05'),
          finalStatus: 'CREATE_COMPLETE',
          failed: false,
          statuses: ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'],
        },
      ]);
    });

    it.each([['REVIEW_IN_PROGRESS'], ['STACK_REFACTOR_IN_PROGRESS'], ['SOMETHING_NEW_COMPLETE']])(
      'derives nothing from %s alone',
      (status) => {
        // Act
        const operations = deriveOperations([rec(API, '10:00', status)]);

        // Assess
        expect(operations).toEqual([]);
      },
    );

    it('neither ends nor interrupts the running operation with an unknown status', () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '10:10', 'SOMETHING_NEW_COMPLETE'),
        rec(API, '10:20', 'STACK_REFACTOR_IN_PROGRESS'),
        rec(API, '10:30', 'UPDATE_COMPLETE'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:00'),
          end: t('10:30'),
          finalStatus: 'UPDATE_COMPLETE',
          failed: false,
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
        },
      ]);
    });
  });

  describe('late deliveries', () => {
    it('moves the start earlier when the first in-progress event arrives last', () => {
      // Prepare
      const seenFirst = [rec(API, '10:04', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS')];
      const late = rec(API, '10:00', 'UPDATE_IN_PROGRESS');

      // Act
      const before = deriveOperations(seenFirst);
      const after = deriveOperations([...seenFirst, late]);

      // Assess
      expect(before.map(brief)).toEqual([
        { state: 'running', type: 'UPDATE', start: t('10:04'), statuses: ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'] },
      ]);
      expect(after.map(brief)).toEqual([
        {
          state: 'running',
          type: 'UPDATE',
          start: t('10:00'),
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'],
        },
      ]);
    });

    it('never reopens an ended operation with a late in-progress event from inside it', () => {
      // Prepare
      const seenFirst = [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:49', 'UPDATE_COMPLETE')];
      const late = rec(API, '10:04', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');

      // Act
      const operations = deriveOperations([...seenFirst, late]);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:00'),
          end: t('10:49'),
          finalStatus: 'UPDATE_COMPLETE',
          failed: false,
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'],
        },
      ]);
    });

    it('ends a running operation when its terminal event arrives before its start', () => {
      // Prepare
      const records = [rec(API, '10:41', 'DELETE_COMPLETE'), rec(API, '10:00', 'DELETE_IN_PROGRESS')];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:00'),
          end: t('10:41'),
          finalStatus: 'DELETE_COMPLETE',
          failed: false,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
        },
      ]);
    });
  });
});

describe('statusRecordKey', () => {
  it('is the same for two deliveries of one event and differs by stack, time or status', () => {
    // Prepare
    const base = rec(API, '10:00', 'UPDATE_IN_PROGRESS', 'User Initiated');
    const redelivered = { ...base, statusReason: '' };

    // Act
    const keys = [
      statusRecordKey(redelivered),
      statusRecordKey({ ...base, stackId: stack('api', 'other-uuid').stackId }),
      statusRecordKey({ ...base, time: base.time + 1000 }),
      statusRecordKey({ ...base, status: 'UPDATE_COMPLETE' }),
    ];

    // Assess
    expect(keys[0]).toBe(statusRecordKey(base));
    expect(new Set([statusRecordKey(base), ...keys.slice(1)]).size).toBe(4);
  });
});

/** Every order of a few statuses, each as a one-element row for it.each. */
function shuffledOrders(statuses: readonly string[]): string[][][] {
  if (statuses.length <= 1) return [[[...statuses]]];
  return statuses.flatMap((first, index) =>
    shuffledOrders([...statuses.slice(0, index), ...statuses.slice(index + 1)]).map(([rest]) => [
      [first, ...(rest ?? [])],
    ]),
  );
}

describe('same-second order (DESIGN.md, amended 2026-12-05)', () => {
  const shuffled = <T>(items: readonly T[]): T[][] => [
    [...items],
    [...items].reverse(),
    [...items.slice(1), ...items.slice(0, 1)],
  ];

  it.each(
    shuffled([
      'CREATE_IN_PROGRESS',
      'ROLLBACK_IN_PROGRESS',
      'ROLLBACK_COMPLETE',
      'DELETE_IN_PROGRESS',
      'DELETE_COMPLETE',
    ]).map((order) => [order]),
  )('makes a failed create and its deletion in one second two operations, given %j', (order) => {
    // Prepare
    const records = order.map((status) => rec(API, '10:00', status));

    // Act
    const operations = deriveOperations(records);

    // Assess
    expect(operations.map(brief)).toEqual([
      {
        state: 'ended',
        type: 'CREATE',
        start: t('10:00'),
        end: t('10:00'),
        finalStatus: 'ROLLBACK_COMPLETE',
        failed: true,
        statuses: ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE'],
      },
      {
        state: 'ended',
        type: 'DELETE',
        start: t('10:00'),
        end: t('10:00'),
        finalStatus: 'DELETE_COMPLETE',
        failed: false,
        statuses: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
      },
    ]);
  });

  it.each([[['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS']], [['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']]])(
    'ends a 50-minute update in the second the next deployment starts, given %j',
    (order) => {
      // Prepare
      const records = [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), ...order.map((status) => rec(API, '10:50', status))];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:00'),
          end: t('10:50'),
          finalStatus: 'UPDATE_COMPLETE',
          failed: false,
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
        },
        { state: 'running', type: 'UPDATE', start: t('10:50'), statuses: ['UPDATE_IN_PROGRESS'] },
      ]);
    },
  );

  it.each([[['DELETE_FAILED', 'DELETE_IN_PROGRESS']], [['DELETE_IN_PROGRESS', 'DELETE_FAILED']]])(
    'ends a failed deletion before its retry in the same second, given %j',
    (order) => {
      // Prepare
      const records = [
        rec(API, '10:00', 'DELETE_IN_PROGRESS'),
        ...order.map((status) => rec(API, '10:30', status)),
        rec(API, '10:40', 'DELETE_COMPLETE'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:00'),
          end: t('10:30'),
          finalStatus: 'DELETE_FAILED',
          failed: true,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_FAILED'],
        },
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:30'),
          end: t('10:40'),
          finalStatus: 'DELETE_COMPLETE',
          failed: false,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
        },
      ]);
    },
  );

  it.each(shuffledOrders(['DELETE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']))(
    'ends a deletion with DELETE_FAILED, then retries and completes it, all in one second, given %j',
    (order) => {
      // Prepare
      const records = [rec(API, '10:00', 'DELETE_IN_PROGRESS'), ...order.map((status) => rec(API, '10:30', status))];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:00'),
          end: t('10:30'),
          finalStatus: 'DELETE_FAILED',
          failed: true,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_FAILED'],
        },
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:30'),
          end: t('10:30'),
          finalStatus: 'DELETE_COMPLETE',
          failed: false,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
        },
      ]);
    },
  );

  it.each(shuffledOrders(['UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE']))(
    'ends a rolled-back update with its UPDATE_ROLLBACK_COMPLETE when an UPDATE_COMPLETE of the same second (a ' +
      'next update whose start was lost) comes too, given %j',
    (order) => {
      // Prepare
      const records = [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '10:00', 'UPDATE_ROLLBACK_IN_PROGRESS'),
        ...order.map((status) => rec(API, '10:40', status)),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:00'),
          end: t('10:40'),
          finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
          failed: true,
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
        },
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:40'),
          end: t('10:40'),
          finalStatus: 'UPDATE_COMPLETE',
          failed: false,
          statuses: ['UPDATE_COMPLETE'],
        },
      ]);
    },
  );

  it.each(shuffledOrders(['ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'DELETE_IN_PROGRESS']))(
    'gives a rollback and its end in the second the deletion begins to the create they roll back, given %j',
    (order) => {
      // Prepare
      const records = [
        rec(API, '10:00', 'CREATE_IN_PROGRESS'),
        ...order.map((status) => rec(API, '10:00:10', status)),
        rec(API, '10:00:20', 'DELETE_COMPLETE'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'CREATE',
          start: t('10:00'),
          end: t('10:00:10'),
          finalStatus: 'ROLLBACK_COMPLETE',
          failed: true,
          statuses: ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE'],
        },
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:00:10'),
          end: t('10:00:20'),
          finalStatus: 'DELETE_COMPLETE',
          failed: false,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
        },
      ]);
    },
  );

  it.each(
    shuffledOrders(['UPDATE_FAILED', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE', 'UPDATE_IN_PROGRESS']),
  )(
    'ends the running update with the terminal its rollback leads to when a deployment begins in that second, given %j',
    (order) => {
      // Prepare
      const records = [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), ...order.map((status) => rec(API, '10:30', status))];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:00'),
          end: t('10:30'),
          finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
          failed: true,
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
        },
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:30'),
          end: t('10:30'),
          finalStatus: 'UPDATE_FAILED',
          failed: true,
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_FAILED'],
        },
      ]);
    },
  );

  it('keeps a cleanup and its UPDATE_COMPLETE of one second in one update when no deployment begins then', () => {
    // Prepare
    const records = [
      rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
      rec(API, '10:45', 'UPDATE_COMPLETE'),
      rec(API, '10:45', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
    ];

    // Act
    const operations = deriveOperations(records);

    // Assess
    expect(operations.map(brief)).toEqual([
      {
        state: 'ended',
        type: 'UPDATE',
        start: t('10:00'),
        end: t('10:45'),
        finalStatus: 'UPDATE_COMPLETE',
        failed: false,
        statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'],
      },
    ]);
  });

  it(
    'does not put a terminal first when it belongs to another type than the operation running before the ' + 'second',
    () => {
      // Prepare: an update runs; in one second a delete begins and completes (the update's end was lost).
      const records = [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '10:30', 'DELETE_COMPLETE'),
        rec(API, '10:30', 'DELETE_IN_PROGRESS'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'abandoned',
          type: 'UPDATE',
          start: t('10:00'),
          supersededAt: t('10:30'),
          statuses: ['UPDATE_IN_PROGRESS'],
        },
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:30'),
          end: t('10:30'),
          finalStatus: 'DELETE_COMPLETE',
          failed: false,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
        },
      ]);
    },
  );
});

describe('continue-update-rollback', () => {
  it('is an UPDATE operation of its own that succeeds at UPDATE_ROLLBACK_COMPLETE', () => {
    // Prepare
    const records = [
      rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
      rec(API, '10:05', 'UPDATE_ROLLBACK_IN_PROGRESS'),
      rec(API, '10:20', 'UPDATE_ROLLBACK_FAILED'),
      rec(API, '11:00', 'UPDATE_ROLLBACK_IN_PROGRESS', 'User Initiated'),
      rec(API, '11:10', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'),
      rec(API, '11:12', 'UPDATE_ROLLBACK_COMPLETE'),
    ];

    // Act
    const operations = deriveOperations(records);

    // Assess
    expect(operations.map((operation) => [brief(operation), operation.continuesRollback])).toEqual([
      [
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('10:00'),
          end: t('10:20'),
          finalStatus: 'UPDATE_ROLLBACK_FAILED',
          failed: true,
          statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED'],
        },
        false,
      ],
      [
        {
          state: 'ended',
          type: 'UPDATE',
          start: t('11:00'),
          end: t('11:12'),
          finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
          failed: false,
          statuses: [
            'UPDATE_ROLLBACK_IN_PROGRESS',
            'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
            'UPDATE_ROLLBACK_COMPLETE',
          ],
        },
        true,
      ],
    ]);
  });

  it.each([
    ['its UPDATE_ROLLBACK_COMPLETE alone', ['UPDATE_ROLLBACK_COMPLETE']],
    ['its cleanup', ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE']],
  ])('is recognised when the first of it to arrive is %s (its UPDATE_ROLLBACK_IN_PROGRESS late)', (_what, statuses) => {
    // Prepare
    const records = [
      rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
      rec(API, '10:20', 'UPDATE_ROLLBACK_FAILED'),
      ...statuses.map((status, i) => rec(API, `11:1${i}`, status)),
    ];

    // Act
    const last = deriveOperations(records).at(-1);

    // Assess
    expect(last?.continuesRollback).toBe(true);
    expect(last?.state === 'ended' && !last.failed).toBe(true);
  });

  it('fails when it fails again', () => {
    // Prepare
    const records = [
      rec(API, '10:20', 'UPDATE_ROLLBACK_FAILED'),
      rec(API, '11:00', 'UPDATE_ROLLBACK_IN_PROGRESS'),
      rec(API, '11:30', 'UPDATE_ROLLBACK_FAILED'),
    ];

    // Act
    const last = deriveOperations(records).at(-1);

    // Assess
    expect(last && brief(last)).toEqual({
      state: 'ended',
      type: 'UPDATE',
      start: t('11:00'),
      end: t('11:30'),
      finalStatus: 'UPDATE_ROLLBACK_FAILED',
      failed: true,
      statuses: ['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED'],
    });
  });

  it(
    'is not what a rollback after UPDATE_FAILED (rollback disabled) is: that one fails at ' +
      'UPDATE_ROLLBACK_COMPLETE',
    () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '10:05', 'UPDATE_FAILED'),
        rec(API, '11:00', 'UPDATE_ROLLBACK_IN_PROGRESS'),
        rec(API, '11:05', 'UPDATE_ROLLBACK_COMPLETE'),
      ];

      // Act
      const last = deriveOperations(records).at(-1);

      // Assess
      expect(last?.continuesRollback).toBe(false);
      expect(last?.state === 'ended' && last.failed).toBe(true);
    },
  );
});

describe('stackRecordsForRules', () => {
  /** A status made up from DescribeStacks asked at `askedHms` (by default at the record's own time). */
  const synthetic = (hms: string, status: string, basis: { hms: string; status: string } | null, askedHms = hms) => ({
    ...rec(API, hms, status),
    synthetic: { basis: basis === null ? null : { time: t(basis.hms), status: basis.status }, askedAt: t(askedHms) },
  });

  it("ignores status events dated after the stack's real DELETE_COMPLETE, which is final", () => {
    // Prepare
    const records = [
      rec(API, '10:00', 'DELETE_IN_PROGRESS'),
      rec(API, '10:30', 'UPDATE_IN_PROGRESS'),
      rec(API, '10:20', 'DELETE_COMPLETE'),
      rec(API, '10:40', 'UPDATE_COMPLETE'),
    ];

    // Act
    const kept = stackRecordsForRules(records);

    // Assess
    expect(kept.map((record) => record.status)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
  });

  it('keeps a DELETE_COMPLETE made up from DescribeStacks while no real event came after what it was made from', () => {
    // Prepare
    const records = [
      rec(API, '10:00', 'DELETE_IN_PROGRESS'),
      synthetic('10:45', 'DELETE_COMPLETE', { hms: '10:00', status: 'DELETE_IN_PROGRESS' }),
    ];

    // Act
    const kept = stackRecordsForRules(records);

    // Assess
    expect(kept.map((record) => [record.status, record.time])).toEqual([
      ['DELETE_IN_PROGRESS', t('10:00')],
      ['DELETE_COMPLETE', t('10:45')],
    ]);
  });

  it('lets the real DELETE_COMPLETE, later than the made-up one, take its place', () => {
    // Prepare
    const records = [
      rec(API, '10:00', 'DELETE_IN_PROGRESS'),
      synthetic('10:45', 'DELETE_COMPLETE', { hms: '10:00', status: 'DELETE_IN_PROGRESS' }, '10:46'),
      rec(API, '10:45:30', 'DELETE_COMPLETE'),
    ];

    // Act
    const kept = stackRecordsForRules(records);

    // Assess
    expect(kept.map((record) => [record.status, record.time, record.synthetic !== undefined])).toEqual([
      ['DELETE_IN_PROGRESS', t('10:00'), false],
      ['DELETE_COMPLETE', t('10:45:30'), false],
    ]);
  });

  it(
    'keeps it when real events it does not stand for arrive: a DELETE_FAILED and a retry before the stack was ' +
      'found gone',
    () => {
      // Prepare
      const records = [
        rec(API, '10:00', 'DELETE_IN_PROGRESS'),
        synthetic('10:45', 'DELETE_COMPLETE', { hms: '10:00', status: 'DELETE_IN_PROGRESS' }),
        rec(API, '10:20', 'DELETE_FAILED'),
        rec(API, '10:21', 'DELETE_IN_PROGRESS'),
      ];

      // Act
      const operations = deriveOperations(records);

      // Assess
      expect(operations.map(brief)).toEqual([
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:00'),
          end: t('10:20'),
          finalStatus: 'DELETE_FAILED',
          failed: true,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_FAILED'],
        },
        {
          state: 'ended',
          type: 'DELETE',
          start: t('10:21'),
          end: t('10:45'),
          finalStatus: 'DELETE_COMPLETE',
          failed: false,
          statuses: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
        },
      ]);
    },
  );

  it('does not let a later occurrence of its status take its place: a retry after the made-up deletion failed', () => {
    // Prepare: DescribeStacks said DELETE_IN_PROGRESS at 10:40 (the event was lost); the deletion
    // fails at 10:46:22 and is retried at 10:47:34.
    const records = [
      rec(API, '10:00', 'CREATE_IN_PROGRESS'),
      synthetic('10:40', 'DELETE_IN_PROGRESS', { hms: '10:00', status: 'CREATE_IN_PROGRESS' }),
      rec(API, '10:46:22', 'DELETE_FAILED'),
      rec(API, '10:47:34', 'DELETE_IN_PROGRESS'),
    ];

    // Act
    const operations = deriveOperations(records);

    // Assess
    expect(operations.map(brief)).toEqual([
      {
        state: 'abandoned',
        type: 'CREATE',
        start: t('10:00'),
        supersededAt: t('10:40'),
        statuses: ['CREATE_IN_PROGRESS'],
      },
      {
        state: 'ended',
        type: 'DELETE',
        start: t('10:40'),
        end: t('10:46:22'),
        finalStatus: 'DELETE_FAILED',
        failed: true,
        statuses: ['DELETE_IN_PROGRESS', 'DELETE_FAILED'],
      },
      { state: 'running', type: 'DELETE', start: t('10:47:34'), statuses: ['DELETE_IN_PROGRESS'] },
    ]);
  });

  it('dates a stack found gone no earlier than a real event CloudFormation emitted before it was asked', () => {
    // Prepare: last seen at 10:45; found gone at 10:46; a DELETE_FAILED of 10:45:04 arrives late
    // (a retry, whose events were lost, then deleted it).
    const records = [
      rec(API, '10:00', 'DELETE_IN_PROGRESS'),
      synthetic('10:45', 'DELETE_COMPLETE', { hms: '10:00', status: 'DELETE_IN_PROGRESS' }, '10:46'),
      rec(API, '10:45:04', 'DELETE_FAILED'),
    ];

    // Act
    const operations = deriveOperations(records);

    // Assess
    expect(operations.map(brief)).toEqual([
      {
        state: 'ended',
        type: 'DELETE',
        start: t('10:00'),
        end: t('10:45:04'),
        finalStatus: 'DELETE_FAILED',
        failed: true,
        statuses: ['DELETE_IN_PROGRESS', 'DELETE_FAILED'],
      },
      {
        state: 'ended',
        type: 'DELETE',
        start: t('10:45:04'),
        end: t('10:45:04'),
        finalStatus: 'DELETE_COMPLETE',
        failed: false,
        statuses: ['DELETE_COMPLETE'],
      },
    ]);
  });

  it('keeps a deletion made up from DescribeStacks when its start was lost and its real end arrives', () => {
    // Prepare: an update runs; DescribeStacks says DELETE_IN_PROGRESS at 10:51 (its event was
    // lost); then the update's own end (10:50:52) and the deletion's end (11:14:52) arrive.
    const records = [
      rec(API, '10:00:52', 'UPDATE_IN_PROGRESS'),
      synthetic('10:51', 'DELETE_IN_PROGRESS', { hms: '10:00:52', status: 'UPDATE_IN_PROGRESS' }),
      rec(API, '10:50:52', 'UPDATE_COMPLETE'),
      rec(API, '11:14:52', 'DELETE_COMPLETE'),
    ];

    // Act
    const operations = deriveOperations(records);

    // Assess
    expect(operations.map(brief)).toEqual([
      {
        state: 'ended',
        type: 'UPDATE',
        start: t('10:00:52'),
        end: t('10:50:52'),
        finalStatus: 'UPDATE_COMPLETE',
        failed: false,
        statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
      },
      {
        state: 'ended',
        type: 'DELETE',
        start: t('10:51'),
        end: t('11:14:52'),
        finalStatus: 'DELETE_COMPLETE',
        failed: false,
        statuses: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
      },
    ]);
  });

  it('does not let a real event the made-up one was made after, delivered again, take its place', () => {
    // Prepare
    const records = [
      rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
      rec(API, '10:00', 'UPDATE_ROLLBACK_IN_PROGRESS'),
      synthetic('10:45', 'DELETE_COMPLETE', { hms: '10:00', status: 'UPDATE_ROLLBACK_IN_PROGRESS' }),
      rec(API, '10:00', 'UPDATE_IN_PROGRESS', 'User Initiated'),
    ];

    // Act
    const kept = stackRecordsForRules(records);

    // Assess
    expect(kept.at(-1)?.synthetic).toBeDefined();
  });
});

describe('preferredRecord', () => {
  it.each([
    ['a reason over none', 'User Initiated', '', 'User Initiated'],
    ['a reason over none, either way round', '', 'User Initiated', 'User Initiated'],
    ['the smaller of two reasons', 'b', 'a', 'a'],
  ])('keeps %s', (_what, first, second, kept) => {
    // Prepare
    const a = rec(API, '10:00', 'DELETE_IN_PROGRESS', first);
    const b = rec(API, '10:00', 'DELETE_IN_PROGRESS', second);

    // Act
    const [ab, ba] = [preferredRecord(a, b), preferredRecord(b, a)];

    // Assess
    expect(ab.statusReason).toBe(kept);
    expect(ba.statusReason).toBe(kept);
  });
});

describe('canonicalRecords', () => {
  it('deduplicates and sorts into time order', () => {
    // Prepare
    const start = rec(API, '10:00', 'DELETE_IN_PROGRESS');
    const end = rec(API, '10:10', 'DELETE_COMPLETE');

    // Act
    const records = canonicalRecords([end, start, { ...end }, { ...start }]);

    // Assess
    expect(records).toEqual([start, end]);
  });
});

describe('operationStop / operationDuration', () => {
  it('gives a running operation no stop and a duration up to now', () => {
    // Prepare
    const [running] = deriveOperations([rec(API, '10:00', 'DELETE_IN_PROGRESS')]);
    if (!running) throw new Error('expected an operation');

    // Act
    const [stop, duration] = [operationStop(running), operationDuration(running, t('10:41'))];

    // Assess
    expect(stop).toBeNull();
    expect(duration).toBe(41 * MIN);
  });

  it('never gives a negative duration when now is before the start', () => {
    // Prepare
    const [running] = deriveOperations([rec(API, '10:00', 'DELETE_IN_PROGRESS')]);
    if (!running) throw new Error('expected an operation');

    // Act
    const duration = operationDuration(running, t('09:00'));

    // Assess
    expect(duration).toBe(0);
  });

  it('measures an ended operation to its end, whatever now is', () => {
    // Prepare
    const [ended] = deriveOperations([rec(API, '10:00', 'DELETE_IN_PROGRESS'), rec(API, '10:25', 'DELETE_COMPLETE')]);
    if (!ended) throw new Error('expected an operation');

    // Act
    const [early, late] = [operationDuration(ended, t('10:30')), operationDuration(ended, t('23:30'))];

    // Assess
    expect(early).toBe(25 * MIN);
    expect(late).toBe(25 * MIN);
  });
});

describe('statusRecordOf', () => {
  it.each([
    { case: 'keeps a reason of 300 characters whole', length: 300, kept: 300, ellipsis: false },
    { case: 'shortens a reason of 301 characters to 300 with an ellipsis', length: 301, kept: 300, ellipsis: true },
    { case: 'shortens a 4 KB reason to 300 characters', length: 4096, kept: 300, ellipsis: true },
  ])('$case', ({ length, kept, ellipsis }) => {
    // Prepare
    const reason = 'x'.repeat(length);

    // Act
    const record = statusRecordOf({ ...API, time: t('10:00'), status: 'UPDATE_FAILED', statusReason: reason });

    // Assess
    expect(record.statusReason).toHaveLength(kept);
    expect(record.statusReason.endsWith('…')).toBe(ellipsis);
    expect(record).toEqual({
      stackId: API.stackId,
      stackName: 'api',
      time: t('10:00'),
      status: 'UPDATE_FAILED',
      statusReason: record.statusReason,
    });
  });
});
