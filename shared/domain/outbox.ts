/**
 * The outbox: what the watchdog must tell someone, reserved before it is told. Pages (WARNING,
 * CRITICAL, FAILED, RESOLVED) and window events (Impact Window Opened/Closed) are both entries of
 * it with one lifecycle: an entry is claimed *pending* in the conditional write that made it due
 * (so concurrent writers claim it once), published, and only then marked *sent*; or it is settled
 * *suppressed* when claimed (its operation is muted, or its root's operation tells it) and never
 * published. A pending entry whose publisher died or was refused is renewed and published again
 * after a lease by the sweeper.
 *
 * pending ──publish accepted──▶ sent
 *    └────────quiet when due───▶ suppressed
 */
import type { Instant } from './time.ts';

/** Why an operation sends nothing now: its stack or service is muted, or its root's operation tells it. */
export const Quiet = { MUTED: 'muted', NESTED: 'nested' } as const;
export type Quiet = (typeof Quiet)[keyof typeof Quiet];

export const DeliveryState = { PENDING: 'pending', SENT: 'sent', SUPPRESSED: 'suppressed' } as const;
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

export type Delivery =
  | { readonly state: typeof DeliveryState.PENDING }
  /** The publisher accepted it at `at`. */
  | { readonly state: typeof DeliveryState.SENT; readonly at: Instant }
  /** Settled at `at`, when it fell due, and never published. */
  | { readonly state: typeof DeliveryState.SUPPRESSED; readonly at: Instant; readonly why: Quiet };

/** What every outbox entry carries besides what it says. */
export interface OutboxEntry {
  /** When it was claimed, or last renewed for a re-send. */
  readonly claimedAt: Instant;
  readonly delivery: Delivery;
}

export const PENDING: Delivery = { state: DeliveryState.PENDING };

/** The delivery of an entry falling due now: pending, or suppressed at once when its operation is quiet. */
export const deliveryWhenDue = (quiet: Quiet | null, at: Instant): Delivery =>
  quiet === null ? PENDING : { state: DeliveryState.SUPPRESSED, at, why: quiet };

export const isPending = (entry: OutboxEntry): boolean => entry.delivery.state === DeliveryState.PENDING;

/**
 * When an entry was settled (sent or suppressed), `null` while pending.
 *
 * @example
 * settledAt(claim); // 1632252540000 once sent
 */
export const settledAt = (entry: OutboxEntry): Instant | null =>
  entry.delivery.state === DeliveryState.PENDING ? null : entry.delivery.at;

/**
 * Pending longer than the lease: whoever claimed it failed to publish it (or is still trying, for
 * longer than a publish may take); a sweep renews it and publishes it again.
 *
 * @example
 * isStale(claim, now, config.sendLeaseMs); // true two minutes after a failed publish
 */
export const isStale = (entry: OutboxEntry, now: Instant, leaseMs: number): boolean =>
  isPending(entry) && now - entry.claimedAt >= leaseMs;

export const markedSent = <T extends OutboxEntry>(entry: T, at: Instant): T => ({
  ...entry,
  delivery: { state: DeliveryState.SENT, at },
});

export const markedSuppressed = <T extends OutboxEntry>(entry: T, at: Instant, why: Quiet): T => ({
  ...entry,
  delivery: { state: DeliveryState.SUPPRESSED, at, why },
});

export const renewed = <T extends OutboxEntry>(entry: T, at: Instant): T => ({ ...entry, claimedAt: at });
