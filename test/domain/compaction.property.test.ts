import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationsOf, KEPT_DURATIONS_PER_TYPE } from '../../shared/domain/adaptive.ts';
import { compactStack, pagesHolding, unfold, type FoldedPage } from '../../shared/domain/compaction.ts';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import { canonicalRecords, deriveOperations, type StatusRecord } from '../../shared/domain/operations.ts';
import { stackOperations } from '../../shared/domain/operation-view.ts';
import { emptyStackState, withStatusRecord, type StackState } from '../../shared/domain/stack-state.ts';
import { historyArb, SERVICE_RULES } from '../support/histories.ts';

const HOUR = 3_600_000;
const key = { account: '123456789012', region: 'eu-west-1', service: 'alpha' };

/** The events of one stack (the one a history has most of). */
const stackHistory = historyArb.map((records) => {
  const counts = new Map<string, number>();
  for (const record of records) counts.set(record.stackId, (counts.get(record.stackId) ?? 0) + 1);
  const busiest = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  return records.filter((record) => record.stackId === busiest);
});

/** A busy stack: it may hold only 4 events; a horizon no history reaches. */
const bySize: WatchdogConfig = {
  ...DEFAULT_CONFIG,
  serviceRules: SERVICE_RULES,
  lateEventHorizonMs: 30 * 24 * HOUR,
  maxStackRecords: 4,
};
/** Old history: a 20-minute horizon makes most of it fold for good. */
const byAge: WatchdogConfig = { ...DEFAULT_CONFIG, serviceRules: SERVICE_RULES, lateEventHorizonMs: 20 * 60_000 };

interface Live {
  readonly state: StackState;
  readonly pages: ReadonlyMap<string, FoldedPage>;
  readonly folds: number;
  readonly reachedBack: number;
}

/** Delivers records at the given times as the event handler would: bring back what a late one needs, add, fold. */
function live(deliveries: readonly { record: StatusRecord; at: number }[], config: WatchdogConfig): Live {
  const first = deliveries[0]?.record;
  let state = emptyStackState(key, first?.stackId ?? 'none', first?.stackName ?? 'none');
  const pages = new Map<string, FoldedPage>();
  let folds = 0;
  let reachedBack = 0;
  for (const { record, at } of deliveries) {
    const refs = pagesHolding(state, record.time) ?? [];
    if (refs.length > 0) {
      reachedBack += 1;
      state = unfold(
        state,
        refs,
        refs.map((ref) => pages.get(ref.id) as FoldedPage),
      );
    }
    state = withStatusRecord(state, record).state;
    const folded = compactStack(state, at, config);
    if (!folded) continue;
    folds += 1;
    const refsOfNew = folded.pages.map((page, index) => ({
      id: `${at}-${index}`,
      from: page.since?.asOf ?? null,
      cut: page.cut,
    }));
    for (const [index, page] of folded.pages.entries()) pages.set(`${at}-${index}`, page);
    state = { ...folded.state, folded: [...folded.state.folded, ...refsOfNew] };
  }
  return { state, pages, folds, reachedBack };
}

const onTime = (records: readonly StatusRecord[]) =>
  canonicalRecords(records).map((record) => ({ record, at: record.time }));

describe('compactStack', () => {
  it('keeps every operation after the fold exactly as the whole history gives it', () => {
    let foldedRuns = 0;
    fc.assert(
      fc.property(stackHistory, (records) => {
        // Act
        const { state, folds } = live(onTime(records), bySize);
        foldedRuns += folds > 0 ? 1 : 0;

        // Assess
        const asOf = state.baseline?.asOf ?? Number.NEGATIVE_INFINITY;
        expect(stackOperations(state).operations).toEqual(
          deriveOperations(records).filter((operation) => operation.start > asOf),
        );
      }),
      { numRuns: 300 },
    );
    expect(foldedRuns).toBeGreaterThan(100);
  });

  it('loses nothing within the horizon: every page brought back gives the whole history again', () => {
    fc.assert(
      fc.property(stackHistory, (records) => {
        // Prepare
        const { state, pages } = live(onTime(records), bySize);

        // Act
        const whole = unfold(
          state,
          state.folded,
          state.folded.map((ref) => pages.get(ref.id) as FoldedPage),
        );

        // Assess
        expect(whole.baseline).toBeNull();
        expect(canonicalRecords(whole.records)).toEqual(canonicalRecords(records));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['by size', bySize],
    ['by age, for good', byAge],
  ])('keeps how long every successful operation took when it folds %s, and after pages come back', (_, config) => {
    // The durations adaptive thresholds read: those folded out, then those still in the records.
    const durations = (state: StackState) =>
      [...state.pastDurations, ...durationsOf(stackOperations(state).operations)].sort(
        (a, b) => a.end - b.end || a.ms - b.ms,
      );
    fc.assert(
      fc.property(stackHistory, (records) => {
        // Prepare: no history is old enough to leave the lookback nor long enough to be cut.
        const whole = durationsOf(deriveOperations(records));
        fc.pre(whole.length <= KEPT_DURATIONS_PER_TYPE);

        // Act
        const { state, pages } = live(onTime(records), config);
        const back = unfold(
          state,
          state.folded,
          state.folded.map((ref) => pages.get(ref.id) as FoldedPage),
        );

        // Assess
        const expected = whole.sort((a, b) => a.end - b.end || a.ms - b.ms);
        expect(durations(state)).toEqual(expected);
        if (config === bySize) expect(durations(back)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps no page larger than about what a stack may hold', () => {
    fc.assert(
      fc.property(stackHistory, (records) => {
        const { pages } = live(onTime(records), bySize);
        // A page ends at a fold point: at most the events of one operation past the bound.
        for (const page of pages.values()) expect(page.records.length).toBeLessThanOrEqual(bySize.maxStackRecords + 12);
      }),
      { numRuns: 200 },
    );
  });

  it('never folds history younger than the late-event horizon unless the stack is busy', () => {
    fc.assert(
      fc.property(stackHistory, (records) => {
        const { state } = live(onTime(records), byAge);
        const last = records.at(-1)?.time ?? 0;
        if (state.baseline && state.records.length <= byAge.maxStackRecords)
          expect(state.baseline.asOf).toBeLessThan(last - byAge.lateEventHorizonMs);
      }),
      { numRuns: 200 },
    );
  });

  it('counts an event delivered late into history folded by size as if it had arrived on time', () => {
    let reachedIntoPages = 0;
    fc.assert(
      fc.property(stackHistory, fc.nat(), fc.integer({ min: 1, max: 6 * HOUR }), (records, pick, delay) => {
        // Prepare: one event held back, delivered `delay` late.
        const ordered = canonicalRecords(records);
        const late = ordered[pick % Math.max(1, ordered.length)];
        fc.pre(late !== undefined);
        const deliveries = [
          ...ordered.filter((record) => record !== late).map((record) => ({ record, at: record.time })),
          { record: late as StatusRecord, at: (late as StatusRecord).time + delay },
        ].sort((a, b) => a.at - b.at);

        // Act
        const { state, reachedBack } = live(deliveries, bySize);
        reachedIntoPages += reachedBack > 0 ? 1 : 0;

        // Assess
        const asOf = state.baseline?.asOf ?? Number.NEGATIVE_INFINITY;
        expect(stackOperations(state).operations).toEqual(
          deriveOperations(records).filter((operation) => operation.start > asOf),
        );
      }),
      { numRuns: 300 },
    );
    // Many runs must actually reach back into folded history, or this property says nothing.
    expect(reachedIntoPages).toBeGreaterThan(30);
  });

  it('ignores an event older than all the history kept and says so', () => {
    fc.assert(
      fc.property(stackHistory, (records) => {
        const { state } = live(onTime(records), byAge);
        fc.pre(state.baseline !== null && state.folded.length === 0);
        const old = records.find((record) => record.time <= (state.baseline?.asOf ?? 0));
        fc.pre(old !== undefined);
        const result = withStatusRecord(state, {
          ...(old as StatusRecord),
          status: 'UPDATE_IN_PROGRESS',
          time: (old as StatusRecord).time - 1000,
        });
        expect(result).toEqual({ state, changed: false, tooLate: true });
      }),
      { numRuns: 100 },
    );
  });
});
