/**
 * Folding a service's settled history, so that its state item stays far below DynamoDB's 400 KB
 * while the service deploys for years, without losing what a late event may still change.
 *
 * A fold happens only at a moment when nothing was running and no window was open, so that
 * operations and windows after it are exactly what the whole history gives (the property tests
 * check this); windows that closed before it are handed back to be archived.
 *
 * - History older than the late-event horizon is folded for good: an event older than that is
 *   ignored anyway (DESIGN.md, late events).
 * - A busy service is folded sooner, by size; but an event up to the horizon late must still
 *   count as if it had arrived on time, however busy the service. So what such a fold moves out
 *   is kept as {@link FoldedPage}s (stored apart from the state), and a late event that falls
 *   into one brings the pages from there on back ({@link unfold}) before it is applied. Pages
 *   are dropped once their history is older than the horizon.
 */
import type { WatchdogConfig } from './config.ts';
import { storageOrder, type StatusRecord } from './operations.ts';
import type { Claim, FoldedPageRef, ServiceState, StackSighting } from './service-state.ts';
import type { KeptStackFacts } from './stack-facts.ts';
import type { Instant } from './time.ts';
import type { WindowAnnouncement } from './window-events.ts';
import { deriveWindows, existingStacksAfter, settledTimes, type Baseline, type ImpactWindow } from './windows.ts';

/**
 * History a fold by size moved out of the state: its records in (`since.asOf`, `cut`], the
 * baseline they start from (a settled moment), and the claims, window events and stack facts
 * that left with them. Unfolded, it gives back exactly the state that was folded.
 */
export interface FoldedPage {
  readonly since: Baseline | null;
  readonly cut: Instant;
  readonly records: readonly StatusRecord[];
  readonly claims: readonly Claim[];
  readonly announcements: readonly WindowAnnouncement[];
  readonly stacks: readonly KeptStackFacts[];
  readonly sightings: readonly StackSighting[];
}

export interface Compaction {
  /** The folded state; `folded` lists the pages kept, not yet those of `pages` (the store names them). */
  readonly state: ServiceState;
  /** Closed windows that left the state: to be stored on their own, for good. */
  readonly archived: readonly ImpactWindow[];
  /** What this fold moved out and a late event may still need, oldest first: to be stored. */
  readonly pages: readonly FoldedPage[];
  /** Pages no late event can need any more (older than the horizon): to be deleted. */
  readonly dropped: readonly FoldedPageRef[];
}

const within = (time: Instant, from: Instant | null, to: Instant): boolean => (from === null || time > from) && time <= to;

/**
 * The pages of the history up to `cut`, split at settled moments so that none holds much more
 * than `maxRecords` records (a page is an item of its own, under the same 400 KB).
 */
function pagesUpTo(state: ServiceState, cut: Instant, settled: readonly Instant[], maxRecords: number): FoldedPage[] {
  const folded = state.records.filter((record) => record.time <= cut);
  const cuts: Instant[] = [];
  let from = state.baseline?.asOf ?? null;
  let candidate: Instant | null = null;
  for (const time of [...settled.filter((at) => at < cut), cut]) {
    const count = folded.filter((record) => within(record.time, from, time)).length;
    if (count > maxRecords && candidate !== null) {
      cuts.push(candidate);
      from = candidate;
    }
    candidate = time;
  }
  cuts.push(cut);
  // Facts and sightings leave with a stack's last records (the stack keeps none in the state).
  const leaving = (stackId: string, to: Instant): boolean =>
    !state.records.some((record) => record.stackId === stackId && record.time > to) && folded.some((record) => record.stackId === stackId);
  const pages: FoldedPage[] = [];
  let baseline = state.baseline;
  for (const [index, pageCut] of cuts.entries()) {
    const start = baseline?.asOf ?? null;
    const first = index === 0;
    const records = folded.filter((record) => within(record.time, start, pageCut));
    // What started before the first page (it should not exist) goes with the first one.
    const held = (time: Instant): boolean => (first ? time <= pageCut : within(time, start, pageCut));
    pages.push({
      since: baseline,
      cut: pageCut,
      records,
      claims: state.claims.filter((claim) => held(claim.anchor)),
      announcements: state.announcements.filter((announced) => held(announced.windowStart)),
      stacks: state.stacks.filter((stack) => records.some((record) => record.stackId === stack.stackId) && leaving(stack.stackId, pageCut) && !pagesHold(pages, stack.stackId)),
      sightings: state.sightings.filter((sighting) => records.some((record) => record.stackId === sighting.stackId) && leaving(sighting.stackId, pageCut)),
    });
    baseline = { asOf: pageCut, stacks: existingStacksAfter(records, baseline) };
  }
  return pages;
}

const pagesHold = (pages: readonly FoldedPage[], stackId: string): boolean => pages.some((page) => page.stacks.some((stack) => stack.stackId === stackId));

/**
 * Folds settled history older than `config.lateEventHorizonMs` when the oldest event is twice
 * that old (so a service is folded about once per horizon, not at every write), or sooner when
 * the state holds more than `config.maxStateRecords` events (a busy service). A fold within the
 * horizon keeps what it moves out as pages; one older than the horizon drops it for good, and any
 * page whose history has passed the horizon is dropped at any write. `null` when there is nothing
 * to fold or drop.
 *
 * @example
 * const folded = compactServiceState(state, now, config);
 * if (folded) { await archive(folded.archived); await keep(folded.pages); state = folded.state; }
 */
export function compactServiceState(state: ServiceState, now: Instant, config: WatchdogConfig): Compaction | null {
  const horizon = now - config.lateEventHorizonMs;
  // A page is needed while an event dated inside it could still count: until its cut passes the horizon.
  const stale = state.folded.filter((ref) => ref.cut < horizon);
  const dropOnly = (): Compaction | null =>
    stale.length === 0 ? null : { state: { ...state, folded: state.folded.filter((ref) => !stale.includes(ref)) }, archived: [], pages: [], dropped: stale };
  const oldest = state.records[0];
  const oversized = state.records.length > config.maxStateRecords;
  if (!oldest || (!oversized && oldest.time > now - 2 * config.lateEventHorizonMs)) return dropOnly();
  const { baseline } = state;
  // A notification still to be sent keeps the operation it speaks of.
  const unsentAnchors = state.claims.filter((claim) => claim.sentAt === null).map((claim) => claim.anchor);
  const settled = settledTimes(state.records, now, config, baseline).filter((time) => unsentAnchors.every((anchor) => anchor > time));
  // Folding by size may come close to now, but never into the newest second: more of its events
  // may follow. Nor past a window whose events are still to go out (its Closed waits for its
  // Opened): unless the bus has refused them so long that the state doubled, when the item must
  // not grow until writes fail (and pages stop); updateService logs what then goes unannounced.
  // A fold past the horizon never waits for them: those leave with their windows (logged).
  const newest = state.records.at(-1)?.time ?? now;
  const unannounced = state.announcements.filter((announced) => announced.sentAt === null).map((announced) => announced.windowStart);
  const waitForBus = state.records.length <= 2 * config.maxStateRecords;
  const bySize = settled.filter((time) => time < newest && (!waitForBus || unannounced.every((start) => start > time)));
  // Strictly older than the horizon: an event exactly a horizon late still counts.
  const cut = settled.filter((time) => time < horizon).at(-1) ?? (oversized ? bySize.at(-1) : undefined);
  if (cut === undefined) return dropOnly();
  // Past the horizon nothing can reach back into the folded history, nor into any page (all older).
  const forGood = cut < horizon;
  const records = state.records.filter((record) => record.time > cut);
  return {
    state: {
      ...state,
      records,
      // A stack's next event brings its facts again (stack-facts.ts).
      stacks: state.stacks.filter((stack) => records.some((record) => record.stackId === stack.stackId)),
      sightings: state.sightings.filter((sighting) => records.some((record) => record.stackId === sighting.stackId)),
      claims: state.claims.filter((claim) => claim.anchor > cut),
      announcements: state.announcements.filter((announced) => announced.windowStart > cut),
      baseline: { asOf: cut, stacks: existingStacksAfter(state.records.filter((record) => record.time <= cut), baseline) },
      folded: forGood ? [] : state.folded.filter((ref) => !stale.includes(ref)),
    },
    archived: deriveWindows(state.records, now, config, baseline).filter((window) => window.start <= cut),
    pages: forGood ? [] : pagesUpTo(state, cut, settled, config.maxStateRecords),
    dropped: forGood ? state.folded : stale,
  };
}

/**
 * The pages a late event at `time` falls into, from the one that holds it to the newest; `[]`
 * when it is newer than the folded history, `null` when it is older than every page kept (an
 * event that late is ignored).
 *
 * @example
 * const refs = pagesHolding(state, lateRecord.time); // load them, then unfold(state, refs, pages)
 */
export function pagesHolding(state: ServiceState, time: Instant): readonly FoldedPageRef[] | null {
  if (!state.baseline || time > state.baseline.asOf) return [];
  const from = state.folded.findIndex((ref) => ref.cut >= time);
  const first = state.folded[from];
  if (!first || (first.from !== null && time <= first.from)) return null;
  return state.folded.slice(from);
}

/**
 * The state as it was before `pages` were folded out of it (the pages {@link pagesHolding} named,
 * in that order): their records, claims, window events and stack facts back, the baseline theirs.
 * The windows they held are in the state again; those archived when they were folded are stale.
 *
 * @example
 * const whole = unfold(state, refs, await store.loadFoldedPages(key, refs));
 */
export function unfold(state: ServiceState, refs: readonly FoldedPageRef[], pages: readonly FoldedPage[]): ServiceState {
  const first = pages[0];
  if (!first) return state;
  const stackFacts = new Map<string, KeptStackFacts>();
  for (const stack of [...pages.flatMap((page) => page.stacks), ...state.stacks]) stackFacts.set(stack.stackId, stack);
  const sightings = new Map<string, StackSighting>();
  for (const sighting of [...pages.flatMap((page) => page.sightings), ...state.sightings]) {
    const known = sightings.get(sighting.stackId);
    if (!known || sighting.at > known.at) sightings.set(sighting.stackId, sighting);
  }
  return {
    ...state,
    records: [...pages.flatMap((page) => page.records), ...state.records].sort(storageOrder),
    claims: [...pages.flatMap((page) => page.claims), ...state.claims],
    announcements: [...pages.flatMap((page) => page.announcements), ...state.announcements],
    stacks: [...stackFacts.values()],
    sightings: [...sightings.values()],
    baseline: first.since,
    folded: state.folded.filter((ref) => !refs.some((unfolded) => unfolded.id === ref.id)),
  };
}
