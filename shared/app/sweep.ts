/**
 * Use case of the sweeper Lambda (every minute) and of the replay's whole-minute sweeps.
 */
import { buildNotification, type Notification } from '../domain/notification.ts';
import { reconcile } from '../domain/reconcile.ts';
import { resourcesInProgress, type ResourceRecord } from '../domain/resources.ts';
import type { ServiceKey } from '../domain/service.ts';
import {
  claimFor,
  dueAtSweep,
  reportedStatus,
  sameClaim,
  snapshotChanged,
  stalePendingClaims,
  viewService,
  withClaimRenewed,
  withClaims,
  type Claim,
  type DueNotification,
  type ServiceState,
} from '../domain/service-state.ts';
import type { WatchdogDeps } from './deps.ts';
import { applyStatusRecord, sendClaimed } from './apply-event.ts';
import { markSent, updateService } from './service-updates.ts';

export interface SweepResult {
  readonly servicesSwept: number;
  readonly notifications: readonly Notification[];
}

const keyText = ({ account, region, service }: ServiceKey): string => `${account}#${region}#${service}`;

interface Candidate {
  readonly state: ServiceState;
  readonly due: DueNotification;
}

function sameOperationDue(a: DueNotification, b: DueNotification): boolean {
  return a.severity === b.severity && a.view.operation.stackId === b.view.operation.stackId;
}

/**
 * One sweep: sends WARNING/CRITICAL that came due (after confirming with CloudFormation when an
 * inspector is given), re-sends notifications whose earlier publish failed, and stores windows
 * that changed with the clock alone (a grace that ran out, a threshold passed).
 *
 * @example
 * await sweep({ store, notifier, clock: () => Date.now(), config, log, inspector });
 */
export async function sweep(deps: WatchdogDeps): Promise<SweepResult> {
  const { store, config, log } = deps;
  const now = deps.clock();
  const services = await store.openServices();
  const latest = new Map<string, ServiceState>(services.map((state) => [keyText(state.key), state]));
  const written = new Set<string>();
  const remember = (state: ServiceState): void => {
    latest.set(keyText(state.key), state);
    written.add(keyText(state.key));
  };
  const notifications: Notification[] = [];

  const candidates: Candidate[] = services.flatMap((state) =>
    dueAtSweep(viewService(state, now, config)).map((due) => ({ state, due })),
  );
  candidates.sort(
    (a, b) =>
      a.due.view.operation.start - b.due.view.operation.start ||
      (a.due.view.operation.stackId < b.due.view.operation.stackId ? -1 : 1),
  );

  for (const { state, due } of candidates) {
    const key = state.key;
    if (deps.inspector) {
      const verdict = reconcile(due.view, await deps.inspector.describe(due.view.operation.stackId));
      if (verdict.kind === 'moved-on') {
        log.info('operation no longer running according to CloudFormation; closed without paging', {
          stackId: due.view.operation.stackId,
          status: verdict.record.status,
        });
        const applied = await applyStatusRecord(deps, key, verdict.record);
        notifications.push(...applied.notifications);
        written.add(keyText(key));
        latest.delete(keyText(key));
        continue;
      }
    }
    const claimed = await updateService(
      store,
      key,
      now,
      config,
      (current) => {
        const still = dueAtSweep(viewService(current, now, config)).find((item) => sameOperationDue(item, due));
        return still ? { state: withClaims(current, [claimFor(still, now)]), result: still } : null;
      },
      latest.get(keyText(key)),
    );
    if (!claimed) continue;
    remember(claimed.saved);
    const sent = await sendClaimed(deps, key, claimed.saved, [claimed.result], (item) => resourcesOf(deps, item));
    notifications.push(...sent);
    latest.delete(keyText(key)); // marked sent: the next write reads afresh
  }

  for (const state of services) {
    for (const claim of stalePendingClaims(state, now, config.sendLeaseMs)) {
      notifications.push(...(await resend(deps, state.key, claim)));
      written.add(keyText(state.key));
    }
  }

  for (const state of services) {
    if (written.has(keyText(state.key))) continue;
    const view = viewService(state, now, config);
    // One attempt is enough: whoever won a conflict derived the same windows from fresher data.
    if (snapshotChanged(state, view)) await store.saveService(state, view, now);
  }
  return { servicesSwept: services.length, notifications };
}

async function resourcesOf(deps: WatchdogDeps, due: DueNotification): Promise<Notification['resourcesInProgress']> {
  const { operation } = due.view;
  const history = await deps.store.stackHistory(operation.stackId, operation.start);
  const resources: ResourceRecord[] = history.flatMap((event) => (event.kind === 'resource-status' ? [event] : []));
  return resourcesInProgress(resources, operation.start);
}

/** Re-claims a notification whose sender died before the notifier accepted it, then sends it. */
async function resend(deps: WatchdogDeps, key: ServiceKey, stale: Claim): Promise<Notification[]> {
  const now = deps.clock();
  const renewed = await updateService(deps.store, key, now, deps.config, (current) => {
    const pending = stalePendingClaims(current, now, deps.config.sendLeaseMs).find((claim) => sameClaim(claim, stale));
    const opView = pending && viewService(current, now, deps.config).operations.find((item) => item.claims.includes(pending));
    if (!pending || !opView) return null;
    const due: DueNotification = { severity: pending.severity, view: opView, status: reportedStatus(opView, pending.severity) };
    return { state: withClaimRenewed(current, pending, now), result: due };
  });
  if (!renewed) return [];
  const notification = buildNotification(renewed.result, key, now);
  await deps.notifier.publish(notification);
  await markSent(deps.store, key, stale, now, deps.config, renewed.saved);
  return [notification];
}
