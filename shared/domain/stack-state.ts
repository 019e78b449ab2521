/**
 * The state of one stack, the unit the event handler reads and writes: its status events (since
 * its history was last folded), the notifications claimed for its operations, what CloudFormation
 * said of it (nesting, mute tag, when DescribeStacks last showed it). A stack's events are few and
 * naturally serial, so its item stays small and writers of different stacks never collide; the
 * service-level facts (windows, their events) are derived from all of a service's stacks by the
 * sweeper (service-walk.ts).
 */
import { Lane, lanePending, ownerIndex, sameClaim, type Claim } from './claims.ts';
import { Severity } from './severity.ts';
import { stackOperations } from './operation-view.ts';
import {
  preferredRecord,
  stackRecordsForRules,
  statusRecordKey,
  storageOrder,
  type StatusRecord,
} from './operations.ts';
import { DeliveryState, markedSent, markedSuppressed, renewed, type Quiet } from './outbox.ts';
import type { ServiceKey } from './service.ts';
import type { StackFacts } from './stack-facts.ts';
import { DELETE_COMPLETE } from './status.ts';
import type { Instant } from './time.ts';
import type { Baseline } from './windows.ts';
import type { PastDuration } from './adaptive.ts';

/** A page of folded history as the stack's state names it: its id in the store and the span (from, cut] it holds. */
export interface FoldedPageRef {
  readonly id: string;
  readonly from: Instant | null;
  readonly cut: Instant;
}

export interface StackState {
  /** The service the stack belongs to (its root's for a nested stack). */
  readonly key: ServiceKey;
  readonly stackId: string;
  readonly stackName: string;
  /** Version of the stored item, for conditional writes; 0 before the first write. */
  readonly version: number;
  /** Its status events since `baseline`, in storage order. */
  readonly records: readonly StatusRecord[];
  readonly claims: readonly Claim[];
  /** Muted by its `cfn-watchdog:mute` tag. */
  readonly mutedByTag: boolean;
  /** For a nested stack, its root stack's id. */
  readonly rootStackId: string | null;
  /**
   * When DescribeStacks last showed the stack while an operation of it ran past a threshold
   * (the sweeper asks at every sweep): found gone later, it is taken as deleted then, not before.
   */
  readonly lastSeenAt: Instant | null;
  /**
   * What folding left of its older history (compaction.ts): the moment it was folded at, and
   * the stack's status then (`stacks` holds the stack while it existed). `null` while nothing was.
   */
  readonly baseline: Baseline | null;
  /** Where history folded within the late-event horizon is kept, oldest first. */
  readonly folded: readonly FoldedPageRef[];
  /**
   * How long its successful operations folded out of `records` took (adaptive.ts), bounded
   * (`keptDurations`); those still in `records` are derived from them.
   */
  readonly pastDurations: readonly PastDuration[];
  /**
   * The earliest time among status events recorded since the sweeper last derived its service's
   * windows, `null` when it has seen them all: the sweeper walks the service on from there.
   */
  readonly unwalkedSince: Instant | null;
  /**
   * The start of the operation that earliest unwalked event belongs to (its end may have arrived
   * late: the window opens back at the start); `null` with `unwalkedSince`.
   */
  readonly unwalkedOperationStart: Instant | null;
}

export function emptyStackState(key: ServiceKey, stackId: string, stackName: string): StackState {
  return {
    key,
    stackId,
    stackName,
    version: 0,
    records: [],
    claims: [],
    mutedByTag: false,
    rootStackId: null,
    lastSeenAt: null,
    baseline: null,
    folded: [],
    pastDurations: [],
    unwalkedSince: null,
    unwalkedOperationStart: null,
  };
}

/**
 * Adds a status event; `changed` is false for a duplicate (same time and status) and for an event
 * older than the stack's folded history (`tooLate`: the caller brings the pages that hold it back
 * first, so this means older than every page kept). Every other record is kept, also one the
 * rules ignore (dated after its stack's DELETE_COMPLETE, or made up from DescribeStacks and
 * overtaken by real events): which ones those are depends on the whole set (`stackRecordsForRules`).
 * A change is noted as unwalked, for the sweeper to derive the service's windows again from there.
 *
 * @example
 * const { state: next, changed } = withStatusRecord(stack, record);
 */
export function withStatusRecord(
  stack: StackState,
  record: StatusRecord,
): { state: StackState; changed: boolean; tooLate?: boolean } {
  if (stack.baseline && record.time <= stack.baseline.asOf) return { state: stack, changed: false, tooLate: true };
  const key = statusRecordKey(record);
  const existing = stack.records.find((kept) => statusRecordKey(kept) === key);
  if (existing && preferredRecord(existing, record) === existing) return { state: stack, changed: false };
  const records = [...stack.records.filter((kept) => kept !== existing), record].sort(storageOrder);
  const unwalkedSince = Math.min(stack.unwalkedSince ?? Number.POSITIVE_INFINITY, record.time);
  const next = { ...stack, records, unwalkedSince };
  // An end that arrives late can give an operation that began before the last walk point a
  // severity: its window opens back at the operation's start. The operations derived here are
  // those the caller's view reuses (derived once per state).
  const unwalkedOperationStart = Math.min(
    stack.unwalkedOperationStart ?? Number.POSITIVE_INFINITY,
    startOfOperationOf(next, record),
  );
  return { state: Object.assign(next, { unwalkedOperationStart }), changed: true };
}

/**
 * The marks of a stack whose events up to `asOf` were walked: the first later event, and the start
 * of its operation; `null` when none is later.
 *
 * @example
 * const marks = unwalkedAfter(stack, point.asOf);
 */
export function unwalkedAfter(
  stack: StackState,
  asOf: Instant | null,
): Pick<StackState, 'unwalkedSince' | 'unwalkedOperationStart'> {
  const later = stack.records.filter((record) => asOf === null || record.time > asOf);
  if (later.length === 0) return { unwalkedSince: null, unwalkedOperationStart: null };
  return {
    unwalkedSince: Math.min(...later.map((record) => record.time)),
    unwalkedOperationStart: Math.min(...later.map((record) => startOfOperationOf(stack, record))),
  };
}

/**
 * The start of the earliest operation `record` changes (the rules' view of the stack): the one it
 * is a phase of, or the one before when that one's end never came (it ran, for severity, to the
 * start `record` begins); its own time when none.
 */
function startOfOperationOf(stack: StackState, record: StatusRecord): Instant {
  const { operations } = stackOperations(stack);
  const index = operations.findIndex((operation) =>
    operation.phases.some((phase) => phase.time === record.time && phase.status === record.status),
  );
  const own = operations[index];
  const before = operations[index - 1];
  if (own && before?.state === 'abandoned' && before.supersededAt === own.start) return before.start;
  return own?.start ?? record.time;
}

/**
 * Whether the rules take a record of the stack into account: `false` for one dated after its
 * DELETE_COMPLETE (final), or made up from DescribeStacks and since overtaken.
 *
 * @example
 * if (!countsForRules(stack, record)) log.warn('ignored by the rules', { … });
 */
export function countsForRules(stack: StackState, record: StatusRecord): boolean {
  const key = statusRecordKey(record);
  return stackRecordsForRules(stack.records).some((kept) => statusRecordKey(kept) === key);
}

/**
 * Notes that DescribeStacks showed the stack at `at`; `changed` is false when it was already
 * known to exist at that time or later.
 *
 * @example
 * withSighting(stack, answeredAt);
 */
export function withSighting(stack: StackState, at: Instant): { state: StackState; changed: boolean } {
  if (stack.lastSeenAt !== null && stack.lastSeenAt >= at) return { state: stack, changed: false };
  return { state: { ...stack, lastSeenAt: at }, changed: true };
}

/**
 * Keeps what CloudFormation said of the stack: `changed` is false when the state already knew it.
 *
 * @example
 * withStackFacts(stack, { serviceTag: null, mutedByTag: false, rootStackId });
 */
export function withStackFacts(stack: StackState, facts: StackFacts): { state: StackState; changed: boolean } {
  if (stack.mutedByTag === facts.mutedByTag && stack.rootStackId === facts.rootStackId)
    return { state: stack, changed: false };
  return { state: { ...stack, mutedByTag: facts.mutedByTag, rootStackId: facts.rootStackId }, changed: true };
}

/**
 * Whether the stack belongs on the list of stacks muted by their tag: its tag mutes it and it was
 * not deleted (DELETE_COMPLETE, final, is its latest status as the rules take them).
 *
 * @example
 * listedAsMuted({ ...stack, mutedByTag: true }); // true while the stack exists
 */
export function listedAsMuted(stack: StackState): boolean {
  return stack.mutedByTag && stackOperations(stack).records.at(-1)?.status !== DELETE_COMPLETE;
}

/** Adds claims; one of the same identity (a suppressed one falling due again) is replaced. */
export function withClaims(stack: StackState, claims: readonly Claim[]): StackState {
  if (claims.length === 0) return stack;
  const kept = stack.claims.filter((old) => !claims.some((claim) => sameClaim(claim, old)));
  return { ...stack, claims: [...kept, ...claims] };
}

export function withoutClaim(stack: StackState, claim: Claim): StackState {
  return { ...stack, claims: stack.claims.filter((kept) => !sameClaim(kept, claim)) };
}

const withClaimChanged = (stack: StackState, claim: Claim, change: (kept: Claim) => Claim): StackState => ({
  ...stack,
  claims: stack.claims.map((kept) => (sameClaim(kept, claim) ? change(kept) : kept)),
});

export const withClaimRenewed = (stack: StackState, claim: Claim, at: Instant): StackState =>
  withClaimChanged(stack, claim, (kept) => renewed(kept, at));
/** Lanes of a claim published at `at`: the notifier (page) or the bus accepted it. */
export const withClaimSent = (
  stack: StackState,
  claim: Claim,
  at: Instant,
  lanes: readonly Lane[] = [Lane.PAGE],
): StackState =>
  withClaimChanged(stack, claim, (kept) => {
    const page = lanes.includes(Lane.PAGE) ? markedSent(kept, at) : kept;
    return lanes.includes(Lane.BUS) ? { ...page, bus: { state: DeliveryState.SENT, at } } : page;
  });
/**
 * A claim of an operation quiet since it was claimed: what it still owes in `lanes` (both, unless
 * said) settled as suppressed, never sent.
 */
export const withClaimSuppressed = (
  stack: StackState,
  claim: Claim,
  at: Instant,
  why: Quiet,
  lanes: readonly Lane[] = [Lane.PAGE, Lane.BUS],
): StackState =>
  withClaimChanged(stack, claim, (kept) => {
    const page = lanes.includes(Lane.PAGE) && lanePending(kept, Lane.PAGE) ? markedSuppressed(kept, at, why) : kept;
    return lanes.includes(Lane.BUS) && lanePending(kept, Lane.BUS)
      ? { ...page, bus: { state: DeliveryState.SUPPRESSED, at, why } }
      : page;
  });

/**
 * Whether an escalation (WARNING, CRITICAL) of the operation `claim` belongs to still owes its
 * event on the bus: the event of a FAILED or RESOLVED waits for it, so that a trigger never
 * reaches PagerDuty after its own resolution.
 *
 * @example
 * escalationEventOwed(state, resolvedClaim); // true while the WARNING's PutEvents is refused
 */
export function escalationEventOwed(stack: StackState, claim: Claim): boolean {
  const { operations } = stackOperations(stack);
  const owner = ownerIndex(operations, claim);
  return stack.claims.some(
    (other) =>
      (other.severity === Severity.WARNING || other.severity === Severity.CRITICAL) &&
      lanePending(other, Lane.BUS) &&
      ownerIndex(operations, other) === owner,
  );
}
/**
 * A claim with nothing left to say (its operation ended, a CRITICAL overtook it): one whose page
 * never went is dropped, as if never claimed; one whose page went keeps it, and owes the bus nothing.
 */
export function withClaimMoot(stack: StackState, claim: Claim): StackState {
  const kept = stack.claims.find((one) => sameClaim(one, claim));
  if (!kept || lanePending(kept, Lane.PAGE)) return withoutClaim(stack, claim);
  return withClaimChanged(stack, claim, ({ bus: _owedNothing, ...rest }) => rest);
}
