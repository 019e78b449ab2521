/**
 * Folding a stack's settled history, so that its item stays small however often the stack
 * deploys, without losing what a late event may still change.
 *
 * A stack folds only after an operation ended (nothing of it running, its notifications sent,
 * the next operation starting later), so that its operations after the fold are exactly what the
 * whole history gives. Never at or after a real DELETE_COMPLETE (final: what follows is ignored,
 * which only the DELETE_COMPLETE itself can say), nor right after UPDATE_ROLLBACK_FAILED (the next
 * operation may continue that rollback).
 *
 * - History older than the late-event horizon is folded for good: an event older than that is
 *   ignored anyway (DESIGN.md, late events).
 * - A busy stack folds sooner, by size: what such a fold moves out is kept as a
 *   {@link FoldedPage} (an item of its own), and a late event that falls into one brings the pages
 *   from there on back ({@link unfold}) before it is applied. Pages are dropped once their history
 *   is older than the horizon. A fold by size keeps the last {@link FOLD_LAG_MS} whole, so that the
 *   sweeper, which derives windows from a couple of minutes back, finds them in the stack's item.
 */
import { durationsOf, keptDurations } from './adaptive.ts';
import { owesDelivery, type Claim } from './claims.ts';
import type { WatchdogConfig } from './config.ts';
import { stackOperations } from './operation-view.ts';
import { storageOrder, type StatusRecord } from './operations.ts';
import type { FoldedPageRef, StackState } from './stack-state.ts';
import { DELETE_COMPLETE, UPDATE_ROLLBACK_FAILED } from './status.ts';
import type { Instant } from './time.ts';
import { existingStacksAfter, type Baseline } from './windows.ts';

/** What a fold by size keeps of the newest history, whatever the stack's size. */
export const FOLD_LAG_MS = 10 * 60_000;

/**
 * History a fold by size moved out of a stack's state: its records in (`since.asOf`, `cut`], the
 * baseline they start from, and the claims of their operations. Unfolded, it gives back exactly
 * the state that was folded.
 */
export interface FoldedPage {
  readonly since: Baseline | null;
  readonly cut: Instant;
  readonly records: readonly StatusRecord[];
  readonly claims: readonly Claim[];
}

export interface Compaction {
  /** The folded state; `folded` lists the pages kept, not yet `pages` (the store names them). */
  readonly state: StackState;
  /** What this fold moved out and a late event may still need: to be stored. */
  readonly pages: readonly FoldedPage[];
  /** Pages no late event can need any more (older than the horizon): to be deleted. */
  readonly dropped: readonly FoldedPageRef[];
}

/**
 * The moments after which the stack may be folded: the end of each operation that ended, when
 * the next one starts later, its claims are all settled, and it was not a failed rollback or a
 * deletion.
 */
function foldPoints(stack: StackState): Instant[] {
  const { records, operations } = stackOperations(stack);
  const deletedAt =
    records.find((record) => record.status === DELETE_COMPLETE && !record.synthetic)?.time ?? Number.POSITIVE_INFINITY;
  const unsentAnchors = stack.claims.filter(owesDelivery).map((claim) => claim.anchor);
  return operations.flatMap((operation, index) => {
    if (operation.state !== 'ended' || operation.finalStatus === UPDATE_ROLLBACK_FAILED) return [];
    const next = operations[index + 1];
    const end = operation.end;
    if (
      (next && next.start <= end) ||
      end >= deletedAt ||
      records.some((record) => record.time === end && record.synthetic)
    )
      return [];
    return unsentAnchors.every((anchor) => anchor > end) ? [end] : [];
  });
}

/**
 * What a fold up to the last of `points` moves out, as pages split at fold points so that none
 * holds much more than `maxRecords` records (a late event may bring back days of a busy stack).
 */
function pagesUpTo(stack: StackState, points: readonly Instant[], maxRecords: number): FoldedPage[] {
  const cut = points.at(-1);
  if (cut === undefined) return [];
  const cuts: Instant[] = [];
  let from = stack.baseline?.asOf ?? Number.NEGATIVE_INFINITY;
  let candidate: Instant | null = null;
  for (const point of points) {
    const count = stack.records.filter((record) => record.time > from && record.time <= point).length;
    if (count > maxRecords && candidate !== null) {
      cuts.push(candidate);
      from = candidate;
    }
    candidate = point;
  }
  cuts.push(cut);
  const pages: FoldedPage[] = [];
  let since = stack.baseline;
  for (const pageCut of cuts) {
    const start = since?.asOf ?? Number.NEGATIVE_INFINITY;
    const records = stack.records.filter((record) => record.time > start && record.time <= pageCut);
    // Claims go with their operation's start; any anchored before the first page with the first.
    const claims = stack.claims.filter(
      (claim) => claim.anchor <= pageCut && (pages.length === 0 || claim.anchor > start),
    );
    pages.push({ since, cut: pageCut, records, claims });
    since = { asOf: pageCut, stacks: existingStacksAfter(records, since) };
  }
  return pages;
}

/**
 * Folds settled history older than `config.lateEventHorizonMs` when the oldest event is twice
 * that old (so a stack is folded about once per horizon, not at every write), or sooner when the
 * stack holds more than `config.maxStackRecords` events (a busy stack). A fold within the horizon
 * keeps what it moves out as a page; one older than the horizon drops it for good, and any page
 * whose history has passed the horizon is dropped at any write. `null` when there is nothing to
 * fold or drop.
 *
 * @example
 * const folded = compactStack(stack, now, config);
 * if (folded) { await keep(folded.pages); stack = folded.state; }
 */
export function compactStack(stack: StackState, now: Instant, config: WatchdogConfig): Compaction | null {
  const horizon = now - config.lateEventHorizonMs;
  // A page is needed while an event dated inside it could still count: until its cut passes the horizon.
  const stale = stack.folded.filter((ref) => ref.cut < horizon);
  const dropOnly = (): Compaction | null =>
    stale.length === 0
      ? null
      : { state: { ...stack, folded: stack.folded.filter((ref) => !stale.includes(ref)) }, pages: [], dropped: stale };
  const oldest = stack.records[0];
  const oversized = stack.records.length > config.maxStackRecords;
  if (!oldest || (!oversized && oldest.time > now - 2 * config.lateEventHorizonMs)) return dropOnly();
  const points = foldPoints(stack);
  // Strictly older than the horizon: an event exactly a horizon late still counts.
  const cut =
    points.filter((time) => time < horizon).at(-1) ??
    (oversized ? points.filter((time) => time < now - FOLD_LAG_MS).at(-1) : undefined);
  if (cut === undefined) return dropOnly();
  // Past the horizon nothing can reach back into the folded history, nor into any page (all older).
  const forGood = cut < horizon;
  const moved = stack.records.filter((record) => record.time <= cut);
  const baseline: Baseline = { asOf: cut, stacks: existingStacksAfter(moved, stack.baseline) };
  const pages = forGood
    ? []
    : pagesUpTo(
        stack,
        points.filter((time) => time <= cut),
        config.maxStackRecords,
      );
  // How long the operations moved out took stays with the state: adaptive thresholds look back
  // further than the horizon, and a page is not read at a sweep.
  const movedDurations = durationsOf(stackOperations(stack).operations).filter((past) => past.end <= cut);
  return {
    state: {
      ...stack,
      records: stack.records.filter((record) => record.time > cut),
      claims: stack.claims.filter((claim) => claim.anchor > cut),
      baseline,
      folded: forGood ? [] : stack.folded.filter((ref) => !stale.includes(ref)),
      pastDurations: keptDurations([...stack.pastDurations, ...movedDurations], now, config.adaptive),
    },
    pages,
    dropped: forGood ? stack.folded : stale,
  };
}

/**
 * The pages a late event at `time` falls into, from the one that holds it to the newest; `[]`
 * when it is newer than the folded history, `null` when it is older than every page kept (an
 * event that late is ignored). `time` -Infinity: every page.
 *
 * @example
 * const refs = pagesHolding(stack, lateRecord.time); // load them, then unfold(stack, refs, pages)
 */
export function pagesHolding(stack: StackState, time: Instant): readonly FoldedPageRef[] | null {
  if (!stack.baseline || time > stack.baseline.asOf) return [];
  const from = stack.folded.findIndex((ref) => ref.cut >= time);
  const first = stack.folded[from];
  if (!first || (first.from !== null && time <= first.from)) return null;
  return stack.folded.slice(from);
}

/**
 * The stack's state as it was before `pages` were folded out of it (the pages {@link pagesHolding}
 * named, in that order): their records and claims back, the baseline theirs.
 *
 * @example
 * const whole = unfold(stack, refs, await store.loadFoldedPages(stack, refs));
 */
export function unfold(stack: StackState, refs: readonly FoldedPageRef[], pages: readonly FoldedPage[]): StackState {
  const first = pages[0];
  const last = pages.at(-1);
  if (!first || !last) return stack;
  // The operations of the pages are in `records` again: their durations are derived from there.
  const from = first.since?.asOf ?? Number.NEGATIVE_INFINITY;
  return {
    ...stack,
    records: [...pages.flatMap((page) => page.records), ...stack.records].sort(storageOrder),
    claims: [...pages.flatMap((page) => page.claims), ...stack.claims],
    baseline: first.since,
    folded: stack.folded.filter((ref) => !refs.some((unfolded) => unfolded.id === ref.id)),
    pastDurations: stack.pastDurations.filter((past) => past.end <= from || past.end > last.cut),
  };
}
