/**
 * Use case of the sweeper Lambda (every minute) and of the replay's whole-minute sweeps.
 */
import type { Notification } from '../domain/notification.ts';
import { compareOperations } from '../domain/operations.ts';
import { reconcile, reconciledEvent } from '../domain/reconcile.ts';
import { serviceKeyId, type ServiceKey } from '../domain/service.ts';
import { formatInstant, type Instant } from '../domain/time.ts';
import {
  claimFor,
  dueAtSweep,
  reportedStatus,
  sameClaim,
  snapshotChanged,
  staleAnnouncements,
  stalePendingClaims,
  stillWorthSending,
  viewService,
  withAnnouncementRenewed,
  withClaimRenewed,
  withClaims,
  withClaimSuppressed,
  withoutClaim,
  withSighting,
  type Claim,
  type ClaimedNotification,
  type DueNotification,
  type OperationView,
  type ServiceState,
  type ServiceView,
} from '../domain/service-state.ts';
import { dueWindowAnnouncements, sameAnnouncement, type WindowAnnouncement } from '../domain/window-events.ts';
import type { WatchdogDeps } from './deps.ts';
import type { StackInspector } from './ports.ts';
import { applyStatusRecord } from './apply-event.ts';
import { sendClaimed } from './notify.ts';
import { publishAnnouncement, updateService, withOutbox } from './service-updates.ts';

export interface SweepResult {
  readonly servicesSwept: number;
  /** Operations in progress when the sweep began, across the services it swept. */
  readonly openOperations: number;
  readonly notifications: readonly Notification[];
}

/** Some notifications could not be sent; everything else of the sweep was done. */
export class SweepIncompleteError extends Error {
  readonly failures: readonly unknown[];

  constructor(failures: readonly unknown[], options?: ErrorOptions) {
    const first = failures[0] instanceof Error ? failures[0].message : String(failures[0]);
    super(
      `sweep: ${failures.length} notification(s) or window event(s) could not be sent (${first}); their claims stay pending and the sweep after the lease re-sends them`,
      options,
    );
    this.name = 'SweepIncompleteError';
    this.failures = failures;
  }
}

const escalatesSameStack = (a: DueNotification, b: DueNotification): boolean =>
  a.severity === b.severity && a.view.operation.stackId === b.view.operation.stackId;

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
  // Window events the sweep's writes claim go out after its notifications.
  const { result, failures: refused } = await withOutbox(deps, (staged) => sweepOnce(staged));
  const failures = [...result.failures, ...refused];
  if (failures.length > 0) throw new SweepIncompleteError(failures);
  return { servicesSwept: result.servicesSwept, openOperations: result.openOperations, notifications: result.notifications };
}

async function sweepOnce(deps: WatchdogDeps): Promise<SweepResult & { failures: unknown[] }> {
  const { store, config, log } = deps;
  const now = deps.clock();
  const services = await store.openServices();
  // The freshest state known of each service, so that the next write there does not conflict:
  // the outbox's (every write of the sweep records what it stored), first what the index returned.
  const latest = deps.outbox?.latest ?? new Map<string, ServiceState>();
  for (const state of services) if (!latest.has(serviceKeyId(state.key))) latest.set(serviceKeyId(state.key), state);
  const written = new Set<string>();
  const notifications: Notification[] = [];
  const failures: unknown[] = [];

  const attempt = async (key: ServiceKey, work: () => Promise<{ sent: Notification[]; state?: ServiceState | undefined }>): Promise<void> => {
    const id = serviceKeyId(key);
    written.add(id);
    try {
      const { sent, state } = await work();
      notifications.push(...sent);
      // A read that wrote nothing; what was written, updateService recorded already.
      if (state) latest.set(id, state);
    } catch (error) {
      latest.delete(id);
      failures.push(error);
      log.warn('could not send a notification or window event; its claim stays pending', { serviceKey: key, error: String(error) });
    }
  };

  // Derived once per service: the due escalations, the escalated operations to re-check and the
  // snapshot all come from the same view of the state the index returned.
  const views = new Map(services.map((state) => [serviceKeyId(state.key), viewService(state, now, config)]));
  const viewOf = (state: ServiceState) => views.get(serviceKeyId(state.key)) ?? viewService(state, now, config);
  const candidates = services.flatMap((state) => dueAtSweep(viewOf(state)).map((due) => ({ key: state.key, due })));
  candidates.sort((a, b) => compareOperations(a.due.view.operation, b.due.view.operation));
  for (const { key, due } of candidates) {
    await attempt(key, () => escalate(deps, key, due, now, latest.get(serviceKeyId(key))));
  }
  const { inspector } = deps;
  if (inspector) {
    // An escalated operation is asked about at every sweep: if its completion event was lost,
    // nothing else would ever close it.
    const dueStacks = new Set(candidates.map(({ due }) => due.view.operation.stackId));
    for (const state of services) {
      for (const view of viewOf(state).operations) {
        // A muted operation's escalations are claimed too (suppressed), so it is watched the same
        // way: a lost completion would otherwise keep its service's window open for good.
        const escalated = view.operation.state === 'running' && view.claims.length > 0;
        if (!escalated || dueStacks.has(view.operation.stackId)) continue;
        await attempt(state.key, async () => {
          const checked = await askCloudFormation(deps, inspector, state.key, view);
          if (checked.kind === 'closed') return { sent: checked.notifications };
          // Still there: the time it was last seen is what a lost DELETE_COMPLETE will be dated.
          const seen = await updateService(
            deps,
            state.key,
            now,
            (current) => {
              const sighted = withSighting(current, view.operation.stackId, checked.seenAt);
              return sighted.changed ? { state: sighted.state, result: null } : null;
            },
            latest.get(serviceKeyId(state.key)),
          );
          return { sent: [], state: seen?.saved };
        });
      }
    }
  }
  for (const state of services) {
    for (const claim of stalePendingClaims(state, now, config.sendLeaseMs)) {
      await attempt(state.key, () => resend(deps, state.key, claim, latest.get(serviceKeyId(state.key))));
    }
  }
  for (const state of services) {
    for (const announced of staleAnnouncements(state, now, config.sendLeaseMs)) {
      await attempt(state.key, () => resendAnnouncement(deps, state.key, announced, latest.get(serviceKeyId(state.key))));
    }
  }
  for (const state of services) {
    if (written.has(serviceKeyId(state.key))) continue;
    const view = viewOf(state);
    // Windows that changed with the clock alone (a grace that ran out, a threshold passed): the
    // write stores them and announces what opened or closed.
    const stale = (current: ServiceState, currentView: ServiceView) =>
      snapshotChanged(current, currentView) || dueWindowAnnouncements(currentView.windows, current.announcements, now).length > 0;
    if (!stale(state, view)) continue;
    await attempt(state.key, async () => {
      const done = await updateService(
        deps,
        state.key,
        now,
        (current) => (stale(current, viewService(current, now, config)) ? { state: current, result: null } : null),
        state,
      );
      return { sent: [], state: done?.saved };
    });
  }
  const openOperations = [...views.values()].reduce((open, view) => open + view.operations.filter(({ operation }) => operation.state === 'running').length, 0);
  return { servicesSwept: services.length, openOperations, notifications, failures };
}

/** Confirms, claims and sends one WARNING/CRITICAL. */
async function escalate(
  deps: WatchdogDeps,
  key: ServiceKey,
  due: DueNotification,
  now: Instant,
  known: ServiceState | undefined,
): Promise<{ sent: Notification[]; state?: ServiceState | undefined }> {
  const stillDue = (state: ServiceState): DueNotification | undefined =>
    dueAtSweep(viewService(state, now, deps.config)).find((item) => escalatesSameStack(item, due));
  let current = known;
  let seenAt: Instant | null = null;
  const { inspector } = deps;
  if (inspector) {
    // The candidate came from an eventually consistent index: ask CloudFormation only about
    // what the table itself still shows as due.
    current = await deps.store.loadService(key);
    const confirmedDue = stillDue(current);
    if (!confirmedDue) return { sent: [], state: current };
    const checked = await askCloudFormation(deps, inspector, key, confirmedDue.view);
    if (checked.kind === 'closed') return { sent: checked.notifications };
    seenAt = checked.seenAt;
  }
  const claimed = await updateService(
    deps,
    key,
    now,
    (state) => {
      const item = stillDue(state);
      if (!item) return null;
      const claim = claimFor(item, now);
      // A reminder stands in for the one before it: an operation stuck for weeks must not grow
      // its service's item by a claim per interval.
      const previous = item.repeat !== undefined && item.repeat > 1 ? item.view.claims.find((kept) => kept.severity === item.severity && kept.repeat === (item.repeat ?? 0) - 1) : undefined;
      const claimed = withClaims(previous ? withoutClaim(state, previous) : state, [claim]);
      // Confirmed just now (when CloudFormation can be asked): seen then.
      const seen = seenAt === null ? claimed : withSighting(claimed, item.view.operation.stackId, seenAt).state;
      return { state: seen, result: { due: item, claim } };
    },
    current,
  );
  if (!claimed) return { sent: [] };
  return sendClaimed(deps, key, claimed.saved, [claimed.result]);
}

/**
 * Asks CloudFormation whether a running operation still runs: `running`, with when the answer
 * came; or, when it has moved on (its events were lost), applies what CloudFormation says instead
 * and returns what that sent (FAILED or RESOLVED, never WARNING/CRITICAL). The status made up is
 * also kept in the stack's timeline, marked as reconciled, for the postmortem. Both are dated
 * when DescribeStacks answered, not when the sweep began: an event dated in between is one the
 * answer already knew.
 */
async function askCloudFormation(
  deps: WatchdogDeps,
  inspector: StackInspector,
  key: ServiceKey,
  view: OperationView,
): Promise<{ kind: 'running'; seenAt: Instant } | { kind: 'closed'; notifications: Notification[] }> {
  const described = await inspector.describe(view.operation.stackId);
  const answeredAt = deps.clock();
  const verdict = reconcile(view, described, answeredAt);
  if (verdict.kind === 'confirmed') return { kind: 'running', seenAt: answeredAt };
  deps.log.info('operation no longer running according to CloudFormation; closed without paging', {
    stackId: view.operation.stackId,
    status: verdict.record.status,
    time: formatInstant(verdict.record.time),
  });
  await deps.store.recordEvent(reconciledEvent(verdict.record));
  return { kind: 'closed', notifications: (await applyStatusRecord(deps, key, verdict.record)).notifications };
}

/**
 * Re-claims a window event whose publisher died or was refused, then publishes it; throws when
 * the bus refuses it again (the sweep reports it, the claim stays pending).
 */
async function resendAnnouncement(
  deps: WatchdogDeps,
  key: ServiceKey,
  stale: WindowAnnouncement,
  known: ServiceState | undefined,
): Promise<{ sent: Notification[]; state?: ServiceState | undefined }> {
  const now = deps.clock();
  const renewed = await updateService(
    deps,
    key,
    now,
    (current) => {
      const pending = staleAnnouncements(current, now, deps.config.sendLeaseMs).find((kept) => sameAnnouncement(kept, stale));
      return pending ? { state: withAnnouncementRenewed(current, pending, now), result: pending } : null;
    },
    known,
  );
  if (!renewed) return { sent: [], state: undefined };
  return { sent: [], state: await publishAnnouncement(deps, key, renewed.result, renewed.saved) };
}

/**
 * Re-claims a notification whose sender died before the notifier accepted it, then sends it;
 * or drops it when it is no longer worth sending (its operation ended, a CRITICAL overtook it);
 * or settles it as suppressed when its operation was muted meanwhile.
 */
async function resend(
  deps: WatchdogDeps,
  key: ServiceKey,
  stale: Claim,
  known: ServiceState | undefined,
): Promise<{ sent: Notification[]; state?: ServiceState | undefined }> {
  const now = deps.clock();
  const renewed = await updateService<ClaimedNotification | null>(
    deps,
    key,
    now,
    (current) => {
      const pending = stalePendingClaims(current, now, deps.config.sendLeaseMs).find((claim) => sameClaim(claim, stale));
      const opView = pending && viewService(current, now, deps.config).operations.find((item) => item.claims.includes(pending));
      if (!pending || !opView) return null;
      // Muted since it was claimed: settled as suppressed, so that it does not fall due again.
      if (opView.quiet !== null) return { state: withClaimSuppressed(current, pending, now, opView.quiet), result: null };
      if (!stillWorthSending(opView, pending)) return { state: withoutClaim(current, pending), result: null };
      const due: DueNotification = { severity: pending.severity, repeat: pending.repeat, view: opView, status: reportedStatus(opView, pending.severity) };
      return { state: withClaimRenewed(current, pending, now), result: { due, claim: pending } };
    },
    known,
  );
  if (!renewed?.result) return { sent: [], state: renewed?.saved };
  return sendClaimed(deps, key, renewed.saved, [renewed.result]);
}
