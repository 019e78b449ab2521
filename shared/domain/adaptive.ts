/**
 * Adaptive thresholds (issue 18): WARNING and CRITICAL by how long this stack's operations of a
 * type usually take, for the types the thresholds mark `auto`. With at least `minOperations`
 * successful operations of the type that ended within `lookbackMs` before this one began, WARNING
 * comes at max(floor, k × p95) of their durations and CRITICAL at max(floor, 2k × p95), never
 * later than the type's fixed thresholds, which stay the ceiling; with fewer, the fixed ones apply.
 *
 * Only pages follow them: an operation's severity for impact windows (severity.ts) stays on the
 * fixed thresholds, so that what a postmortem reads does not depend on a stack's past.
 */
import { operationDuration, type Operation } from './operations.ts';
import type { OperationType } from './status.ts';
import { thresholdFor, type Threshold, type Thresholds } from './thresholds.ts';
import { humanDuration, MINUTE_MS, type Instant } from './time.ts';

export interface AdaptiveSettings {
  /** WARNING at k × p95, CRITICAL at 2k × p95. */
  readonly k: number;
  /** Never earlier than this after the operation began. */
  readonly floorMs: number;
  /** Fewer successful operations of the type than this: the fixed thresholds. */
  readonly minOperations: number;
  /** Only operations that ended this long before this one began count. */
  readonly lookbackMs: number;
}

export const DEFAULT_ADAPTIVE: AdaptiveSettings = {
  k: 2,
  floorMs: 5 * MINUTE_MS,
  minOperations: 5,
  lookbackMs: 30 * 24 * 60 * MINUTE_MS,
};

/**
 * At most this many durations per operation type are kept of history folded out of a stack's
 * state (the newest): enough for a p95, and a few hundred bytes of its item (DESIGN.md's 64 KB).
 */
export const KEPT_DURATIONS_PER_TYPE = 20;

/** How long one successful operation of a stack took, and when it ended. */
export interface PastDuration {
  readonly type: OperationType;
  readonly end: Instant;
  readonly ms: number;
}

/** Which rule set an operation's thresholds: the fixed ones, or its stack's usual duration. */
export type ThresholdRule =
  | { readonly kind: 'fixed' }
  | {
      readonly kind: 'adaptive';
      /** The 95th percentile of the durations it was derived from. */
      readonly p95Ms: number;
      /** How many successful operations of the type those were. */
      readonly operations: number;
    };

export interface EffectiveThreshold extends Threshold {
  readonly rule: ThresholdRule;
}

const FIXED: ThresholdRule = { kind: 'fixed' };

/**
 * The durations of the operations that ended successfully (a rollback, a failure or one whose end
 * never arrived says nothing of how long the type usually takes).
 *
 * @example
 * durationsOf(stackOperations(stack).operations); // [{ type: 'UPDATE', end, ms: 240_000 }, …]
 */
export function durationsOf(operations: readonly Operation[]): PastDuration[] {
  return operations.flatMap((operation) =>
    operation.state === 'ended' && !operation.failed && !operation.continuesRollback
      ? [{ type: operation.type, end: operation.end, ms: operationDuration(operation, operation.end) }]
      : [],
  );
}

/**
 * The `q` quantile (0 < q ≤ 1) by nearest rank: the smallest value at least that share of them do
 * not exceed; 0 for none.
 *
 * @example
 * percentile([1, 2, 3, 4, 100], 0.5); // 3
 */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

/**
 * The 95th percentile by nearest rank: the smallest duration at least 95% of them do not exceed.
 *
 * @example
 * p95([1, 2, 3, 4, 100]); // 100
 */
export function p95(values: readonly number[]): number {
  return percentile(values, 0.95);
}

/**
 * The thresholds an operation of `type` that began at `start` escalates at, given its stack's
 * successful operations: adaptive when its type is `auto` and enough of them ended within the
 * lookback before `start`, else the fixed ones. A pure function of the set of durations (their
 * order does not matter), never later than the fixed thresholds, and monotone in `k`.
 *
 * @example
 * effectiveThreshold(parseThresholds('UPDATE=auto'), 'UPDATE', start, durations, DEFAULT_ADAPTIVE);
 * // { warnMs: 480_000, criticalMs: 960_000, rule: { kind: 'adaptive', p95Ms: 240_000, operations: 12 } }
 */
export function effectiveThreshold(
  thresholds: Thresholds,
  type: OperationType,
  start: Instant,
  durations: readonly PastDuration[],
  settings: AdaptiveSettings,
): EffectiveThreshold {
  const fixed = thresholdFor(thresholds, type);
  const ceiling = { warnMs: fixed.warnMs, criticalMs: fixed.criticalMs };
  if (!fixed.adaptive) return { ...ceiling, rule: FIXED };
  const samples = durations
    .filter((past) => past.type === type && past.end <= start && past.end >= start - settings.lookbackMs)
    .map((past) => past.ms);
  if (samples.length < settings.minOperations) return { ...ceiling, rule: FIXED };
  const usual = p95(samples);
  return {
    warnMs: Math.min(fixed.warnMs, Math.max(settings.floorMs, settings.k * usual)),
    criticalMs: Math.min(fixed.criticalMs, Math.max(settings.floorMs, 2 * settings.k * usual)),
    rule: { kind: 'adaptive', p95Ms: usual, operations: samples.length },
  };
}

/**
 * Durations of history folded out of a stack's state, bounded: those still within the lookback
 * of `now`, the newest {@link KEPT_DURATIONS_PER_TYPE} of each type, oldest first.
 *
 * @example
 * keptDurations([...stack.pastDurations, ...durationsOf(folded)], now, DEFAULT_ADAPTIVE);
 */
export function keptDurations(
  durations: readonly PastDuration[],
  now: Instant,
  settings: Pick<AdaptiveSettings, 'lookbackMs'>,
): PastDuration[] {
  const recent = durations
    .filter((past) => past.end >= now - settings.lookbackMs)
    .sort((a, b) => a.end - b.end || a.ms - b.ms || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const counts = new Map<OperationType, number>();
  const kept: PastDuration[] = [];
  for (const past of [...recent].reverse()) {
    const count = counts.get(past.type) ?? 0;
    if (count >= KEPT_DURATIONS_PER_TYPE) continue;
    counts.set(past.type, count + 1);
    kept.push(past);
  }
  return kept.reverse();
}

/**
 * Why a page came when it did, for an adaptive threshold: how the elapsed time compares with the
 * stack's usual duration; `null` for the fixed thresholds (their values are in the header).
 *
 * @example
 * explainThreshold({ kind: 'adaptive', p95Ms: 240_000, operations: 12 }, 744_000, 'UPDATE');
 * // "3.1× this stack's usual 4 min (p95 of 12 updates)"
 */
export function explainThreshold(rule: ThresholdRule, elapsedMs: number, type: OperationType): string | null {
  if (rule.kind === 'fixed') return null;
  const times = rule.p95Ms > 0 ? `${(elapsedMs / rule.p95Ms).toFixed(1)}× ` : '';
  return `${times}this stack's usual ${humanDuration(rule.p95Ms)} (p95 of ${rule.operations} ${type.toLowerCase()}s)`;
}
