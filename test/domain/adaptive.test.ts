import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ADAPTIVE,
  durationsOf,
  effectiveThreshold,
  explainThreshold,
  KEPT_DURATIONS_PER_TYPE,
  keptDurations,
  p95,
  type PastDuration,
} from '../../shared/domain/adaptive.ts';
import { deriveOperations } from '../../shared/domain/operations.ts';
import type { OperationType } from '../../shared/domain/status.ts';
import { parseThresholds, thresholdFor } from '../../shared/domain/thresholds.ts';
import { rec, t } from './fixtures.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const START = Date.parse('2021-09-21T12:00:00Z');
const AUTO = parseThresholds('UPDATE=auto,*=20m/40m');

/** `count` updates of `minutes` each, ended an hour apart before START. */
const updates = (minutes: readonly number[]): PastDuration[] =>
  minutes.map((ms, index) => ({ type: 'UPDATE', end: START - (index + 1) * 60 * MIN, ms: ms * MIN }));

describe('p95', () => {
  it.each([
    [[4], 4],
    [[1, 2, 3, 4, 100], 100],
    [Array.from({ length: 20 }, (_, index) => index + 1), 19],
    [Array.from({ length: 100 }, (_, index) => 100 - index), 95],
  ])('of %j is %i (nearest rank)', (values, expected) => {
    expect(p95(values)).toBe(expected);
  });
});

describe('effectiveThreshold', () => {
  it.each([
    [
      'fewer than 5 updates',
      updates([4, 4, 4, 4]),
      { warnMs: 20 * MIN, criticalMs: 40 * MIN, rule: { kind: 'fixed' } },
    ],
    [
      '12 updates of about 4 minutes',
      updates([3, 4, 4, 3, 4, 4, 2, 4, 3, 4, 4, 4]),
      { warnMs: 8 * MIN, criticalMs: 16 * MIN, rule: { kind: 'adaptive', p95Ms: 4 * MIN, operations: 12 } },
    ],
    [
      'quick updates, held at the 5-minute floor',
      updates([1, 1, 1, 1, 1]),
      { warnMs: 5 * MIN, criticalMs: 5 * MIN, rule: { kind: 'adaptive', p95Ms: MIN, operations: 5 } },
    ],
    [
      'slow updates, held at the fixed ceiling',
      updates([15, 15, 15, 15, 15]),
      { warnMs: 20 * MIN, criticalMs: 40 * MIN, rule: { kind: 'adaptive', p95Ms: 15 * MIN, operations: 5 } },
    ],
  ] as const)('with %s', (_, durations, expected) => {
    // Act
    const threshold = effectiveThreshold(AUTO, 'UPDATE', START, durations, DEFAULT_ADAPTIVE);

    // Assess
    expect(threshold).toEqual(expected);
  });

  it('counts only the type, the operations that ended before the start, and within 30 days', () => {
    // Prepare: 5 updates of 4 minutes that count, and ones that do not.
    const counted = updates([4, 4, 4, 4, 4]);
    const others: PastDuration[] = [
      { type: 'DELETE', end: START - MIN, ms: 60 * MIN },
      { type: 'UPDATE', end: START + MIN, ms: 60 * MIN },
      { type: 'UPDATE', end: START - 31 * DAY, ms: 60 * MIN },
    ];

    // Act
    const threshold = effectiveThreshold(AUTO, 'UPDATE', START, [...others, ...counted], DEFAULT_ADAPTIVE);

    // Assess
    expect(threshold.rule).toEqual({ kind: 'adaptive', p95Ms: 4 * MIN, operations: 5 });
  });

  it('leaves a type not marked auto on its fixed thresholds, however much history it has', () => {
    const deletes = updates([4, 4, 4, 4, 4, 4]).map((past) => ({ ...past, type: 'DELETE' as const }));
    expect(effectiveThreshold(AUTO, 'DELETE', START, deletes, DEFAULT_ADAPTIVE)).toEqual({
      warnMs: 20 * MIN,
      criticalMs: 40 * MIN,
      rule: { kind: 'fixed' },
    });
  });

  const durationsArb = fc.array(
    fc.record({
      type: fc.constantFrom<OperationType>('CREATE', 'UPDATE', 'DELETE', 'IMPORT'),
      end: fc.integer({ min: START - 40 * DAY, max: START + DAY }),
      ms: fc.integer({ min: 0, max: 3 * 60 * MIN }),
    }),
    { maxLength: 40 },
  );
  const settingsArb = fc.record({
    k: fc.double({ min: 0.5, max: 5, noNaN: true }),
    floorMs: fc.integer({ min: 0, max: 30 * MIN }),
    minOperations: fc.integer({ min: 1, max: 10 }),
    lookbackMs: fc.integer({ min: DAY, max: 60 * DAY }),
  });
  const specArb = fc.constantFrom('UPDATE=auto,*=20m/40m', '*=auto:30m/1h', 'UPDATE=auto:5m/6m,*=2h/3h');
  const typeArb = fc.constantFrom<OperationType>('CREATE', 'UPDATE', 'DELETE', 'IMPORT');

  it('is never later than the fixed thresholds', () => {
    fc.assert(
      fc.property(specArb, typeArb, durationsArb, settingsArb, (spec, type, durations, settings) => {
        const thresholds = parseThresholds(spec);
        const fixed = thresholdFor(thresholds, type);
        const threshold = effectiveThreshold(thresholds, type, START, durations, settings);
        expect(threshold.warnMs).toBeLessThanOrEqual(fixed.warnMs);
        expect(threshold.criticalMs).toBeLessThanOrEqual(fixed.criticalMs);
        expect(threshold.warnMs).toBeLessThanOrEqual(threshold.criticalMs);
      }),
    );
  });

  it('is monotone in k: a larger k never escalates earlier', () => {
    fc.assert(
      fc.property(
        typeArb,
        durationsArb,
        settingsArb,
        fc.double({ min: 0, max: 3, noNaN: true }),
        (type, durations, settings, more) => {
          const thresholds = parseThresholds('*=auto:1h/2h');
          const low = effectiveThreshold(thresholds, type, START, durations, settings);
          const high = effectiveThreshold(thresholds, type, START, durations, { ...settings, k: settings.k + more });
          expect(high.warnMs).toBeGreaterThanOrEqual(low.warnMs);
          expect(high.criticalMs).toBeGreaterThanOrEqual(low.criticalMs);
        },
      ),
    );
  });

  it('depends on the durations, not on their order', () => {
    fc.assert(
      fc.property(
        typeArb,
        durationsArb.chain((durations) =>
          fc.tuple(fc.constant(durations), fc.shuffledSubarray(durations, { minLength: durations.length })),
        ),
        (type, [durations, shuffled]) => {
          const thresholds = parseThresholds('*=auto:1h/2h');
          expect(effectiveThreshold(thresholds, type, START, shuffled, DEFAULT_ADAPTIVE)).toEqual(
            effectiveThreshold(thresholds, type, START, durations, DEFAULT_ADAPTIVE),
          );
        },
      ),
    );
  });
});

describe('durationsOf', () => {
  it('keeps the operations that ended successfully, with how long they took', () => {
    // Prepare: a quick update, one rolled back, a deletion still running.
    const operations = deriveOperations([
      rec({ stackId: 'a', stackName: 'a' }, '10:00', 'UPDATE_IN_PROGRESS'),
      rec({ stackId: 'a', stackName: 'a' }, '10:04', 'UPDATE_COMPLETE'),
      rec({ stackId: 'a', stackName: 'a' }, '11:00', 'UPDATE_IN_PROGRESS'),
      rec({ stackId: 'a', stackName: 'a' }, '11:09', 'UPDATE_ROLLBACK_COMPLETE'),
      rec({ stackId: 'a', stackName: 'a' }, '12:00', 'DELETE_IN_PROGRESS'),
    ]);

    // Act
    const durations = durationsOf(operations);

    // Assess
    expect(durations).toEqual([{ type: 'UPDATE', end: t('10:04'), ms: 4 * MIN }]);
  });
});

describe('keptDurations', () => {
  it(`keeps the newest ${KEPT_DURATIONS_PER_TYPE} of each type within the lookback, oldest first`, () => {
    // Prepare
    const many: PastDuration[] = Array.from({ length: 50 }, (_, index) => ({
      type: index % 2 === 0 ? 'UPDATE' : 'DELETE',
      end: START - index * DAY,
      ms: index * MIN,
    }));

    // Act
    const kept = keptDurations(many, START, DEFAULT_ADAPTIVE);

    // Assess: within 30 days 16 updates and 15 deletions ended; all are kept.
    expect(kept.filter((past) => past.type === 'UPDATE')).toHaveLength(16);
    expect(kept.filter((past) => past.type === 'DELETE')).toHaveLength(15);
    expect(kept.map((past) => past.end)).toEqual([...kept.map((past) => past.end)].sort((a, b) => a - b));
    const bounded = keptDurations(many, START, { lookbackMs: 365 * DAY });
    expect(bounded.filter((past) => past.type === 'UPDATE')).toHaveLength(KEPT_DURATIONS_PER_TYPE);
    expect(bounded.filter((past) => past.type === 'UPDATE').at(-1)?.end).toBe(START);
  });
});

describe('explainThreshold', () => {
  it.each([
    [
      { kind: 'adaptive', p95Ms: 4 * MIN, operations: 12 },
      744_000,
      'UPDATE',
      "3.1× this stack's usual 4 min (p95 of 12 updates)",
    ],
    [{ kind: 'fixed' }, 744_000, 'UPDATE', null],
  ] as const)('explains %o after %i ms of %s as %s', (rule, elapsed, type, expected) => {
    expect(explainThreshold(rule, elapsed, type)).toBe(expected);
  });
});
