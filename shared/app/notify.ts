/**
 * Sending claimed notifications: publish, then mark sent only once the notifier accepted it.
 */
import { buildNotification, type Notification } from '../domain/notification.ts';
import type { ServiceKey } from '../domain/service.ts';
import { sameClaim, withClaimSent, type Claim, type ClaimedNotification, type DueNotification, type ServiceState } from '../domain/service-state.ts';
import { Severity } from '../domain/severity.ts';
import type { Instant } from '../domain/time.ts';
import type { WatchdogDeps } from './deps.ts';
import { operationResourcesInProgress } from './resources.ts';
import { updateService } from './service-updates.ts';

/**
 * Publishes claimed notifications one by one, marking each sent once the notifier accepted it;
 * returns them with the service's state after the last mark. A publish that throws leaves its
 * claim pending (a later sweep re-sends it after the lease) and propagates.
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
    const at = deps.clock();
    const notification = buildNotification(due, key, at, await resourcesFor(deps, due));
    await deps.notifier.publish(notification);
    state = await markSent(deps, key, claim, at, state);
    sent.push(notification);
  }
  return { sent, state };
}

/** What an escalation names as stuck: the resources of the operation still in progress. */
async function resourcesFor(deps: WatchdogDeps, due: DueNotification): Promise<Notification['resourcesInProgress']> {
  if (due.severity !== Severity.WARNING && due.severity !== Severity.CRITICAL) return [];
  return operationResourcesInProgress(deps.store, due.view.operation);
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
