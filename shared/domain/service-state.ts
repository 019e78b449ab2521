/**
 * The state of one service (account, region, service): the status events of all its stacks and
 * the notifications claimed for its operations. Everything else (operations, severities,
 * windows, what is due) is derived from it by pure functions, so that the stored item is the
 * single source of truth and concurrent writers only need optimistic versioning.
 */
import {
  compareOperations,
  foldOperations,
  operationStop,
  preferredRecord,
  stackRecordsForRules,
  statusRecordKey,
  storageOrder,
  type Operation,
  type StatusRecord,
} from './operations.ts';
import { groupBy } from './collections.ts';
import { isMuted } from './mute.ts';
import type { KeptStackFacts, StackFacts } from './stack-facts.ts';
import type { ServiceKey } from './service.ts';
import { operationSeverity, Severity, type OperationSeverity } from './severity.ts';
import type { WatchdogConfig } from './config.ts';
import type { Instant } from './time.ts';
import { deriveWindows, sameWindow, type Baseline, type ImpactWindow } from './windows.ts';
import type { OperationType } from './status.ts';
import { sameAnnouncement, type WindowAnnouncement } from './window-events.ts';

/**
 * A notification reserved for one operation. `anchor` pins it to its operation, which DESIGN.md
 * identifies by stack and start: the operation's start when claimed (a late event can move the
 * start earlier, never past the anchor). FAILED and RESOLVED also name the terminal event they
 * report, which tells apart operations of one stack that began in the same second.
 */
export type Claim = ClaimOf & ClaimDelivery;

/** Why an operation sends nothing now: its stack or service is muted, or its root's operation tells it. */
export const Quiet = { MUTED: 'muted', NESTED: 'nested' } as const;
export type Quiet = (typeof Quiet)[keyof typeof Quiet];

/**
 * Pending (claimed, not yet accepted), sent, or suppressed (settled when claimed, never
 * published): a suppressed claim that is still pending cannot be written down.
 */
export type ClaimDelivery =
  /** Claimed, and not (yet) accepted by the notifier. */
  | { readonly sentAt: null; readonly suppressed?: undefined }
  /**
   * Accepted by the notifier at `sentAt`; or, `suppressed`, its operation was muted when it fell
   * due: settled at `sentAt` (the claim's time) and never published.
   */
  | { readonly sentAt: Instant; readonly suppressed?: Quiet | undefined };

interface ClaimOf {
  readonly stackId: string;
  readonly anchor: Instant;
  /**
   * The operation's type: several operations of one stack can start in the same second (a
   * create that failed at once, then its deletion), and the claim must stay with its own.
   */
  readonly operation: OperationType;
  /** For FAILED and RESOLVED: the terminal status they report and its time. */
  readonly terminalStatus?: string | undefined;
  readonly terminalAt?: Instant | undefined;
  readonly severity: Severity;
  /** For a CRITICAL: which reminder it is (1, 2, …; absent for the CRITICAL itself). */
  readonly repeat?: number | undefined;
  readonly claimedAt: Instant;
}

/** What the store also keeps of the derivation, so that writers can tell when it changed. */
export interface DerivedSnapshot {
  readonly windows: readonly ImpactWindow[];
  readonly needsSweep: boolean;
}

export interface ServiceState {
  readonly key: ServiceKey;
  /** Version of the stored item, for conditional writes; 0 before the first write. */
  readonly version: number;
  readonly records: readonly StatusRecord[];
  readonly claims: readonly Claim[];
  /** The window events claimed for its windows (see window-events.ts). */
  readonly announcements: readonly WindowAnnouncement[];
  /** Stacks that are nested or muted by tag (stack-facts.ts); the others are not listed. */
  readonly stacks: readonly KeptStackFacts[];
  /**
   * When DescribeStacks last showed a stack whose operation runs past a threshold (the sweeper
   * asks at every sweep): a stack found gone later is taken as deleted then, not before.
   */
  readonly sightings: readonly StackSighting[];
  readonly derived: DerivedSnapshot;
  /** Settled history folded away (see compaction.ts); `null` while nothing was folded. */
  readonly baseline: Baseline | null;
  /**
   * Where the history that folds by size moved out is kept while a late event may still need it
   * (compaction.ts), oldest first; empty when none.
   */
  readonly folded: readonly FoldedPageRef[];
}

/** A page of folded history (compaction.ts `FoldedPage`) as the state names it: its id in the store and the span (from, cut] it holds. */
export interface FoldedPageRef {
  readonly id: string;
  readonly from: Instant | null;
  readonly cut: Instant;
}

export interface StackSighting {
  readonly stackId: string;
  readonly at: Instant;
}

export interface OperationView {
  readonly operation: Operation;
  /**
   * Why its notifications are not sent now, or `null` when they are: its stack or service is
   * muted (config.mutes, the `cfn-watchdog:mute` tag), or it is nested and its root's operation
   * tells it (while that one runs, or if it ended no earlier). Recorded all the same.
   */
  readonly quiet: Quiet | null;
  /** For a nested stack's operation: its root stack's id. */
  readonly rootStackId: string | null;
  /** The CRITICAL reminder due now (config.repeatCriticalEveryMs), or `null`. */
  readonly reminderDue: number | null;
  readonly severity: OperationSeverity | null;
  readonly claims: readonly Claim[];
  /** The stack's latest status event as the rules take it (for a notification's status and reason). */
  readonly latest: StatusRecord;
  /** When DescribeStacks last showed the stack (see {@link ServiceState.sightings}), if ever. */
  readonly lastSeenAt: Instant | null;
}

export interface ServiceView {
  readonly key: ServiceKey;
  /** By start, then stack id. */
  readonly operations: readonly OperationView[];
  readonly windows: readonly ImpactWindow[];
  readonly needsSweep: boolean;
}

export interface DueNotification {
  readonly severity: Severity;
  /** A CRITICAL reminder's number (1, 2, …); absent otherwise. */
  readonly repeat?: number | undefined;
  readonly view: OperationView;
  /** The status event the notification reports: the stack's latest, or the terminal one. */
  readonly status: StatusRecord;
}

export function emptyServiceState(key: ServiceKey): ServiceState {
  return {
    key,
    version: 0,
    records: [],
    claims: [],
    announcements: [],
    stacks: [],
    sightings: [],
    derived: { windows: [], needsSweep: false },
    baseline: null,
    folded: [],
  };
}

/**
 * Adds a status event; `changed` is false for a duplicate (same stack, time and status) and for
 * an event older than the folded history (`tooLate`), which can no longer change anything. Every
 * other record is kept, also one the rules ignore (dated after its stack's DELETE_COMPLETE, or
 * made up from DescribeStacks and overtaken by real events): which ones those are depends on the
 * whole set, and the rules work it out from the set (operations.ts, `stackRecordsForRules`).
 *
 * @example
 * const { state: next, changed } = withStatusRecord(state, record);
 */
export function withStatusRecord(
  state: ServiceState,
  record: StatusRecord,
): { state: ServiceState; changed: boolean; tooLate?: boolean } {
  if (state.baseline && record.time <= state.baseline.asOf) return { state, changed: false, tooLate: true };
  const key = statusRecordKey(record);
  const existing = state.records.find((kept) => statusRecordKey(kept) === key);
  if (existing && preferredRecord(existing, record) === existing) return { state, changed: false };
  const records = [...state.records.filter((kept) => kept !== existing), record].sort(storageOrder);
  return { state: { ...state, records }, changed: true };
}

/**
 * Whether the rules take a record of the state into account: `false` for one dated after its
 * stack's DELETE_COMPLETE (final), or made up from DescribeStacks and since overtaken.
 *
 * @example
 * if (!countsForRules(state, record)) log.warn('ignored by the rules', { … });
 */
export function countsForRules(state: ServiceState, record: StatusRecord): boolean {
  const key = statusRecordKey(record);
  return stackRecordsForRules(state.records.filter((kept) => kept.stackId === record.stackId)).some((kept) => statusRecordKey(kept) === key);
}

/**
 * Notes that DescribeStacks showed a stack at `at`; `changed` is false when it was already
 * known to exist at that time or later.
 *
 * @example
 * withSighting(state, stackId, sweepMinute);
 */
export function withSighting(state: ServiceState, stackId: string, at: Instant): { state: ServiceState; changed: boolean } {
  const known = state.sightings.find((sighting) => sighting.stackId === stackId);
  if (known && known.at >= at) return { state, changed: false };
  return { state: { ...state, sightings: [...state.sightings.filter((sighting) => sighting !== known), { stackId, at }] }, changed: true };
}

/**
 * Keeps what CloudFormation said of a stack (when it said anything): `changed` is false when the
 * state already knew it. Plain root stacks are not listed, so most states list none.
 *
 * @example
 * withStackFacts(state, nestedStackId, { serviceTag: null, mutedByTag: false, rootStackId: rootStackId });
 */
export function withStackFacts(state: ServiceState, stackId: string, facts: StackFacts): { state: ServiceState; changed: boolean } {
  const kept = state.stacks.find((stack) => stack.stackId === stackId);
  const listed = facts.mutedByTag || facts.rootStackId !== null;
  if (kept ? kept.mutedByTag === facts.mutedByTag && kept.rootStackId === facts.rootStackId : !listed) return { state, changed: false };
  const others = state.stacks.filter((stack) => stack.stackId !== stackId);
  const stacks = listed ? [...others, { stackId, mutedByTag: facts.mutedByTag, rootStackId: facts.rootStackId }] : others;
  return { state: { ...state, stacks }, changed: true };
}

type ClaimIdentity = Pick<Claim, 'stackId' | 'anchor' | 'operation' | 'terminalStatus' | 'terminalAt' | 'severity' | 'repeat'>;

export function sameClaim(a: ClaimIdentity, b: ClaimIdentity): boolean {
  return (
    a.stackId === b.stackId &&
    a.anchor === b.anchor &&
    a.operation === b.operation &&
    a.terminalStatus === b.terminalStatus &&
    a.terminalAt === b.terminalAt &&
    a.severity === b.severity &&
    (a.repeat ?? 0) === (b.repeat ?? 0)
  );
}

/**
 * The operation a claim belongs to. DESIGN.md identifies an operation by stack and start: a
 * FAILED or RESOLVED belongs to the operation that ends with the terminal event it reported, if
 * that one started no later than the claim says; otherwise, and for WARNING and CRITICAL, to the
 * stack's last operation of the claim's type that started at or before the anchor (else the last
 * of any type); to none when all started later (their operation was folded away). So a terminal
 * event that was taken for an operation's end, and turns out to end the next one, leaves the
 * claim with the operation whose start it named: the next one has claimed nothing yet.
 * Operations of one stack that began in the same second (a create that failed at once, then its
 * deletion; a DELETE_FAILED and its retry) are told apart by type and by the terminal event.
 */
function ownerIndex(operations: readonly Operation[], claim: Claim): number {
  if (claim.terminalAt !== undefined) {
    // The operation that ends with the event it reported and started no later than it said (a
    // late event can move a start earlier): the same start first, as two can share a second.
    const endsWithIt = (operation: Operation): boolean =>
      operation.state === 'ended' &&
      operation.type === claim.operation &&
      operation.end === claim.terminalAt &&
      operation.finalStatus === claim.terminalStatus &&
      operation.start <= claim.anchor;
    const same = operations.findIndex((operation) => endsWithIt(operation) && operation.start === claim.anchor);
    const ended = same >= 0 ? same : operations.findIndex(endsWithIt);
    if (ended >= 0) return ended;
  }
  let owner = -1;
  let ofItsType = -1;
  operations.forEach((operation, index) => {
    if (operation.start > claim.anchor) return;
    owner = index;
    if (operation.type === claim.operation) ofItsType = index;
  });
  return ofItsType >= 0 ? ofItsType : owner;
}

/**
 * Derives operations with their severities and claims, and the windows, as of `now`.
 *
 * @example
 * const view = viewService(state, clock(), config);
 * view.windows; // [{ start, end: null, peakSeverity: 'CRITICAL', … }]
 */
export function viewService(state: ServiceState, now: Instant, config: WatchdogConfig): ServiceView {
  const known = viewsDerived.get(state);
  if (known?.now === now && known.config === config) return known.view;
  const view = deriveView(state, now, config);
  viewsDerived.set(state, { now, config, view });
  return view;
}

/**
 * Views already derived, by state: a write derives the view of the same state several times
 * (what is due, what to announce, what to store), and states are never changed in place.
 */
const viewsDerived = new WeakMap<ServiceState, { readonly now: Instant; readonly config: WatchdogConfig; readonly view: ServiceView }>();

function deriveView(state: ServiceState, now: Instant, config: WatchdogConfig): ServiceView {
  const byStack = new Map([...groupBy(state.records, (record) => record.stackId)].map(([stackId, records]) => [stackId, stackRecordsForRules(records)]));
  const operationsOf = new Map([...byStack].map(([stackId, records]) => [stackId, foldOperations(records)]));
  const operations: OperationView[] = [];
  for (const [stackId, records] of byStack) {
    const latest = records.at(-1);
    if (!latest) continue;
    const lastSeenAt = state.sightings.find((sighting) => sighting.stackId === stackId)?.at ?? null;
    const stackOperations = operationsOf.get(stackId) ?? [];
    const claims = state.claims.filter((claim) => claim.stackId === stackId);
    const facts = state.stacks.find((stack) => stack.stackId === stackId);
    const rootStackId = facts?.rootStackId ?? null;
    const rootOperations = rootStackId === null ? [] : (operationsOf.get(rootStackId) ?? []);
    const owners = claims.map((claim) => ownerIndex(stackOperations, claim));
    stackOperations.forEach((operation, index) => {
      const owned = claims.filter((_, at) => owners[at] === index);
      const quiet =
        facts?.mutedByTag === true || isMuted(config.mutes, operation.stackName, state.key.service)
          ? Quiet.MUTED
          : coveredByRoot(operation, rootOperations)
            ? Quiet.NESTED
            : null;
      operations.push({
        operation,
        quiet,
        rootStackId,
        reminderDue: reminderDue(operation, quiet, owned, now, config),
        severity: operationSeverity(operation, now, config.thresholds),
        claims: owned,
        latest,
        lastSeenAt,
      });
    });
  }
  operations.sort((a, b) => compareOperations(a.operation, b.operation));
  const windows = deriveWindows(state.records, now, config, state.baseline);
  const needsSweep =
    operations.some(({ operation }) => operation.state === 'running') ||
    state.claims.some((claim) => claim.sentAt === null) ||
    state.announcements.some((announced) => announced.sentAt === null) ||
    windows.some((window) => window.awaitingReplacementSince !== null);
  return { key: state.key, operations, windows, needsSweep };
}

/**
 * Whether a nested stack's operation is told by its root's: one that began no later and still
 * runs, or ended no earlier. A nested deletion still hanging after its root's operation failed is
 * nobody else's to tell: it pages on its own.
 */
function coveredByRoot(operation: Operation, rootOperations: readonly Operation[]): boolean {
  const stop = operationStop(operation);
  return rootOperations.some((root) => {
    if (root.start > operation.start) return false;
    const rootStop = operationStop(root);
    return rootStop === null || (stop !== null && rootStop >= stop);
  });
}

/**
 * Whether a claim settles its severity for the operation: every claim does, but one suppressed
 * because a root told it, once the operation is no longer told by its root (the root ended while
 * it hangs): then nobody was told, and it falls due again.
 */
const settles = (view: OperationView, claim: Claim): boolean => !(claim.suppressed === Quiet.NESTED && view.quiet === null);
const has = (view: OperationView, severity: Severity): boolean => view.claims.some((claim) => claim.severity === severity && settles(view, claim));
/** Claimed for people (sent, or on its way): one suppressed while muted tells nobody. */
const meantForPeople = (view: OperationView, severity: Severity): boolean =>
  view.claims.some((claim) => claim.severity === severity && !claim.suppressed);

/**
 * Whether a claim reached people: the notifier accepted it, and it was not suppressed. What
 * `status` and the report show as sent.
 *
 * @example
 * view.claims.filter(reachedPeople).map((claim) => claim.severity); // ['WARNING']
 */
export function reachedPeople(claim: Claim): claim is Claim & { sentAt: Instant } {
  return claim.sentAt !== null && !claim.suppressed;
}

/**
 * The number of the CRITICAL reminder due at `now`: the next one, an interval after the last
 * CRITICAL (or reminder) went out; none while that one is still unsent, so that a notifier that
 * fails for a while sends one reminder when it recovers, not a pile.
 */
function reminderDue(operation: Operation, quiet: Quiet | null, claims: readonly Claim[], now: Instant, config: WatchdogConfig): number | null {
  const every = config.repeatCriticalEveryMs;
  if (every === null || quiet !== null || operation.state !== 'running') return null;
  // A CRITICAL suppressed because a root told it is due again itself, not reminded of.
  const last = claims
    .filter((claim) => claim.severity === Severity.CRITICAL && claim.suppressed !== Quiet.NESTED)
    .sort((a, b) => (a.repeat ?? 0) - (b.repeat ?? 0))
    .at(-1);
  if (!last || last.sentAt === null || now - last.sentAt < every) return null;
  return (last.repeat ?? 0) + 1;
}

/**
 * FAILED and RESOLVED not yet claimed: sent at once when the terminal event is applied (claimed
 * as suppressed when the operation is muted). RESOLVED follows only an escalation that went out,
 * or a continue-update-rollback that succeeded (the operation before it failed). Either is sent
 * once per operation: a terminal status learnt late, after a later one was taken for the
 * operation's end, sends nothing more (DESIGN.md: the operation is the same, same stack and start),
 * and one taken for an earlier operation's end goes to its own once that one's start is known.
 *
 * @example
 * dueOnEvent(viewService(state, now, config)).map((due) => due.severity); // ['FAILED']
 */
export function dueOnEvent(view: ServiceView): DueNotification[] {
  const reported = new Set(
    view.operations.flatMap(({ claims }) => claims.flatMap((claim) => (claim.terminalAt === undefined ? [] : [`${claim.stackId}|${claim.terminalAt}|${claim.terminalStatus}`]))),
  );
  return view.operations.flatMap((opView): DueNotification[] => {
    const { operation } = opView;
    if (operation.state !== 'ended' || has(opView, Severity.FAILED) || has(opView, Severity.RESOLVED)) return [];
    // A terminal event alone (its operation's start not known yet), reported already for the
    // operation it was taken to end: the operation it does end is told once its start is known.
    const alone = operation.phases.length === 1;
    if (alone && reported.has(`${operation.stackId}|${operation.end}|${operation.finalStatus}`)) return [];
    if (operation.failed) return [{ severity: Severity.FAILED, view: opView, status: reportedStatus(opView, Severity.FAILED) }];
    const escalated = meantForPeople(opView, Severity.WARNING) || meantForPeople(opView, Severity.CRITICAL);
    if (escalated || operation.continuesRollback) {
      return [{ severity: Severity.RESOLVED, view: opView, status: reportedStatus(opView, Severity.RESOLVED) }];
    }
    return [];
  });
}

/** The status a notification reports: the terminal one for FAILED/RESOLVED, else the stack's latest. */
export function reportedStatus(opView: OperationView, severity: Severity): StatusRecord {
  const { operation } = opView;
  if (operation.state !== 'ended' || (severity !== Severity.FAILED && severity !== Severity.RESOLVED)) return opView.latest;
  return {
    stackId: operation.stackId,
    stackName: operation.stackName,
    time: operation.end,
    status: operation.finalStatus,
    statusReason: operation.phases.at(-1)?.statusReason ?? '',
  };
}

/**
 * WARNING or CRITICAL for running operations that reached a threshold: CRITICAL alone when
 * both were passed, and never a lower level after a higher one (claimed as suppressed when the
 * operation is muted, so that unmuting it pages from its next level on).
 *
 * @example
 * dueAtSweep(viewService(state, sweepMinute, config)).map((due) => due.severity); // ['CRITICAL']
 */
export function dueAtSweep(view: ServiceView): DueNotification[] {
  return view.operations.flatMap((opView): DueNotification[] => {
    if (opView.operation.state !== 'running') return [];
    if (has(opView, Severity.CRITICAL)) {
      return opView.reminderDue === null ? [] : [{ severity: Severity.CRITICAL, repeat: opView.reminderDue, view: opView, status: opView.latest }];
    }
    if (opView.severity === Severity.CRITICAL || (opView.severity === Severity.WARNING && !has(opView, Severity.WARNING))) {
      return [{ severity: opView.severity, view: opView, status: opView.latest }];
    }
    return [];
  });
}

/** A due notification and the claim that reserved it. */
export interface ClaimedNotification {
  readonly due: DueNotification;
  readonly claim: Claim;
}

export function claimFor(due: DueNotification, at: Instant): Claim {
  const { operation } = due.view;
  const base = {
    stackId: operation.stackId,
    operation: operation.type,
    severity: due.severity,
    ...(due.repeat === undefined ? {} : { repeat: due.repeat }),
    claimedAt: at,
    ...(due.view.quiet !== null ? { sentAt: at, suppressed: due.view.quiet } : { sentAt: null }),
  };
  // Two operations of one stack can begin in the same second (a DELETE_FAILED and its retry): a
  // terminal claim also names the event it reports.
  if (operation.state === 'ended' && (due.severity === Severity.FAILED || due.severity === Severity.RESOLVED)) {
    return { ...base, anchor: operation.start, terminalAt: operation.end, terminalStatus: operation.finalStatus };
  }
  return { ...base, anchor: operation.start };
}

/** Adds claims; one of the same identity (a suppressed one falling due again) is replaced. */
export function withClaims(state: ServiceState, claims: readonly Claim[]): ServiceState {
  // The same state when nothing is added, so that its view is derived once (viewService).
  if (claims.length === 0) return state;
  const kept = state.claims.filter((old) => !claims.some((claim) => sameClaim(claim, old)));
  return { ...state, claims: [...kept, ...claims] };
}

/** Claims not sent within the lease: the invocation that claimed them failed to publish. */
export function stalePendingClaims(state: ServiceState, now: Instant, leaseMs: number): Claim[] {
  return state.claims.filter((claim) => claim.sentAt === null && now - claim.claimedAt >= leaseMs);
}

/**
 * Whether a WARNING/CRITICAL whose first publish failed may still go out: only while its
 * operation runs and no CRITICAL was claimed after a WARNING (never a lower level after a
 * higher one, never an escalation after the completion). FAILED/RESOLVED always may.
 *
 * @example
 * stillWorthSending(opView, staleWarning); // false once the operation ended
 */
export function stillWorthSending(opView: OperationView, claim: Claim): boolean {
  if (claim.severity !== Severity.WARNING && claim.severity !== Severity.CRITICAL) return true;
  if (opView.operation.state !== 'running') return false;
  if (claim.severity === Severity.WARNING) return !has(opView, Severity.CRITICAL);
  // A CRITICAL (or reminder) overtaken by a later reminder has nothing left to say.
  return !opView.claims.some((other) => other.severity === Severity.CRITICAL && (other.repeat ?? 0) > (claim.repeat ?? 0));
}

export function withoutClaim(state: ServiceState, claim: Claim): ServiceState {
  return { ...state, claims: state.claims.filter((kept) => !sameClaim(kept, claim)) };
}

export function withClaimRenewed(state: ServiceState, claim: Claim, at: Instant): ServiceState {
  return { ...state, claims: state.claims.map((kept) => (sameClaim(kept, claim) ? { ...kept, claimedAt: at } : kept)) };
}

/** A pending claim of an operation quiet since it was claimed: settled as suppressed, never sent. */
export function withClaimSuppressed(state: ServiceState, claim: Claim, at: Instant, why: Quiet): ServiceState {
  return { ...state, claims: state.claims.map((kept) => (sameClaim(kept, claim) ? { ...kept, sentAt: at, suppressed: why } : kept)) };
}

export function withClaimSent(state: ServiceState, claim: Claim, at: Instant): ServiceState {
  return { ...state, claims: state.claims.map((kept) => (sameClaim(kept, claim) ? { ...kept, sentAt: at } : kept)) };
}

export function withAnnouncements(state: ServiceState, announcements: readonly WindowAnnouncement[]): ServiceState {
  if (announcements.length === 0) return state;
  return { ...state, announcements: [...state.announcements, ...announcements] };
}

/** Window events not sent within the lease: the invocation that claimed them failed to publish. */
export function staleAnnouncements(state: ServiceState, now: Instant, leaseMs: number): WindowAnnouncement[] {
  return state.announcements.filter((announced) => announced.sentAt === null && now - announced.claimedAt >= leaseMs);
}

export function withAnnouncementRenewed(state: ServiceState, announced: WindowAnnouncement, at: Instant): ServiceState {
  return {
    ...state,
    announcements: state.announcements.map((kept) => (sameAnnouncement(kept, announced) ? { ...kept, claimedAt: at } : kept)),
  };
}

export function withAnnouncementSent(state: ServiceState, announced: WindowAnnouncement, at: Instant): ServiceState {
  return {
    ...state,
    announcements: state.announcements.map((kept) => (sameAnnouncement(kept, announced) ? { ...kept, sentAt: at } : kept)),
  };
}

export function snapshotOf(view: ServiceView): DerivedSnapshot {
  return { windows: view.windows, needsSweep: view.needsSweep };
}

export function snapshotChanged(state: ServiceState, view: ServiceView): boolean {
  const { derived } = state;
  return (
    derived.needsSweep !== view.needsSweep ||
    derived.windows.length !== view.windows.length ||
    derived.windows.some((window, index) => !sameWindow(window, view.windows[index] as ImpactWindow))
  );
}
