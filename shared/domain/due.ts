/**
 * What is due (DESIGN.md, Escalation): WARNING/CRITICAL at a sweep, FAILED/RESOLVED when the
 * terminal event is applied, each once per operation; and what may still be re-sent.
 */
import type { Claim } from './claims.ts';
import type { StatusRecord } from './operations.ts';
import type { OperationView } from './operation-view.ts';
import { deliveryWhenDue, PENDING, Quiet } from './outbox.ts';
import { Severity } from './severity.ts';
import { ceilToSecond, type Instant } from './time.ts';

export interface DueNotification {
  readonly severity: Severity;
  /** A CRITICAL reminder's number (1, 2, …); absent otherwise. */
  readonly repeat?: number | undefined;
  readonly view: OperationView;
  /** The status event the notification reports: the stack's latest, or the terminal one. */
  readonly status: StatusRecord;
}

/** A due notification and the claim that reserved it. */
export interface ClaimedNotification {
  readonly due: DueNotification;
  readonly claim: Claim;
}

/**
 * Whether a claim settles its severity for the operation: every claim does, but one suppressed
 * because a root told it, once the operation is no longer told by its root (the root ended while
 * it hangs): then nobody was told, and it falls due again.
 */
const settles = (view: OperationView, claim: Claim): boolean =>
  !(claim.delivery.state === 'suppressed' && claim.delivery.why === Quiet.NESTED && view.quiet === null);
const has = (view: OperationView, severity: Severity): boolean =>
  view.claims.some((claim) => claim.severity === severity && settles(view, claim));
/** Claimed for people (sent, or on its way): one suppressed while muted tells nobody. */
const meantForPeople = (view: OperationView, severity: Severity): boolean =>
  view.claims.some((claim) => claim.severity === severity && claim.delivery.state !== 'suppressed');

/**
 * FAILED and RESOLVED not yet claimed: sent at once when the terminal event is applied (claimed
 * as suppressed when the operation is quiet). RESOLVED follows only an escalation that went out,
 * or a continue-update-rollback that succeeded (the operation before it failed). Either is sent
 * once per operation: a terminal status learnt late, after a later one was taken for the
 * operation's end, sends nothing more (DESIGN.md: the operation is the same, same stack and start),
 * and one taken for an earlier operation's end goes to its own once that one's start is known.
 *
 * @example
 * dueOnEvent(viewOperations([stack], now, config)).map((due) => due.severity); // ['FAILED']
 */
export function dueOnEvent(views: readonly OperationView[]): DueNotification[] {
  const reported = new Set(
    views.flatMap(({ claims }) =>
      claims.flatMap((claim) =>
        claim.terminalAt === undefined ? [] : [`${claim.stackId}|${claim.terminalAt}|${claim.terminalStatus}`],
      ),
    ),
  );
  return views.flatMap((opView): DueNotification[] => {
    const { operation } = opView;
    if (operation.state !== 'ended' || has(opView, Severity.FAILED) || has(opView, Severity.RESOLVED)) return [];
    // A terminal event alone (its operation's start not known yet), reported already for the
    // operation it was taken to end: the operation it does end is told once its start is known.
    const alone = operation.phases.length === 1;
    if (alone && reported.has(`${operation.stackId}|${operation.end}|${operation.finalStatus}`)) return [];
    if (operation.failed)
      return [{ severity: Severity.FAILED, view: opView, status: reportedStatus(opView, Severity.FAILED) }];
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
  if (operation.state !== 'ended' || (severity !== Severity.FAILED && severity !== Severity.RESOLVED))
    return opView.latest;
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
 * operation is quiet, so that unmuting it pages from its next level on).
 *
 * @example
 * dueAtSweep(viewOperations(stacks, sweepMinute, config)).map((due) => due.severity); // ['CRITICAL']
 */
export function dueAtSweep(views: readonly OperationView[]): DueNotification[] {
  return views.flatMap((opView): DueNotification[] => {
    if (opView.operation.state !== 'running') return [];
    if (has(opView, Severity.CRITICAL)) {
      return opView.reminderDue === null
        ? []
        : [{ severity: Severity.CRITICAL, repeat: opView.reminderDue, view: opView, status: opView.latest }];
    }
    if (
      opView.severity === Severity.CRITICAL ||
      (opView.severity === Severity.WARNING && !has(opView, Severity.WARNING))
    ) {
      return [{ severity: opView.severity, view: opView, status: opView.latest }];
    }
    return [];
  });
}

/** An instant at which an operation's escalation falls due, and the operation as seen before it. */
export interface EscalationInstant {
  readonly at: Instant;
  readonly view: OperationView;
}

/**
 * When running operations (muted ones aside) next fall due for a WARNING, a CRITICAL or a CRITICAL
 * reminder within `(after, until]`, the operation standing still: the instants at which {@link dueAtSweep} would
 * begin to give something new, each to the whole second at or after it (as events' times are
 * written), by time and then as operations are listed. What the sweeper waits for to escalate on
 * time rather than at its next minute; at each, what is due is read again (the operation may have
 * ended meanwhile, or a late event moved its start).
 *
 * @example
 * escalationsFallingDue(viewOperations(stacks, now, config), now, now + ON_TIME_HORIZON_MS);
 * // [{ at: start + 20 min, view }]
 */
export function escalationsFallingDue(
  views: readonly OperationView[],
  after: Instant,
  until: Instant,
): EscalationInstant[] {
  const falling = views.flatMap((view): EscalationInstant[] => {
    const { operation, threshold } = view;
    // A muted operation's escalation only records a suppressed claim, which the next sweep does as
    // well: nobody is waiting for it. A nested one is waited for: its root may stop telling it.
    if (operation.state !== 'running' || view.quiet === Quiet.MUTED) return [];
    const instants = has(view, Severity.CRITICAL)
      ? view.reminderAt === null
        ? []
        : [view.reminderAt]
      : [
          ...(has(view, Severity.WARNING) ? [] : [operation.start + threshold.warnMs]),
          operation.start + threshold.criticalMs,
        ];
    return [...new Set(instants.map(ceilToSecond))]
      .filter((at) => at > after && at <= until)
      .map((at) => ({ at, view }));
  });
  // Stable: views come listed by start, then stack id.
  return falling.sort((a, b) => a.at - b.at);
}

/**
 * Whether a RESOLVED closes an incident its operation opened on the bus (an escalation's event went
 * out): its event goes then, even when the operation turned quiet since (muted mid-escalation),
 * or the incident would stay open for good.
 *
 * @example
 * closesIncident(view, 'RESOLVED'); // true once the WARNING's event went out
 */
export function closesIncident(view: OperationView, severity: Severity): boolean {
  return severity === Severity.RESOLVED && view.claims.some((claim) => claim.bus?.state === 'sent');
}

/**
 * The claim that reserves a due notification now, in both lanes (the page and the bus event):
 * pending, or suppressed at once when its operation is quiet (but for the event of a RESOLVED that
 * {@link closesIncident}).
 *
 * @example
 * withClaims(stack, [claimFor(due, now)]);
 */
export function claimFor(due: DueNotification, at: Instant): Claim {
  const { operation } = due.view;
  const base = {
    stackId: operation.stackId,
    operation: operation.type,
    severity: due.severity,
    ...(due.repeat === undefined ? {} : { repeat: due.repeat }),
    claimedAt: at,
    delivery: deliveryWhenDue(due.view.quiet, at),
    // A heads-up is for people only: no event on the bus, where it could reach an on-call route.
    ...(due.severity === Severity.INFO
      ? {}
      : { bus: closesIncident(due.view, due.severity) ? PENDING : deliveryWhenDue(due.view.quiet, at) }),
    anchor: operation.start,
  };
  // Two operations of one stack can begin in the same second (a DELETE_FAILED and its retry): a
  // terminal claim also names the event it reports.
  if (operation.state === 'ended' && (due.severity === Severity.FAILED || due.severity === Severity.RESOLVED)) {
    return { ...base, terminalAt: operation.end, terminalStatus: operation.finalStatus };
  }
  return base;
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
  // A heads-up is worth it only before anything else was said of the operation.
  if (claim.severity === Severity.INFO)
    return opView.operation.state === 'running' && opView.claims.every((other) => other.severity === Severity.INFO);
  if (claim.severity !== Severity.WARNING && claim.severity !== Severity.CRITICAL) return true;
  if (opView.operation.state !== 'running') return false;
  if (claim.severity === Severity.WARNING) return !has(opView, Severity.CRITICAL);
  // A CRITICAL (or reminder) overtaken by a later reminder has nothing left to say.
  return !opView.claims.some(
    (other) => other.severity === Severity.CRITICAL && (other.repeat ?? 0) > (claim.repeat ?? 0),
  );
}
