import { operationDuration, type Operation } from './operations.ts';
import { thresholdFor, type Threshold, type Thresholds } from './thresholds.ts';
import type { Instant } from './time.ts';

export const Severity = {
  /** A heads-up (opt-in): a known slow cause began; never a page, never on the bus. */
  INFO: 'INFO',
  WARNING: 'WARNING',
  CRITICAL: 'CRITICAL',
  FAILED: 'FAILED',
  RESOLVED: 'RESOLVED',
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** The severities an operation (and so a window) can reach; RESOLVED and INFO are only notifications. */
export type OperationSeverity = Exclude<Severity, 'RESOLVED' | 'INFO'>;

const RANK: Record<OperationSeverity, number> = { WARNING: 1, CRITICAL: 2, FAILED: 3 };

export function severityRank(severity: OperationSeverity | null): number {
  return severity === null ? 0 : RANK[severity];
}

export function maxSeverity(a: OperationSeverity | null, b: OperationSeverity | null): OperationSeverity | null {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/**
 * An operation's severity as of `now` (DESIGN.md, "Impact windows"): FAILED if it ended in a
 * failure status, else CRITICAL or WARNING by how long it ran against its type's fixed
 * thresholds (an `auto` type's ceiling: windows do not follow a stack's past).
 *
 * @example
 * operationSeverity(deleteRunningFor41Minutes, now, parseThresholds()); // 'CRITICAL'
 */
export function operationSeverity(
  operation: Operation,
  now: Instant,
  thresholds: Thresholds,
): OperationSeverity | null {
  return severityAgainst(operation, now, thresholdFor(thresholds, operation.type));
}

/**
 * An operation's severity as of `now` against given thresholds: an `auto` type's adaptive ones
 * (adaptive.ts) for its pages, the fixed ones for everything else ({@link operationSeverity}).
 *
 * @example
 * severityAgainst(update, now, { warnMs: 480_000, criticalMs: 960_000 }); // 'WARNING' after 8 min
 */
export function severityAgainst(
  operation: Operation,
  now: Instant,
  { warnMs, criticalMs }: Pick<Threshold, 'warnMs' | 'criticalMs'>,
): OperationSeverity | null {
  if (operation.state === 'ended' && operation.failed) return Severity.FAILED;
  const duration = operationDuration(operation, now);
  if (duration >= criticalMs) return Severity.CRITICAL;
  if (duration >= warnMs) return Severity.WARNING;
  return null;
}
