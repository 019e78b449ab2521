/**
 * The view of stacks' operations as of a moment: each operation with its severity, the claims
 * that belong to it, and whether it is quiet (muted, or told by its nested stack's root). Derived
 * from stack states alone; what is due (due.ts) and what a notification says are read from it.
 */
import { owesDelivery, ownerIndex, type Claim } from './claims.ts';
import type { WatchdogConfig } from './config.ts';
import { isMuted } from './mute.ts';
import {
  compareOperations,
  foldOperations,
  operationStop,
  stackRecordsForRules,
  type Operation,
  type StatusRecord,
} from './operations.ts';
import { Quiet, settledAt } from './outbox.ts';
import { durationsOf, effectiveThreshold, type EffectiveThreshold, type PastDuration } from './adaptive.ts';
import { severityAgainst, Severity, type OperationSeverity } from './severity.ts';
import type { StackState } from './stack-state.ts';
import type { Instant } from './time.ts';

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
  /** When the next CRITICAL reminder falls due, if one is to come (it may be due already). */
  readonly reminderAt: Instant | null;
  /** What its pages go by: its thresholds, adaptive for an `auto` type with enough history. */
  readonly threshold: EffectiveThreshold;
  /** Its severity against {@link threshold}, for its pages. */
  readonly severity: OperationSeverity | null;
  readonly claims: readonly Claim[];
  /** The stack's latest status event as the rules take it (for a notification's status and reason). */
  readonly latest: StatusRecord;
  /** When DescribeStacks last showed the stack (see {@link StackState.lastSeenAt}), if ever. */
  readonly lastSeenAt: Instant | null;
}

/**
 * A stack's records as the rules take them, and its operations: derived once per state (states are never changed in
 * place).
 */
interface StackDerivation {
  readonly records: readonly StatusRecord[];
  readonly operations: readonly Operation[];
  /** How long its successful operations took: those folded out, then those in `records`. */
  readonly durations: readonly PastDuration[];
}
const derived = new WeakMap<StackState, StackDerivation>();

/**
 * A stack's records as the rules take them (`stackRecordsForRules`) and its operations.
 *
 * @example
 * stackOperations(stack).operations.at(-1)?.state; // 'running'
 */
export function stackOperations(stack: StackState): StackDerivation {
  const known = derived.get(stack);
  if (known) return known;
  const records = stackRecordsForRules(stack.records);
  const operations = foldOperations(records);
  const derivation = { records, operations, durations: [...stack.pastDurations, ...durationsOf(operations)] };
  derived.set(stack, derivation);
  return derivation;
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
 * The next CRITICAL reminder and when it falls due: an interval after the last CRITICAL (or
 * reminder) went out; none while that one is still unsent, so that a notifier that fails for a
 * while sends one reminder when it recovers, not a pile.
 */
function nextReminder(
  operation: Operation,
  quiet: Quiet | null,
  claims: readonly Claim[],
  config: WatchdogConfig,
): { readonly repeat: number; readonly at: Instant } | null {
  const every = config.repeatCriticalEveryMs;
  if (every === null || quiet !== null || operation.state !== 'running') return null;
  // A CRITICAL suppressed because a root told it is due again itself, not reminded of.
  const last = claims
    .filter(
      (claim) =>
        claim.severity === Severity.CRITICAL &&
        !(claim.delivery.state === 'suppressed' && claim.delivery.why === Quiet.NESTED),
    )
    .sort((a, b) => (a.repeat ?? 0) - (b.repeat ?? 0))
    .at(-1);
  if (last === undefined) return null;
  const settled = settledAt(last);
  return settled === null ? null : { repeat: (last.repeat ?? 0) + 1, at: settled + every };
}

/**
 * The operations of `stacks` with their severities and claims as of `now`, by start then stack
 * id. A nested stack's root must be among `stacks` for its operations to be told by the root's;
 * one whose root is not given pages on its own.
 *
 * @example
 * viewOperations([stack], clock(), config).at(-1)?.severity; // 'CRITICAL'
 */
export function viewOperations(stacks: readonly StackState[], now: Instant, config: WatchdogConfig): OperationView[] {
  const byId = new Map(stacks.map((stack) => [stack.stackId, stack]));
  const views: OperationView[] = [];
  for (const stack of stacks) {
    const { records, operations, durations } = stackOperations(stack);
    const latest = records.at(-1);
    if (!latest) continue;
    const root = stack.rootStackId === null ? undefined : byId.get(stack.rootStackId);
    const rootOperations = root ? stackOperations(root).operations : [];
    const owners = stack.claims.map((claim) => ownerIndex(operations, claim));
    operations.forEach((operation, index) => {
      const owned = stack.claims.filter((_, at) => owners[at] === index);
      const quiet =
        stack.mutedByTag || isMuted(config.mutes, operation.stackName, stack.key.service)
          ? Quiet.MUTED
          : coveredByRoot(operation, rootOperations)
            ? Quiet.NESTED
            : null;
      const threshold = effectiveThreshold(
        config.thresholds,
        operation.type,
        operation.start,
        durations,
        config.adaptive,
      );
      const reminder = nextReminder(operation, quiet, owned, config);
      views.push({
        operation,
        quiet,
        rootStackId: stack.rootStackId,
        reminderDue: reminder !== null && now >= reminder.at ? reminder.repeat : null,
        reminderAt: reminder?.at ?? null,
        threshold,
        severity: severityAgainst(operation, now, threshold),
        claims: owned,
        latest,
        lastSeenAt: stack.lastSeenAt,
      });
    });
  }
  return views.sort((a, b) => compareOperations(a.operation, b.operation));
}

/**
 * Whether the stack has something for the sweeper: an operation running (to escalate, or to
 * re-check with CloudFormation), a notification claimed and not yet sent, or events its service's
 * windows were not derived from yet.
 *
 * @example
 * needsSweep(stack); // true while a deployment runs
 */
export function stackNeedsSweep(stack: StackState): boolean {
  return (
    stack.unwalkedSince !== null ||
    stack.claims.some(owesDelivery) ||
    stackOperations(stack).operations.at(-1)?.state === 'running'
  );
}
