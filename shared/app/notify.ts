/**
 * Sending claimed notifications: publish, then mark sent only once the notifier (or the bus)
 * accepted it.
 */
import type { ClaimedNotification, DueNotification } from '../domain/due.ts';
import { buildNotification, type Notification, type NotificationEvidence } from '../domain/notification.ts';
import { viewOperations } from '../domain/operation-view.ts';
import { Lane, lanePending, owesDelivery, sameClaim, type Claim } from '../domain/claims.ts';
import type { ServiceKey } from '../domain/service.ts';
import { Severity } from '../domain/severity.ts';
import { escalationEventOwed, withClaimSent, type StackState } from '../domain/stack-state.ts';
import type { Instant } from '../domain/time.ts';
import { WatchdogError } from '../errors.ts';
import type { ApplyDeps } from './deps.ts';
import { liveResourcesInProgress, operationFailureReasons, operationResourcesInProgress } from './resources.ts';
import { updateStack } from './stack-updates.ts';

/**
 * The bus refused (or could not be reached for) some pages' events; the pages themselves went. The
 * events' claims stay pending in the bus lane and the sweeper publishes them after the lease.
 */
export class BusDeliveryError extends WatchdogError {
  /** The notifications whose page went out before the bus failed. */
  readonly sent: readonly Notification[];
  readonly failures: readonly unknown[];

  constructor(sent: readonly Notification[], failures: readonly unknown[], options?: ErrorOptions) {
    const first = failures[0] instanceof Error ? failures[0].message : String(failures[0]);
    super(
      `${failures.length} page event(s) not put on the watchdog's bus (${first}); the pages went out, and the ` +
        `sweep after the lease puts the events`,
      options,
    );
    this.name = 'BusDeliveryError';
    this.sent = sent;
    this.failures = failures;
  }
}

/**
 * Publishes claimed notifications in their two lanes, one claim after another: its page (the
 * alerts topic) first, then its event on the bus, then one write marking sent each lane that was
 * accepted; returns the pages sent with the stack's state after the last mark. A page that throws
 * leaves its claim pending (a later sweep re-sends it after the lease) and propagates before its
 * event is put. An event the bus does not take stays pending the same way, and once every claim
 * was tried {@link BusDeliveryError} says so. The event of a FAILED or RESOLVED waits while an
 * escalation of its operation still owes its own. Claims of quiet operations were settled as
 * suppressed when claimed and are not published.
 *
 * @example
 * const { sent } = await sendClaimed(deps, key, saved, [{ due, claim }]);
 */
export async function sendClaimed(
  deps: ApplyDeps,
  key: ServiceKey,
  saved: StackState,
  claimed: readonly ClaimedNotification[],
): Promise<{ sent: Notification[]; state: StackState }> {
  const sent: Notification[] = [];
  const busFailures: unknown[] = [];
  let state = saved;
  for (const { due, claim } of claimed) {
    if (!owesDelivery(claim)) continue;
    const at = deps.clock();
    const notification = buildNotification(due, key, at, await evidenceOrNone(deps, key, due, at));
    const accepted: Lane[] = [];
    if (lanePending(claim, Lane.PAGE)) {
      await deps.notifier.publish(notification);
      accepted.push(Lane.PAGE);
    }
    // No bus here (a redrive from a workstation), or a FAILED/RESOLVED whose operation's escalation
    // has not gone to the bus yet (refused, or still on its way): the sweeper puts the event after
    // the lease, once the escalation's went or was let go.
    const terminal = claim.severity === Severity.FAILED || claim.severity === Severity.RESOLVED;
    if (lanePending(claim, Lane.BUS) && deps.escalations && !(terminal && escalationEventOwed(state, claim))) {
      try {
        await deps.escalations.publish(notification);
        accepted.push(Lane.BUS);
      } catch (error) {
        busFailures.push(error);
      }
    }
    // One write for both lanes: the event handler's budget is one write per notification.
    if (accepted.length > 0) state = await markSent(deps, key, claim, accepted, at, state);
    if (accepted.includes(Lane.PAGE)) sent.push(notification);
  }
  if (busFailures.length > 0) throw new BusDeliveryError(sent, busFailures);
  return { sent, state };
}

/** What is stuck and why is worth a lot, but not the page itself: without it, the alert goes out plain. */
async function evidenceOrNone(
  deps: ApplyDeps,
  key: ServiceKey,
  due: DueNotification,
  at: Instant,
): Promise<NotificationEvidence> {
  try {
    return await evidenceFor(deps, key, due, at);
  } catch (error) {
    deps.log.warn('could not read what is stuck or why; the notification goes out without it', {
      stackId: due.view.operation.stackId,
      severity: due.severity,
      error: String(error),
    });
    return {};
  }
}

/**
 * What an alert says besides the claim: for an escalation, the resources still in progress (from
 * the timelines of the stack and its nested stacks, else from DescribeStackResources when no
 * resource event came); for a failure, the resources' failure reasons and the service's
 * operations, to name a deletion that blocked it.
 */
async function evidenceFor(
  deps: ApplyDeps,
  key: ServiceKey,
  due: DueNotification,
  at: Instant,
): Promise<NotificationEvidence> {
  const { operation } = due.view;
  if (due.severity === Severity.INFO || due.severity === Severity.WARNING || due.severity === Severity.CRITICAL) {
    const recorded = await operationResourcesInProgress(deps.store, operation);
    const askLive = deps.inspector?.resourcesInProgress?.bind(deps.inspector);
    if (recorded.length > 0 || !askLive) return { resources: recorded };
    return { resources: await liveResourcesInProgress(askLive, operation.stackId) };
  }
  if (due.severity === Severity.FAILED) {
    const failureReasons = await operationFailureReasons(deps.store, operation);
    // The other stacks of the service, to name a deletion that blocked it; the failed stack's own
    // nested stacks are deleted by its rollback: not what blocked it.
    const { stacks } = await deps.store.loadService(key);
    const serviceOperations = viewOperations(stacks, at, deps.config)
      .filter((view) => view.rootStackId !== operation.stackId)
      .map((view) => view.operation);
    return { failureReasons, serviceOperations };
  }
  return {};
}

/** Records which lanes of a claimed notification were accepted (the notifier, the bus). */
async function markSent(
  deps: ApplyDeps,
  key: ServiceKey,
  claim: Claim,
  lanes: readonly Lane[],
  now: Instant,
  known: StackState,
): Promise<StackState> {
  const done = await updateStack(
    deps,
    key,
    known,
    now,
    (current) => {
      const kept = current.claims.find((one) => sameClaim(one, claim));
      const pending = kept ? lanes.filter((lane) => lanePending(kept, lane)) : [];
      return pending.length > 0 ? { state: withClaimSent(current, claim, now, pending), result: null } : null;
    },
    { known },
  );
  return done?.saved ?? known;
}
