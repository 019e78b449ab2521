import { describe, expect, it } from 'vitest';
import { compactStack, FOLD_LAG_MS, pagesHolding } from '../../shared/domain/compaction.ts';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import type { Claim } from '../../shared/domain/claims.ts';
import { stackOperations } from '../../shared/domain/operation-view.ts';
import type { StatusRecord } from '../../shared/domain/operations.ts';
import { emptyStackState, withClaims, withStatusRecord, type StackState } from '../../shared/domain/stack-state.ts';
import { MIN, rec, stack, t } from './fixtures.ts';

const KEY = { account: '123456789012', region: 'eu-west-1', service: 'api' };
const API = stack('api');
/** A stack may hold 4 events; a horizon no test reaches. */
const busy: WatchdogConfig = { ...DEFAULT_CONFIG, maxStackRecords: 4, lateEventHorizonMs: 30 * 24 * 60 * MIN };

function stackWith(records: readonly StatusRecord[], claims: readonly Claim[] = []): StackState {
  const state = records.reduce(
    (current, record) => withStatusRecord(current, record).state,
    emptyStackState(KEY, API.stackId, API.stackName),
  );
  return withClaims(state, claims);
}

const updates = (from: number, count: number, final = 'UPDATE_COMPLETE'): StatusRecord[] =>
  Array.from({ length: count }, (_, index) => {
    const start = `${String(from + index).padStart(2, '0')}:00`;
    return [rec(API, start, 'UPDATE_IN_PROGRESS'), rec(API, `${String(from + index).padStart(2, '0')}:05`, final)];
  }).flat();

describe('compactStack', () => {
  it('folds a busy stack at the end of its last operation older than the fold lag, keeping it as a page', () => {
    // Prepare: four updates 10:00–13:05, a fifth running since 14:00.
    const state = stackWith([...updates(10, 4), rec(API, '14:00', 'UPDATE_IN_PROGRESS')]);

    // Act
    const folded = compactStack(state, t('14:01'), busy);

    // Assess
    expect(folded?.state.baseline).toEqual({
      asOf: t('13:05'),
      stacks: [{ stackId: API.stackId, stackName: 'api', status: 'UPDATE_COMPLETE' }],
    });
    expect(folded?.state.records).toEqual([rec(API, '14:00', 'UPDATE_IN_PROGRESS')]);
    expect(folded?.pages.flatMap((page) => page.records)).toEqual(updates(10, 4));
  });

  it('keeps the last minutes whole, however busy the stack', () => {
    // Prepare: the last update ended a minute ago.
    const state = stackWith(updates(10, 5));

    // Act
    const folded = compactStack(state, t('14:05') + MIN, busy);

    // Assess
    expect(FOLD_LAG_MS).toBeGreaterThan(MIN);
    expect(folded?.state.baseline?.asOf).toBe(t('13:05'));
    expect(folded?.state.records).toEqual(updates(14, 1));
  });

  it('never folds right after UPDATE_ROLLBACK_FAILED: the rollback continued after it stays one that succeeds', () => {
    // Prepare: two updates, one whose rollback failed at 10:20, its continuation succeeding at 10:45.
    const state = stackWith([
      ...updates(8, 2),
      rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
      rec(API, '10:10', 'UPDATE_ROLLBACK_IN_PROGRESS'),
      rec(API, '10:20', 'UPDATE_ROLLBACK_FAILED'),
      rec(API, '10:40', 'UPDATE_ROLLBACK_IN_PROGRESS'),
      rec(API, '10:45', 'UPDATE_ROLLBACK_COMPLETE'),
    ]);

    // Act: 10:20 is the last end older than the fold lag, but the next operation continues from it.
    const folded = compactStack(state, t('10:50'), busy);

    // Assess
    expect(folded?.state.baseline?.asOf).toBe(t('09:05'));
    const resumed = stackOperations(folded?.state ?? state).operations.at(-1);
    expect(resumed).toMatchObject({ start: t('10:40'), state: 'ended', failed: false, continuesRollback: true });
  });

  it('never folds at or after a real DELETE_COMPLETE, which is final', () => {
    // Prepare
    const state = stackWith([
      ...updates(10, 3),
      rec(API, '13:00', 'DELETE_IN_PROGRESS'),
      rec(API, '13:05', 'DELETE_COMPLETE'),
      rec(API, '14:00', 'UPDATE_IN_PROGRESS'),
    ]);

    // Act
    const folded = compactStack(state, t('16:00'), busy);

    // Assess
    expect(folded?.state.baseline?.asOf).toBe(t('12:05'));
    expect(stackOperations(folded?.state ?? state).records.at(-1)?.status).toBe('DELETE_COMPLETE');
  });

  it('keeps an operation whose notification is not sent yet', () => {
    // Prepare: the FAILED of the 11:00 update is still pending.
    const failing = [
      ...updates(10, 1),
      rec(API, '11:00', 'UPDATE_IN_PROGRESS'),
      rec(API, '11:05', 'UPDATE_ROLLBACK_COMPLETE'),
      ...updates(12, 2),
    ];
    const pending: Claim = {
      stackId: API.stackId,
      anchor: t('11:00'),
      operation: 'UPDATE',
      severity: 'FAILED',
      terminalAt: t('11:05'),
      terminalStatus: 'UPDATE_ROLLBACK_COMPLETE',
      claimedAt: t('11:05'),
      delivery: { state: 'pending' },
    };
    const state = stackWith(failing, [pending]);

    // Act
    const folded = compactStack(state, t('16:00'), busy);

    // Assess
    expect(folded?.state.baseline?.asOf).toBe(t('10:05'));
    expect(folded?.state.claims).toEqual([pending]);
  });

  it('moves the claims of the operations it folds into their pages', () => {
    // Prepare
    const sent: Claim = {
      stackId: API.stackId,
      anchor: t('10:00'),
      operation: 'UPDATE',
      severity: 'WARNING',
      claimedAt: t('10:20'),
      delivery: { state: 'sent', at: t('10:20') },
    };
    const state = stackWith(updates(10, 4), [sent]);

    // Act
    const folded = compactStack(state, t('16:00'), busy);

    // Assess
    expect(folded?.state.claims).toEqual([]);
    expect(folded?.pages.flatMap((page) => page.claims)).toEqual([sent]);
  });

  it('folds for good what is older than the horizon, dropping its pages', () => {
    // Prepare: a page kept from an earlier fold; everything is now two horizons old.
    const byAge: WatchdogConfig = { ...DEFAULT_CONFIG, lateEventHorizonMs: 60 * MIN };
    const state = {
      ...stackWith(updates(10, 2)),
      folded: [{ id: 'PAGE#old', from: null, cut: t('09:00') }],
      baseline: { asOf: t('09:00'), stacks: [] },
    };

    // Act
    const folded = compactStack(state, t('14:00'), byAge);

    // Assess
    expect(folded?.pages).toEqual([]);
    expect(folded?.dropped).toEqual([{ id: 'PAGE#old', from: null, cut: t('09:00') }]);
    expect(folded?.state.folded).toEqual([]);
    expect(folded?.state.baseline?.asOf).toBe(t('11:05'));
  });

  it('names the pages a late event falls into, and none for one older than every page', () => {
    // Prepare
    const state = {
      ...stackWith(updates(14, 1)),
      baseline: { asOf: t('13:05'), stacks: [] },
      folded: [
        { id: 'a', from: t('09:00'), cut: t('11:05') },
        { id: 'b', from: t('11:05'), cut: t('13:05') },
      ],
    };

    // Act / Assess
    expect(pagesHolding(state, t('12:00'))?.map((ref) => ref.id)).toEqual(['b']);
    expect(pagesHolding(state, t('10:00'))?.map((ref) => ref.id)).toEqual(['a', 'b']);
    expect(pagesHolding(state, t('14:00'))).toEqual([]);
    expect(pagesHolding(state, t('08:00'))).toBeNull();
  });
});
