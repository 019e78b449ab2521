import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactServiceState, pagesHolding, unfold, type FoldedPage } from '../../shared/domain/compaction.ts';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import { canonicalRecords, deriveOperations, type StatusRecord } from '../../shared/domain/operations.ts';
import { emptyServiceState, viewService, withStatusRecord, type ServiceState } from '../../shared/domain/service-state.ts';
import { deriveWindows, type ImpactWindow } from '../../shared/domain/windows.ts';
import { historyArb, SERVICE_RULES, serviceIdOf } from '../support/histories.ts';

const HOUR = 3_600_000;
// Generated histories span hours: a 20-minute horizon makes most of them fold, several times.
const config: WatchdogConfig = { ...DEFAULT_CONFIG, serviceRules: SERVICE_RULES, lateEventHorizonMs: 20 * 60_000 };
const key = { account: '123456789012', region: 'eu-west-1', service: 'alpha' };

/** The events of one service (the first one a history has). */
const serviceHistory = historyArb.map((records) => {
  const first = records[0];
  return first ? records.filter((record) => serviceIdOf(record) === serviceIdOf(first)) : [];
});

/** Applies records in time order as the live system would, folding whenever it may. */
function live(records: readonly StatusRecord[], rules: WatchdogConfig = config): { state: ServiceState; archived: ImpactWindow[]; folds: number } {
  let state = emptyServiceState(key);
  const archived: ImpactWindow[] = [];
  let folds = 0;
  for (const record of canonicalRecords(records)) {
    state = withStatusRecord(state, record).state;
    const folded = compactServiceState(state, record.time, rules);
    if (folded) {
      folds += 1;
      archived.push(...folded.archived);
      state = folded.state;
    }
  }
  return { state, archived, folds };
}

const operationsByStack = (records: readonly StatusRecord[]) => {
  const stacks = [...new Set(records.map((record) => record.stackId))].sort();
  return stacks.flatMap((stackId) => deriveOperations(records.filter((record) => record.stackId === stackId)));
};

describe('compactServiceState', () => {
  it('leaves archived plus remaining windows equal to the windows of the whole history', () => {
    let foldedRuns = 0;
    fc.assert(
      fc.property(serviceHistory, fc.integer({ min: 0, max: 5 * HOUR }), (records, after) => {
        // Prepare
        const now = (records.at(-1)?.time ?? 0) + after;
        // Act
        const { state, archived, folds } = live(records);
        foldedRuns += folds > 0 ? 1 : 0;
        // Assess
        const windows = [...archived, ...viewService(state, now, config).windows];
        expect(windows).toEqual(deriveWindows(records, now, config));
      }),
      { numRuns: 300 },
    );
    // Most runs must actually fold, or this property says nothing.
    expect(foldedRuns).toBeGreaterThan(100);
  });

  it('keeps every operation that started after the fold exactly as the whole history gives it', () => {
    fc.assert(
      fc.property(serviceHistory, (records) => {
        const { state } = live(records);
        const asOf = state.baseline?.asOf ?? Number.NEGATIVE_INFINITY;
        const expected = operationsByStack(records).filter((operation) => operation.start > asOf);
        expect(operationsByStack(state.records)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('folds a busy service by size, still leaving every window as the whole history gives it', () => {
    // Prepare: a horizon no history reaches, and a state that may hold only 12 events.
    const bySize: WatchdogConfig = { ...config, lateEventHorizonMs: 30 * 24 * HOUR, maxStateRecords: 12 };
    let foldedRuns = 0;
    fc.assert(
      fc.property(serviceHistory, (records) => {
        const now = (records.at(-1)?.time ?? 0) + HOUR;
        // Act
        const { state, archived, folds } = live(records, bySize);
        foldedRuns += folds > 0 ? 1 : 0;
        // Assess
        expect([...archived, ...viewService(state, now, bySize).windows]).toEqual(deriveWindows(records, now, bySize));
      }),
      { numRuns: 300 },
    );
    expect(foldedRuns).toBeGreaterThan(30);
  });

  it('never folds history younger than the late-event horizon', () => {
    fc.assert(
      fc.property(serviceHistory, (records) => {
        const { state } = live(records);
        const last = records.at(-1)?.time ?? 0;
        if (state.baseline) expect(state.baseline.asOf).toBeLessThanOrEqual(last - config.lateEventHorizonMs);
      }),
      { numRuns: 200 },
    );
  });

  it('counts an event delivered late into history folded by size as if it had arrived on time', () => {
    // Prepare: a busy service (12 events make a state fold), a horizon no history reaches.
    const bySize: WatchdogConfig = { ...config, lateEventHorizonMs: 30 * 24 * HOUR, maxStateRecords: 12 };
    let reachedIntoPages = 0;
    fc.assert(
      fc.property(serviceHistory, fc.nat(), fc.integer({ min: 1, max: 6 * HOUR }), (records, pick, delay) => {
        const ordered = canonicalRecords(records);
        const late = ordered[pick % Math.max(1, ordered.length)];
        fc.pre(late !== undefined);
        const deliveries = [...ordered.filter((record) => record !== late).map((record) => ({ record, at: record.time })), { record: late as StatusRecord, at: (late as StatusRecord).time + delay }].sort(
          (a, b) => a.at - b.at,
        );
        const now = Math.max(...deliveries.map(({ at }) => at)) + HOUR;

        // Act: as updateService does it, with the pages and the archive in memory.
        let state = emptyServiceState(key);
        const pages = new Map<string, FoldedPage>();
        const archive = new Map<number, ImpactWindow>();
        for (const { record, at } of deliveries) {
          const refs = pagesHolding(state, record.time) ?? [];
          if (refs.length > 0) {
            reachedIntoPages += 1;
            state = unfold(state, refs, refs.map((ref) => pages.get(ref.id) as FoldedPage));
            for (const start of [...archive.keys()]) if (state.baseline === null || start > state.baseline.asOf) archive.delete(start);
          }
          state = withStatusRecord(state, record).state;
          const folded = compactServiceState(state, at, bySize);
          if (!folded) continue;
          for (const window of folded.archived) archive.set(window.start, window);
          const refsOfNew = folded.pages.map((page, index) => ({ id: `${at}-${index}`, from: page.since?.asOf ?? null, cut: page.cut }));
          folded.pages.forEach((page, index) => pages.set(`${at}-${index}`, page));
          state = { ...folded.state, folded: [...folded.state.folded, ...refsOfNew] };
        }

        // Assess
        expect([...archive.values(), ...viewService(state, now, bySize).windows].sort((a, b) => a.start - b.start)).toEqual(deriveWindows(records, now, bySize));
        const asOf = state.baseline?.asOf ?? Number.NEGATIVE_INFINITY;
        expect(operationsByStack(state.records)).toEqual(operationsByStack(records).filter((operation) => operation.start > asOf));
      }),
      { numRuns: 300 },
    );
    // Many runs must actually reach back into folded history, or this property says nothing.
    expect(reachedIntoPages).toBeGreaterThan(30);
  });

  it('ignores an event older than the folded history and says so', () => {
    fc.assert(
      fc.property(serviceHistory, (records) => {
        const { state } = live(records);
        fc.pre(state.baseline !== null && state.baseline !== undefined);
        const old = records.find((record) => record.time <= (state.baseline?.asOf ?? 0));
        fc.pre(old !== undefined);
        const result = withStatusRecord(state, { ...(old as StatusRecord), status: 'UPDATE_IN_PROGRESS', time: (old as StatusRecord).time - 1000 });
        expect(result).toEqual({ state, changed: false, tooLate: true });
      }),
      { numRuns: 100 },
    );
  });
});
