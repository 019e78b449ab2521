/**
 * Sending claimed notifications: publish, then mark sent only once the notifier accepted it.
 */
import { buildNotification, type Notification, type NotificationEvidence } from '../domain/notification.ts';
import type { ServiceKey } from '../domain/service.ts';
import { sameClaim, viewService, withClaimSent, type Claim, type ClaimedNotification, type DueNotification, type ServiceState } from '../domain/service-state.ts';
import { Severity } from '../domain/severity.ts';
import type { Instant } from '../domain/time.ts';
import type { WatchdogDeps } from './deps.ts';
import { liveResourcesInProgress, operationFailureReasons, operationResourcesInProgress } from './resources.ts';
import { updateService } from './service-updates.ts';

/**
 * Publishes claimed notifications one by one, marking each sent once the notifier accepted it;
 * returns them with the service's state after the last mark. A publish that throws leaves its
 * claim pending (a later sweep re-sends it after the lease) and propagates. Suppressed claims
 * (muted operations) were settled when claimed and are not published.
 *
 * @example
 * const { sent } = await sendClaimed(deps, key, saved, [{ due, claim }]);
 */
export async function sendClaimed(
  deps: WatchdogDeps,
  key: ServiceKey,
  saved: ServiceState,
  claimed: readonly ClaimedNotification[],
): Promise<{ sent: Notification[]; state: ServiceState }> {
  const sent: Notification[] = [];
  let state = saved;
  for (const { due, claim } of claimed) {
    if (claim.suppressed) continue;
    const at = deps.clock();
    const notification = buildNotification(due, key, at, await evidenceOrNone(deps, due, saved, at));
    await deps.notifier.publish(notification);
    state = await markSent(deps, key, claim, at, state);
    sent.push(notification);
  }
  return { sent, state };
}

/** What is stuck and why is worth a lot, but not the page itself: without it, the alert goes out plain. */
async function evidenceOrNone(deps: WatchdogDeps, due: DueNotification, saved: ServiceState, at: Instant): Promise<NotificationEvidence> {
  try {
    return await evidenceFor(deps, due, saved, at);
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
async function evidenceFor(deps: WatchdogDeps, due: DueNotification, saved: ServiceState, at: Instant): Promise<NotificationEvidence> {
  const { operation } = due.view;
  if (due.severity === Severity.WARNING || due.severity === Severity.CRITICAL) {
    const recorded = await operationResourcesInProgress(deps.store, operation);
    const askLive = deps.inspector?.resourcesInProgress?.bind(deps.inspector);
    if (recorded.length > 0 || !askLive) return { resources: recorded };
    return { resources: await liveResourcesInProgress(askLive, operation.stackId) };
  }
  if (due.severity === Severity.FAILED) {
    const failureReasons = await operationFailureReasons(deps.store, operation);
    // The failed stack's own nested stacks are deleted by its rollback: not what blocked it.
    const serviceOperations = viewService(saved, at, deps.config)
      .operations.filter((view) => view.rootStackId !== operation.stackId)
      .map((view) => view.operation);
    return { failureReasons, serviceOperations };
  }
  return {};
}

/** Records that the notifier accepted a claimed notification. */
async function markSent(deps: WatchdogDeps, key: ServiceKey, claim: Claim, now: Instant, known: ServiceState): Promise<ServiceState> {
  const done = await updateService(
    deps,
    key,
    now,
    (current) => {
      const pending = current.claims.some((kept) => sameClaim(kept, claim) && kept.sentAt === null);
      return pending ? { state: withClaimSent(current, claim, now), result: null } : null;
    },
    known,
  );
  return done?.saved ?? known;
}
