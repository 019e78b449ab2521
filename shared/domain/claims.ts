/**
 * Claims: the pages of the outbox (outbox.ts). A claim reserves one notification (severity, and
 * for a CRITICAL reminder its number) for one operation, which DESIGN.md identifies by stack and
 * start; it lives with its stack's state, in the write that made it due.
 */
import type { Operation } from './operations.ts';
import { DeliveryState, isPending, type Delivery, type OutboxEntry } from './outbox.ts';
import type { Severity } from './severity.ts';
import type { OperationType } from './status.ts';
import type { Instant } from './time.ts';

/**
 * A notification reserved for one operation. `anchor` pins it to its operation: the operation's
 * start when claimed (a late event can move the start earlier, never past the anchor). FAILED
 * and RESOLVED also name the terminal event they report, which tells apart operations of one
 * stack that began in the same second.
 *
 * It goes out in two lanes, claimed together in one write: the page to people through the alerts
 * topic (`delivery`), then the same notification as data on the watchdog's bus (`bus`, the
 * `Deployment Escalated`/`Resolved` event PagerDuty, Incident Manager and OpsCenter rules take).
 * Each lane is marked sent on its own, so a bus that refuses never holds up or repeats a page.
 */
export interface Claim extends OutboxEntry {
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
  /**
   * The bus lane. Absent when nothing is owed on the bus: a claim stored before the lane existed,
   * or one whose event had nothing left to say when its turn came (its operation ended, a
   * CRITICAL overtook it), since a trigger after its own resolution would open an incident that
   * nothing ever closes.
   */
  readonly bus?: Delivery | undefined;
}

/** The two ways out of a claim: the page to people, the event to programs. */
export const Lane = { PAGE: 'page', BUS: 'bus' } as const;
export type Lane = (typeof Lane)[keyof typeof Lane];

/**
 * Whether a lane of a claim is still to be published.
 *
 * @example
 * lanePending(claim, Lane.BUS); // true until the bus took the event
 */
export const lanePending = (claim: Claim, lane: Lane): boolean =>
  lane === Lane.PAGE ? isPending(claim) : claim.bus?.state === DeliveryState.PENDING;

/**
 * Whether a claim still owes a publish in either lane: its stack stays swept, its history unfolded.
 *
 * @example
 * stack.claims.some(owesDelivery); // true while the bus has not taken a page's event
 */
export const owesDelivery = (claim: Claim): boolean => lanePending(claim, Lane.PAGE) || lanePending(claim, Lane.BUS);

/**
 * Owes a publish longer than the lease: whoever claimed it failed to publish it (or is still
 * trying, for longer than a publish may take); a sweep renews it and publishes what it owes.
 *
 * @example
 * isStaleClaim(claim, now, config.sendLeaseMs); // true two minutes after a refused PutEvents
 */
export const isStaleClaim = (claim: Claim, now: Instant, leaseMs: number): boolean =>
  owesDelivery(claim) && now - claim.claimedAt >= leaseMs;

type ClaimIdentity = Pick<
  Claim,
  'stackId' | 'anchor' | 'operation' | 'terminalStatus' | 'terminalAt' | 'severity' | 'repeat'
>;

/**
 * Whether two claims reserve the same notification (whatever their delivery).
 *
 * @example
 * state.claims.find((kept) => sameClaim(kept, claim));
 */
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
 * The operation a claim belongs to, as an index into one stack's operations. A FAILED or
 * RESOLVED belongs to the operation that ends with the terminal event it reported, if that one
 * started no later than the claim says; otherwise, and for WARNING and CRITICAL, to the stack's
 * last operation of the claim's type that started at or before the anchor (else the last of any
 * type); to none (-1) when all started later (their operation was folded away). So a terminal
 * event that was taken for an operation's end, and turns out to end the next one, leaves the claim
 * with the operation whose start it named: the next one has claimed nothing yet.
 *
 * @example
 * operations[ownerIndex(operations, claim)]; // the operation the claim was made for
 */
export function ownerIndex(operations: readonly Operation[], claim: Claim): number {
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
 * Whether a claim reached people: the notifier accepted it, and it was not suppressed. What
 * `status` and the report show as sent.
 *
 * @example
 * view.claims.filter(reachedPeople).map((claim) => claim.severity); // ['WARNING']
 */
export function reachedPeople(claim: Claim): claim is Claim & { delivery: { state: 'sent'; at: Instant } } {
  return claim.delivery.state === 'sent';
}
