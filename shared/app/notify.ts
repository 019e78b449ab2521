/**
 * Sending claimed notifications: publish, then mark sent only once the notifier accepted it.
 */
import type { ClaimedNotification, DueNotification } from '../domain/due.ts';
import { buildNotification, type Notification, type NotificationEvidence } from '../domain/notification.ts';
import { viewOperations } from '../domain/operation-view.ts';
import { isPending } from '../domain/outbox.ts';
import { sameClaim, type Claim } from '../domain/claims.ts';
import type { ServiceKey } from '../domain/service.ts';
import { Severity } from '../domain/severity.ts';
import { withClaimSent, type StackState } from '../domain/stack-state.ts';
import type { Instant } from '../domain/time.ts';
import type { ApplyDeps } from './deps.ts';
import { liveResourcesInProgress, operationFailureReasons, operationResourcesInProgress } from './resources.ts';
import { updateStack } from './stack-updates.ts';

/**
 * Publishes claimed notifications one by one, marking each sent once the notifier accepted it;
 * returns them with the stack's state after the last mark. A publish that throws leaves its
 * claim pending (a later sweep re-sends it after the lease) and propagates. Suppressed claims
 * (quiet operations) were settled when claimed and are not published.
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
  let state = saved;
  for (const { due, claim } of claimed) {
    if (!isPending(claim)) continue;
    const at = deps.clock();
    const notification = buildNotification(due, key, at, await evidenceOrNone(deps, key, due, at));
    await deps.notifier.publish(notification);
    state = await markSent(deps, key, claim, at, state);
    sent.push(notification);
  }
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
  if (due.severity === Severity.WARNING || due.severity === Severity.CRITICAL) {
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

/** Records that the notifier accepted a claimed notification. */
async function markSent(
  deps: ApplyDeps,
  key: ServiceKey,
  claim: Claim,
  now: Instant,
  known: StackState,
): Promise<StackState> {
  const done = await updateStack(
    deps,
    key,
    known,
    now,
    (current) => {
      const pending = current.claims.some((kept) => sameClaim(kept, claim) && isPending(kept));
      return pending ? { state: withClaimSent(current, claim, now), result: null } : null;
    },
    { known },
  );
  return done?.saved ?? known;
}
