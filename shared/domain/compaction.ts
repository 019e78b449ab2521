/**
 * Folding a service's settled history into a baseline, so that its state item stays far below
 * DynamoDB's 400 KB while the service deploys for years. The fold happens only at a moment when
 * nothing was running and no window was open, and only for history older than the late-event
 * horizon, so that operations and windows after that moment are exactly what the whole history
 * gives (the property tests check this). Windows that closed before it are handed back to be
 * archived; the raw events stay in each stack's timeline.
 */
import type { WatchdogConfig } from './config.ts';
import type { ServiceState } from './service-state.ts';
import type { Instant } from './time.ts';
import { deriveWindows, existingStacksAfter, settledTimes, type ImpactWindow } from './windows.ts';

export interface Compaction {
  readonly state: ServiceState;
  /** Closed windows that left the state: to be stored on their own, for good. */
  readonly archived: readonly ImpactWindow[];
}

/**
 * Folds history older than `config.lateEventHorizonMs` when the oldest event is twice that old
 * (so a service is folded about once per horizon, not at every write), or sooner when the state
 * holds more than `config.maxStateRecords` events (a busy service: the item must stay far below
 * 400 KB; an event older than the fold can then no longer change anything). `null` when there
 * is nothing to fold or no settled moment to fold at.
 *
 * @example
 * const folded = compactServiceState(state, now, config);
 * if (folded) { await archive(folded.archived); state = folded.state; }
 */
export function compactServiceState(state: ServiceState, now: Instant, config: WatchdogConfig): Compaction | null {
  const horizon = now - config.lateEventHorizonMs;
  const oldest = state.records[0];
  const oversized = state.records.length > config.maxStateRecords;
  if (!oldest || (!oversized && oldest.time > now - 2 * config.lateEventHorizonMs)) return null;
  const { baseline } = state;
  // A notification still to be sent keeps the operation it speaks of. Window events do not hold
  // the fold back: a bus that refuses them for a whole horizon must not grow the item until
  // writes fail (and pages stop); those of archived windows leave with them (updateService logs it).
  const unsentAnchors = state.claims.filter((claim) => claim.sentAt === null).map((claim) => claim.anchor);
  const settled = settledTimes(state.records, now, config, baseline).filter((time) => unsentAnchors.every((anchor) => anchor > time));
  // Folding by size may come close to now, but never into the newest second: more of its events may follow.
  const newest = state.records.at(-1)?.time ?? now;
  // Strictly older than the horizon: an event exactly a horizon late still counts.
  const cut = settled.filter((time) => time < horizon).at(-1) ?? (oversized ? settled.filter((time) => time < newest).at(-1) : undefined);
  if (cut === undefined) return null;
  const folded = state.records.filter((record) => record.time <= cut);
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
      baseline: { asOf: cut, stacks: existingStacksAfter(folded, baseline) },
    },
    archived: deriveWindows(state.records, now, config, baseline).filter((window) => window.start <= cut),
  };
}
