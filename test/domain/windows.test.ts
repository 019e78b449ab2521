import { describe, expect, it } from 'vitest';
import type { StatusRecord } from '../../shared/domain/operations.ts';
import type { OperationSeverity } from '../../shared/domain/severity.ts';
import { parseThresholds } from '../../shared/domain/thresholds.ts';
import { deriveWindows, type ImpactWindow, type WindowRules } from '../../shared/domain/windows.ts';
import { MIN, rec, stack, t } from './fixtures.ts';

const RULES: WindowRules = { thresholds: parseThresholds(), graceMs: 60 * MIN };

function win(
  start: string,
  end: string | null,
  peakSeverity: OperationSeverity,
  stacks: string[],
  awaiting: string | null = null,
): ImpactWindow {
  return {
    start: t(start),
    end: end === null ? null : t(end),
    peakSeverity,
    stacks,
    awaitingReplacementSince: awaiting === null ? null : t(awaiting),
  };
}

// The seed (DESIGN.md; events/incidents/README.md): the stack status events of the three stacks.
const CORE = stack('trustsource-core-prod', '091c23ec-9c34-11eb-9c3e-0a8f4e2b71d5');
const SCAN = stack('trustsource-scan-prod', 'c3348cd2-1b12-11ec-b0a7-06d21c93e4f7');
const V2 = stack('trustsource-scan-v2-prod', '6ab2b409-1b15-11ec-a8f1-0254c7e39ab2');
const SEED: readonly StatusRecord[] = [
  rec(CORE, '19:09:00', 'DELETE_IN_PROGRESS', 'User Initiated'),
  rec(SCAN, '19:33:14', 'CREATE_IN_PROGRESS', 'User Initiated'),
  rec(
    SCAN,
    '19:34:25',
    'ROLLBACK_IN_PROGRESS',
    'The following resource(s) failed to create: [ScanQueue]. Rollback requested by user.',
  ),
  rec(SCAN, '19:35:32', 'ROLLBACK_COMPLETE'),
  rec(SCAN, '19:38:05', 'DELETE_IN_PROGRESS', 'User Initiated'),
  rec(SCAN, '19:38:14', 'DELETE_COMPLETE'),
  rec(V2, '19:52:14', 'CREATE_IN_PROGRESS', 'User Initiated'),
  rec(CORE, '19:56:30', 'DELETE_COMPLETE'),
  rec(V2, '20:07:00', 'CREATE_COMPLETE'),
];
const SEED_NAMES = ['trustsource-core-prod', 'trustsource-scan-prod', 'trustsource-scan-v2-prod'];

const A = stack('a');
const B = stack('b');
const C = stack('c');

/** Stack A created long before, then deleted from 10:00 to 10:45 (45 min: CRITICAL); nothing else left. */
const A_DELETED: readonly StatusRecord[] = [
  rec(A, '08:00', 'CREATE_IN_PROGRESS'),
  rec(A, '08:05', 'CREATE_COMPLETE'),
  rec(A, '10:00', 'DELETE_IN_PROGRESS'),
  rec(A, '10:45', 'DELETE_COMPLETE'),
];

/** A stack that has been healthy since 08:05. */
const created = (on: typeof A): StatusRecord[] => [
  rec(on, '08:00', 'CREATE_IN_PROGRESS'),
  rec(on, '08:05', 'CREATE_COMPLETE'),
];

describe('deriveWindows', () => {
  describe('the seed incident', () => {
    it('gives one window 19:09–20:07 over the three stacks, peak FAILED', () => {
      // Act
      const windows = deriveWindows(SEED, t('20:30'), RULES);

      // Assess
      expect(windows).toEqual([win('19:09', '20:07', 'FAILED', SEED_NAMES)]);
    });

    it('is the same for every delivery order', () => {
      // Prepare
      const reversed = [...SEED].reverse();

      // Act
      const windows = deriveWindows(reversed, t('20:30'), RULES);

      // Assess
      expect(windows).toEqual([win('19:09', '20:07', 'FAILED', SEED_NAMES)]);
    });

    it.each([
      ['19:28:59', 'no window: the delete has run 19m59s', []],
      ['19:29:00', 'open since 19:09, WARNING', [win('19:09', null, 'WARNING', ['trustsource-core-prod'])]],
      [
        '19:34:00',
        'open, the second stack joined',
        [win('19:09', null, 'WARNING', ['trustsource-core-prod', 'trustsource-scan-prod'])],
      ],
      [
        '19:35:32',
        'open, FAILED by the ROLLBACK_COMPLETE',
        [win('19:09', null, 'FAILED', ['trustsource-core-prod', 'trustsource-scan-prod'])],
      ],
      [
        '19:49:00',
        'open, still FAILED at CRITICAL time',
        [win('19:09', null, 'FAILED', ['trustsource-core-prod', 'trustsource-scan-prod'])],
      ],
      ['19:56:30', 'open while the replacement is created', [win('19:09', null, 'FAILED', SEED_NAMES)]],
      ['20:06:59', 'open one second before the end', [win('19:09', null, 'FAILED', SEED_NAMES)]],
      ['20:07:00', 'closed at 20:07', [win('19:09', '20:07', 'FAILED', SEED_NAMES)]],
    ])('as of %s: %s', (now, _what, expected) => {
      // Act
      const windows = deriveWindows(SEED, t(now), RULES);

      // Assess
      expect(windows).toEqual(expected);
    });

    it('reports only 19:09–19:56:30 when the old stack is looked at on its own', () => {
      // Prepare
      const coreOnly = SEED.filter((record) => record.stackId === CORE.stackId);

      // Act
      const windows = deriveWindows(coreOnly, t('21:00'), RULES);

      // Assess
      expect(windows).toEqual([win('19:09', '19:56:30', 'CRITICAL', ['trustsource-core-prod'])]);
    });
  });

  describe('a service left with no stack', () => {
    it('keeps the window open while the grace runs, remembering the last DELETE_COMPLETE', () => {
      // Act
      const windows = deriveWindows(A_DELETED, t('11:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', null, 'CRITICAL', ['a'], '10:45')]);
    });

    it.each([
      ['11:44:59', 'still open, awaiting since 10:45', [win('10:00', null, 'CRITICAL', ['a'], '10:45')]],
      ['11:45:00', 'closed at 10:45', [win('10:00', '10:45', 'CRITICAL', ['a'])]],
      ['23:00:00', 'closed at 10:45', [win('10:00', '10:45', 'CRITICAL', ['a'])]],
    ])('as of %s, with the grace ending at 11:45 exclusive: %s', (now, _what, expected) => {
      // Act
      const windows = deriveWindows(A_DELETED, t(now), RULES);

      // Assess
      expect(windows).toEqual(expected);
    });

    it('closes at the last DELETE_COMPLETE when the grace ran out without a replacement', () => {
      // Prepare
      const records = [
        ...A_DELETED,
        ...created(B),
        rec(B, '10:10', 'DELETE_IN_PROGRESS'),
        rec(B, '10:50', 'DELETE_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:50', 'CRITICAL', ['a', 'b'])]);
    });

    it('follows the configured grace', () => {
      // Prepare
      const rules = { ...RULES, graceMs: 30 * MIN };

      // Act
      const [before, after] = [
        deriveWindows(A_DELETED, t('11:14:59'), rules),
        deriveWindows(A_DELETED, t('11:15'), rules),
      ];

      // Assess
      expect(before).toEqual([win('10:00', null, 'CRITICAL', ['a'], '10:45')]);
      expect(after).toEqual([win('10:00', '10:45', 'CRITICAL', ['a'])]);
    });

    it('treats a replacement appearing exactly at DELETE_COMPLETE + grace as too late', () => {
      // Prepare
      const records = [...A_DELETED, rec(B, '11:45', 'CREATE_IN_PROGRESS'), rec(B, '11:50', 'CREATE_COMPLETE')];

      // Act
      const windows = deriveWindows(records, t('13:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:45', 'CRITICAL', ['a'])]);
    });

    it('keeps the window open until a replacement appearing within the grace is healthy', () => {
      // Prepare
      const records = [...A_DELETED, rec(B, '11:44:59', 'CREATE_IN_PROGRESS'), rec(B, '11:50', 'CREATE_COMPLETE')];

      // Act
      const windows = deriveWindows(records, t('13:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '11:50', 'CRITICAL', ['a', 'b'])]);
    });

    it('stops waiting for a replacement once one exists, although it is not healthy yet', () => {
      // Prepare
      const records = [...A_DELETED, rec(B, '11:30', 'CREATE_IN_PROGRESS')];

      // Act
      const windows = deriveWindows(records, t('13:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', null, 'CRITICAL', ['a', 'b'])]);
    });

    it('keeps the window open when the replacement fails, and takes its FAILED as the peak', () => {
      // Prepare
      const records = [
        ...A_DELETED,
        rec(B, '11:00', 'CREATE_IN_PROGRESS'),
        rec(B, '11:02', 'ROLLBACK_IN_PROGRESS'),
        rec(B, '11:04', 'ROLLBACK_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('14:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', null, 'FAILED', ['a', 'b'])]);
    });

    it(
      're-creates the stack under the same name with a new id within the grace: one window until it is ' + 'healthy',
      () => {
        // Prepare
        const again = stack('a', '99999999-1b15-11ec-a8f1-0254c7e39ab2');
        const records = [
          ...A_DELETED,
          rec(again, '11:10', 'CREATE_IN_PROGRESS'),
          rec(again, '11:20', 'CREATE_COMPLETE'),
        ];

        // Act
        const windows = deriveWindows(records, t('13:00'), RULES);

        // Assess
        expect(windows).toEqual([win('10:00', '11:20', 'CRITICAL', ['a'])]);
      },
    );

    it('opens a second window for a slow replacement after the grace ran out', () => {
      // Prepare
      const records = [...A_DELETED, rec(B, '12:00', 'CREATE_IN_PROGRESS'), rec(B, '12:25', 'CREATE_COMPLETE')];

      // Act
      const windows = deriveWindows(records, t('13:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:45', 'CRITICAL', ['a']), win('12:00', '12:25', 'WARNING', ['b'])]);
    });
  });

  describe('a stack only in REVIEW_IN_PROGRESS', () => {
    it('does not exist yet: it neither stops the grace nor joins the stacks', () => {
      // Prepare
      const records = [...A_DELETED, rec(B, '11:00', 'REVIEW_IN_PROGRESS', 'User Initiated')];

      // Act
      const [during, after] = [deriveWindows(records, t('11:30'), RULES), deriveWindows(records, t('12:00'), RULES)];

      // Assess
      expect(during).toEqual([win('10:00', null, 'CRITICAL', ['a'], '10:45')]);
      expect(after).toEqual([win('10:00', '10:45', 'CRITICAL', ['a'])]);
    });

    // DESIGN.md, "Impact windows": "one only in REVIEW_IN_PROGRESS does not exist yet", and the
    // grace runs from "the last DELETE_COMPLETE" of a service "left with no stack at all". A change
    // set that is abandoned (REVIEW_IN_PROGRESS, then DELETE_COMPLETE) never made a stack exist,
    // so it cannot leave the service with no stack again: the grace still ends at 10:45 + 60 min
    // and the window at 10:45.
    it('ignores the DELETE_COMPLETE of a stack that never left REVIEW_IN_PROGRESS', () => {
      // Prepare
      const records = [
        ...A_DELETED,
        rec(B, '11:00', 'REVIEW_IN_PROGRESS', 'User Initiated'),
        rec(B, '11:30', 'DELETE_COMPLETE'),
      ];

      // Act
      const [during, after] = [deriveWindows(records, t('11:40'), RULES), deriveWindows(records, t('13:00'), RULES)];

      // Assess
      expect(during).toEqual([win('10:00', null, 'CRITICAL', ['a'], '10:45')]);
      expect(after).toEqual([win('10:00', '10:45', 'CRITICAL', ['a'])]);
    });

    it('joins the window when its change set is executed within the grace', () => {
      // Prepare
      const records = [
        ...A_DELETED,
        rec(B, '11:00', 'REVIEW_IN_PROGRESS', 'User Initiated'),
        rec(B, '11:40', 'CREATE_IN_PROGRESS'),
        rec(B, '11:45', 'CREATE_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('13:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '11:45', 'CRITICAL', ['a', 'b'])]);
    });
  });

  describe('closing', () => {
    it('counts UPDATE_ROLLBACK_COMPLETE as healthy: the previous version serves again', () => {
      // Prepare
      const records = [
        ...created(A),
        rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(A, '10:30', 'UPDATE_ROLLBACK_IN_PROGRESS'),
        rec(A, '10:35', 'UPDATE_ROLLBACK_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:35', 'FAILED', ['a'])]);
    });

    it('keeps the window open while the only stack is in a failure status (DELETE_FAILED)', () => {
      // Prepare
      const records = [...created(A), rec(A, '10:00', 'DELETE_IN_PROGRESS'), rec(A, '10:10', 'DELETE_FAILED')];

      // Act
      const windows = deriveWindows(records, t('16:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', null, 'FAILED', ['a'])]);
    });

    it('closes a DELETE_FAILED window when the retried delete leaves no stack and the grace runs out', () => {
      // Prepare
      const records = [
        ...created(A),
        rec(A, '10:00', 'DELETE_IN_PROGRESS'),
        rec(A, '10:10', 'DELETE_FAILED'),
        rec(A, '12:30', 'DELETE_IN_PROGRESS'),
        rec(A, '12:35', 'DELETE_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('14:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '12:35', 'FAILED', ['a'])]);
    });

    it('closes when another stack of the service is healthy and nothing runs', () => {
      // Prepare
      const records = [
        ...created(A),
        ...created(B),
        rec(B, '10:00', 'DELETE_IN_PROGRESS'),
        rec(B, '10:10', 'DELETE_FAILED'),
      ];

      // Act
      const windows = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:10', 'FAILED', ['b'])]);
    });

    it('waits for every stack of the service to finish, not just the one that opened the window', () => {
      // Prepare
      const records = [
        ...created(A),
        ...created(B),
        rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(A, '10:45', 'UPDATE_COMPLETE'),
        rec(B, '10:40', 'UPDATE_IN_PROGRESS'),
        rec(B, '10:50', 'UPDATE_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:50', 'CRITICAL', ['a', 'b'])]);
    });

    it(
      'applies the events of one second together: a stack starting to delete as the other completes keeps it ' + 'open',
      () => {
        // Prepare
        const records = [
          ...created(A),
          ...created(B),
          rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
          rec(A, '10:45', 'UPDATE_COMPLETE'),
          rec(B, '10:45', 'DELETE_IN_PROGRESS'),
          rec(B, '10:50', 'DELETE_COMPLETE'),
        ];

        // Act
        const windows = deriveWindows(records, t('12:00'), RULES);

        // Assess
        expect(windows).toEqual([win('10:00', '10:50', 'CRITICAL', ['a', 'b'])]);
      },
    );

    it(
      'applies the events of one second together: a failure at the closing second joins the window instead of ' +
        'opening another',
      () => {
        // Prepare: D's UPDATE_FAILED (its start was never seen) shares the second A completes.
        const D = stack('d');
        const records = [
          ...created(A),
          ...created(D),
          rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
          rec(A, '10:45', 'UPDATE_COMPLETE'),
          rec(D, '10:45', 'UPDATE_FAILED'),
        ];

        // Act
        const windows = deriveWindows(records, t('12:00'), RULES);

        // Assess
        expect(windows).toEqual([win('10:00', '10:45', 'FAILED', ['a', 'd'])]);
      },
    );

    it('opens and closes at once for a failure that needed no time while another stack is healthy', () => {
      // Prepare
      const records = [...created(A), ...created(B), rec(B, '10:00', 'UPDATE_FAILED')];

      // Act
      const windows = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:00', 'FAILED', ['b'])]);
    });
  });

  describe('opening', () => {
    it.each([
      ['19m59s', '10:19:59'],
      ['5 min', '10:05'],
    ])('opens nothing for an operation without a severity (%s)', (_what, end) => {
      // Prepare
      const records = [...created(A), rec(A, '10:00', 'UPDATE_IN_PROGRESS'), rec(A, end, 'UPDATE_COMPLETE')];

      // Act
      const windows = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(windows).toEqual([]);
    });

    it('opens nothing for a running operation under the warn threshold', () => {
      // Prepare
      const records = [...created(A), rec(A, '10:00', 'UPDATE_IN_PROGRESS')];

      // Act
      const windows = deriveWindows(records, t('10:19:59'), RULES);

      // Assess
      expect(windows).toEqual([]);
    });

    it.each([
      ['exactly the warn threshold', '10:20', 'WARNING'],
      ['between the thresholds', '10:39:59', 'WARNING'],
      ['exactly the critical threshold', '10:40', 'CRITICAL'],
    ] as const)(
      'opens a window back-dated to the start for an operation delivered late that ran %s',
      (_what, end, peak) => {
        // Prepare: every event arrives after the operation ended; no alert ever went out.
        const records = [
          ...created(A),
          ...created(B),
          rec(A, '10:00', 'DELETE_IN_PROGRESS'),
          rec(A, end, 'DELETE_COMPLETE'),
        ];

        // Act
        const windows = deriveWindows(records, t('23:00'), RULES);

        // Assess
        expect(windows).toEqual([win('10:00', end, peak, ['a'])]);
      },
    );

    it('uses the thresholds of the operation type', () => {
      // Prepare
      const rules = { ...RULES, thresholds: parseThresholds('DELETE=10m/15m,*=20m/40m') };
      const records = [
        ...created(A),
        ...created(B),
        rec(A, '10:00', 'DELETE_IN_PROGRESS'),
        rec(A, '10:12', 'DELETE_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('23:00'), rules);

      // Assess
      expect(windows).toEqual([win('10:00', '10:12', 'WARNING', ['a'])]);
    });

    it('opens at the start of an abandoned operation that ran long before the next one began', () => {
      // Prepare: the UPDATE's terminal event never arrived; it counts until the DELETE began.
      const records = [
        ...created(A),
        ...created(B),
        rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(A, '10:25', 'DELETE_IN_PROGRESS'),
        rec(A, '10:26', 'DELETE_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('23:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:26', 'WARNING', ['a'])]);
    });

    it('ignores events after now', () => {
      // Prepare
      const records = [...created(A), rec(A, '10:00', 'UPDATE_IN_PROGRESS'), rec(A, '10:30', 'UPDATE_COMPLETE')];

      // Act
      const windows = deriveWindows(records, t('10:25'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', null, 'WARNING', ['a'])]);
    });
  });

  describe('further operations', () => {
    it('extend the open window instead of opening a second one', () => {
      // Prepare
      const records = [
        ...created(A),
        ...created(B),
        rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(B, '10:10', 'UPDATE_IN_PROGRESS'),
        rec(B, '10:35', 'UPDATE_COMPLETE'),
        rec(A, '10:45', 'UPDATE_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:45', 'CRITICAL', ['a', 'b'])]);
    });

    it('open a new window after the previous one closed', () => {
      // Prepare
      const records = [
        ...created(A),
        rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(A, '10:45', 'UPDATE_COMPLETE'),
        rec(A, '12:00', 'UPDATE_IN_PROGRESS'),
        rec(A, '12:05', 'UPDATE_ROLLBACK_IN_PROGRESS'),
        rec(A, '12:10', 'UPDATE_ROLLBACK_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('13:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:45', 'CRITICAL', ['a']), win('12:00', '12:10', 'FAILED', ['a'])]);
    });
  });

  describe('peakSeverity', () => {
    it.each([
      ['WARNING and CRITICAL', '10:25', 'UPDATE_COMPLETE', 'CRITICAL'],
      ['CRITICAL and FAILED', '10:05', 'UPDATE_FAILED', 'FAILED'],
      ['CRITICAL and nothing', '10:05', 'UPDATE_COMPLETE', 'CRITICAL'],
    ] as const)('is the highest severity of its operations (%s)', (_what, bEnd, bStatus, peak) => {
      // Prepare: A updates for 45 min (CRITICAL); B updates from 10:00 inside the same window.
      const records = [
        ...created(A),
        ...created(B),
        rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(A, '10:45', 'UPDATE_COMPLETE'),
        rec(B, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(B, bEnd, bStatus),
      ];

      // Act
      const windows = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(windows.map((window) => window.peakSeverity)).toEqual([peak]);
    });

    it('does not take a severity from an operation of another window', () => {
      // Prepare
      const records = [
        ...created(A),
        rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(A, '10:25', 'UPDATE_COMPLETE'),
        rec(A, '12:00', 'UPDATE_IN_PROGRESS'),
        rec(A, '12:01', 'UPDATE_FAILED'),
      ];

      // Act
      const windows = deriveWindows(records, t('13:00'), RULES);

      // Assess
      expect(windows.map((window) => window.peakSeverity)).toEqual(['WARNING', 'FAILED']);
    });
  });

  describe('stacks', () => {
    it('lists the stacks by their first status event inside the window, leaving out those with none there', () => {
      // Prepare
      const records = [
        ...created(A),
        ...created(B),
        ...created(C),
        rec(stack('quiet'), '08:00', 'CREATE_IN_PROGRESS'),
        rec(stack('quiet'), '08:01', 'CREATE_COMPLETE'),
        rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(C, '10:02', 'UPDATE_IN_PROGRESS'),
        rec(B, '10:05', 'UPDATE_IN_PROGRESS'),
        rec(B, '10:06', 'UPDATE_COMPLETE'),
        rec(C, '10:07', 'UPDATE_COMPLETE'),
        rec(A, '10:30', 'UPDATE_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:30', 'WARNING', ['a', 'c', 'b'])]);
    });

    it('counts a stack whose only event inside the window is its DELETE_COMPLETE (it exists until then)', () => {
      // Prepare: B's short deletion began before the window and ends inside it.
      const records = [
        ...created(A),
        ...created(B),
        rec(B, '09:55', 'DELETE_IN_PROGRESS'),
        rec(A, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(B, '10:05', 'DELETE_COMPLETE'),
        rec(A, '10:45', 'UPDATE_COMPLETE'),
      ];

      // Act
      const windows = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(windows).toEqual([win('10:00', '10:45', 'CRITICAL', ['a', 'b'])]);
    });

    it('counts a stack whose event shares the second the window opens at', () => {
      // Prepare
      const records = [
        ...created(A),
        ...created(B),
        rec(B, '10:00', 'CREATE_IN_PROGRESS'),
        rec(B, '10:00:30', 'CREATE_COMPLETE'),
        rec(A, '10:00', 'DELETE_IN_PROGRESS'),
        rec(A, '10:45', 'DELETE_COMPLETE'),
      ];

      // Act
      const [window] = deriveWindows(records, t('12:00'), RULES);

      // Assess
      expect(window?.start).toBe(t('10:00'));
      expect(window?.end).toBe(t('10:45'));
      expect([...(window?.stacks ?? [])].sort()).toEqual(['a', 'b']);
    });

    it('names a stack once, also when a new stack of the same name replaces it', () => {
      // Prepare
      const again = stack('a', '99999999-1b15-11ec-a8f1-0254c7e39ab2');
      const records = [...A_DELETED, rec(again, '11:00', 'CREATE_IN_PROGRESS'), rec(again, '11:05', 'CREATE_COMPLETE')];

      // Act
      const windows = deriveWindows(records, t('13:00'), RULES);

      // Assess
      expect(windows.map((window) => window.stacks)).toEqual([['a']]);
    });
  });

  it('derives nothing from no events', () => {
    // Act
    const windows = deriveWindows([], t('12:00'), RULES);

    // Assess
    expect(windows).toEqual([]);
  });
});
