/**
 * Use case of the sweeper Lambda (every minute) and of the replay's whole-minute sweeps.
 */
import { buildNotification, type Notification } from '../domain/notification.ts';
import { reconcile } from '../domain/reconcile.ts';
import { resourcesInProgress, type ResourceRecord } from '../domain/resources.ts';
import type { ServiceKey } from '../domain/service.ts';
import { Severity } from '../domain/severity.ts';
import type { Instant } from '../domain/time.ts';
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

/** Some notifications could not be sent; everything else of the sweep was done. */
export class SweepIncompleteError extends Error {
  readonly failures: readonly unknown[];

  constructor(failures: readonly unknown[], options?: ErrorOptions) {
    const first = failures[0] instanceof Error ? failures[0].message : String(failures[0]);
    super(
      `sweep: ${failures.length} notification(s) could not be sent (${first}); their claims stay pending and the sweep after the lease re-sends them`,
      options,
    );
    this.name = 'SweepIncompleteError';
    this.failures = failures;
  }
}

const keyText = ({ account, region, service }: ServiceKey): string => `${account}#${region}#${service}`;

function sameOperationDue(a: DueNotification, b: DueNotification): boolean {
  return a.severity === b.severity && a.view.operation.stackId === b.view.operation.stackId;
}

const byStartThenStack = (a: DueNotification, b: DueNotification): number =>
  a.view.operation.start - b.view.operation.start || (a.view.operation.stackId < b.view.operation.stackId ? -1 : 1);

/**
 * One sweep: sends WARNING/CRITICAL that came due (after confirming with CloudFormation when an
 * inspector is given), re-sends notifications whose earlier publish failed, and stores windows
 * that changed with the clock alone (a grace that ran out, a threshold passed). A notification
 * that cannot be sent does not hold up the others: the sweep finishes, then throws
 * {@link SweepIncompleteError}.
 *
 * @example
 * await sweep({ store, notifier, clock: () => Date.now(), config, log, inspector });
 */
export async function sweep(deps: WatchdogDeps): Promise<SweepResult> {
  const { store, config, log } = deps;
  const now = deps.clock();
  const services = await store.openServices();
  /** The freshest state of each service this sweep wrote, so the next write there does not conflict. */
  const latest = new Map<string, ServiceState>(services.map((state) => [keyText(state.key), state]));
  const written = new Set<string>();
  const notifications: Notification[] = [];
  const failures: unknown[] = [];

  const attempt = async (key: ServiceKey, work: () => Promise<{ sent: Notification[]; state?: ServiceState | undefined }>): Promise<void> => {
    written.add(keyText(key));
    try {
      const { sent, state } = await work();
      notifications.push(...sent);
      if (state) latest.set(keyText(key), state);
      else latest.delete(keyText(key));
    } catch (error) {
      latest.delete(keyText(key));
      failures.push(error);
      log.warn('could not send a notification; its claim stays pending', { service: key, error: String(error) });
    }
  };

  const candidates = services.flatMap((state) => dueAtSweep(viewService(state, now, config)).map((due) => ({ key: state.key, due })));
  candidates.sort((a, b) => byStartThenStack(a.due, b.due));
  for (const { key, due } of candidates) {
    await attempt(key, () => escalate(deps, key, due, now, latest.get(keyText(key))));
  }
  for (const state of services) {
    for (const claim of stalePendingClaims(state, now, config.sendLeaseMs)) {
      await attempt(state.key, () => resend(deps, state.key, claim, latest.get(keyText(state.key))));
    }
  }
  for (const state of services) {
    if (written.has(keyText(state.key))) continue;
    const view = viewService(state, now, config);
    // One attempt is enough: whoever won a conflict derived the same windows from fresher data.
    if (snapshotChanged(state, view)) await store.saveService(state, view, now);
  }
  if (failures.length > 0) throw new SweepIncompleteError(failures);
  return { servicesSwept: services.length, notifications };
}

/** Confirms, claims and sends one WARNING/CRITICAL. */
async function escalate(
  deps: WatchdogDeps,
  key: ServiceKey,
  due: DueNotification,
  now: Instant,
  known: ServiceState | undefined,
): Promise<{ sent: Notification[]; state?: ServiceState | undefined }> {
  if (deps.inspector) {
    const verdict = reconcile(due.view, await deps.inspector.describe(due.view.operation.stackId));
    if (verdict.kind === 'moved-on') {
      deps.log.info('operation no longer running according to CloudFormation; closed without paging', {
        stackId: due.view.operation.stackId,
        status: verdict.record.status,
      });
      return { sent: (await applyStatusRecord(deps, key, verdict.record)).notifications };
    }
  }
  const claimed = await updateService(
    deps.store,
    key,
    now,
    deps.config,
    (current) => {
      const still = dueAtSweep(viewService(current, now, deps.config)).find((item) => sameOperationDue(item, due));
      return still ? { state: withClaims(current, [claimFor(still, now)]), result: still } : null;
    },
    known,
  );
  if (!claimed) return { sent: [] };
  return sendClaimed(deps, key, claimed.saved, [claimed.result], (item) => resourcesOf(deps, item));
}

async function resourcesOf(deps: WatchdogDeps, due: DueNotification): Promise<Notification['resourcesInProgress']> {
  const { operation } = due.view;
  const history = await deps.store.stackHistory(operation.stackId, operation.start);
  const resources: ResourceRecord[] = history.flatMap((event) => (event.kind === 'resource-status' ? [event] : []));
  return resourcesInProgress(resources, operation.start);
}

/** Re-claims a notification whose sender died before the notifier accepted it, then sends it. */
async function resend(
  deps: WatchdogDeps,
  key: ServiceKey,
  stale: Claim,
  known: ServiceState | undefined,
): Promise<{ sent: Notification[]; state?: ServiceState | undefined }> {
  const now = deps.clock();
  const renewed = await updateService(
    deps.store,
    key,
    now,
    deps.config,
    (current) => {
      const pending = stalePendingClaims(current, now, deps.config.sendLeaseMs).find((claim) => sameClaim(claim, stale));
      const opView = pending && viewService(current, now, deps.config).operations.find((item) => item.claims.includes(pending));
      if (!pending || !opView) return null;
      const due: DueNotification = { severity: pending.severity, view: opView, status: reportedStatus(opView, pending.severity) };
      return { state: withClaimRenewed(current, pending, now), result: due };
    },
    known,
  );
  if (!renewed) return { sent: [] };
  const due = renewed.result;
  const escalation = due.severity === Severity.WARNING || due.severity === Severity.CRITICAL;
  const notification = buildNotification(due, key, now, escalation ? await resourcesOf(deps, due) : []);
  await deps.notifier.publish(notification);
  return { sent: [notification], state: await markSent(deps.store, key, stale, now, deps.config, renewed.saved) };
}
