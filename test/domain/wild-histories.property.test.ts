/**
 * Histories nobody designed for (DESIGN.md, amended 2026-12-05): any statuses of a few stacks,
 * many in one second, some dated after their stack's DELETE_COMPLETE, some made up from
 * DescribeStacks and overtaken by real events, in any order. Whatever comes in: the result
 * depends only on the set, no window ends before it starts, windows never overlap, and announcing
 * them ends (no event claimed twice, no publish loop).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import type { StatusRecord } from '../../shared/domain/operations.ts';
import { emptyFixture, viewService, withStatusRecord, type ServiceFixture } from '../support/service-fixture.ts';
import { STACK_STATUSES } from '../../shared/domain/status.ts';
import {
  planWindowAnnouncements,
  sameAnnouncement,
  type WindowAnnouncement,
} from '../../shared/domain/window-events.ts';
import { MIN, stack, t } from './fixtures.ts';

const STACKS = [stack('api'), stack('api', 'replacement-uuid'), stack('api-worker')];
const START = t('10:00');

const statusArb = fc.oneof(
  { arbitrary: fc.constantFrom(...STACK_STATUSES), weight: 8 },
  {
    arbitrary: fc.constantFrom('DELETE_COMPLETE', 'DELETE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'),
    weight: 4,
  },
  { arbitrary: fc.constant('SOMETHING_NEW_IN_PROGRESS'), weight: 1 },
);

/** A minute grid with seconds 0 or 30, so that many records share a second. */
const timeArb = fc
  .tuple(fc.nat({ max: 180 }), fc.constantFrom(0, 30_000))
  .map(([minutes, seconds]) => START + minutes * MIN + seconds);

const realArb: fc.Arbitrary<StatusRecord> = fc
  .record({ on: fc.constantFrom(...STACKS), time: timeArb, status: statusArb })
  .map(({ on, time, status }) => ({ stackId: on.stackId, stackName: on.stackName, time, status, statusReason: '' }));

const syntheticArb: fc.Arbitrary<StatusRecord> = fc
  .record({
    real: realArb,
    basis: fc.option(fc.record({ time: timeArb, status: statusArb }), { nil: null }),
    askedLater: fc.nat({ max: 10 * MIN }),
  })
  .map(({ real, basis, askedLater }) => ({ ...real, synthetic: { basis, askedAt: real.time + askedLater } }));

const historyArb = fc.array(fc.oneof({ arbitrary: realArb, weight: 6 }, { arbitrary: syntheticArb, weight: 1 }), {
  minLength: 1,
  maxLength: 40,
});

function stateOf(records: readonly StatusRecord[]): ServiceFixture {
  return records.reduce(
    (state, record) => withStatusRecord(state, record).state,
    emptyFixture({ account: '123456789012', region: 'eu-west-1', service: 'api' }),
  );
}

const NOW = START + 5 * 60 * MIN;

describe('wild histories (property)', () => {
  it('give the same operations and windows in any delivery order', () => {
    fc.assert(
      fc.property(
        historyArb.chain((records) =>
          fc.tuple(fc.constant(records), fc.shuffledSubarray(records, { minLength: records.length })),
        ),
        ([records, shuffled]) => {
          // Act
          const [inOrder, disordered] = [
            viewService(stateOf(records), NOW, DEFAULT_CONFIG),
            viewService(stateOf(shuffled), NOW, DEFAULT_CONFIG),
          ];

          // Assess
          expect(disordered.operations.map((view) => view.operation)).toEqual(
            inOrder.operations.map((view) => view.operation),
          );
          expect(disordered.windows).toEqual(inOrder.windows);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never give a window that ends before it starts, nor two that overlap, at any moment', () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 0, max: 5 * 60 }), (records, minutes) => {
        // Act
        const { windows } = viewService(stateOf(records), START + minutes * MIN, DEFAULT_CONFIG);

        // Assess
        windows.forEach((window, index) => {
          if (window.end !== null) expect(window.end).toBeGreaterThanOrEqual(window.start);
          const next = windows[index + 1];
          if (next) expect(window.end !== null && window.end < next.start).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('are announced in a bounded number of events, none claimed twice, as the history grows and time passes', () => {
    fc.assert(
      fc.property(historyArb, (records) => {
        // Prepare
        let state = emptyFixture({ account: '123456789012', region: 'eu-west-1', service: 'api' });
        let announced: WindowAnnouncement[] = [];
        const sorted = [...records].sort((a, b) => a.time - b.time);

        // Act: after each event and at a late sweep, claim what is due and publish it at once,
        // as the outbox does, until nothing more is due.
        const settle = (now: number): void => {
          for (let round = 0; ; round++) {
            const { due } = planWindowAnnouncements(viewService(state, now, DEFAULT_CONFIG).windows, announced, now);
            if (due.length === 0) return;
            // Assess (inside the loop: this is what once looped forever)
            expect(round).toBeLessThan(10);
            for (const item of due) expect(announced.some((kept) => sameAnnouncement(kept, item))).toBe(false);
            announced = [...announced, ...due.map((item) => ({ ...item, sentAt: now }))];
          }
        };
        for (const record of sorted) {
          state = withStatusRecord(state, record).state;
          settle(record.time);
        }
        settle(NOW);

        // Assess
        expect(announced.length).toBeLessThanOrEqual(4 * sorted.length + 4);
      }),
      { numRuns: 300 },
    );
  });
});
