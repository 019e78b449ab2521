/**
 * Use case of the sweeper Lambda (every minute) and of the replay's whole-minute sweeps.
 *
 * Pages first, then windows: (1) WARNING/CRITICAL that came due (confirmed with CloudFormation
 * when it can be asked), escalated operations re-checked, pages whose publish failed re-sent;
 * (2) each service's windows derived from its stacks and the window events that makes due
 * claimed; (3) window events published, and those whose publish failed re-sent. Work runs
 * concurrently with a bound, in pieces no bigger than one operation, one walk or one window's
 * events, and none is started once the invocation's time runs short: what is left is still
 * marked in the sweep index, and the next minute's sweep does it; a window event claimed but left
 * unpublished stays pending and goes out after the lease, as one whose publish failed.
 */
import {
  closesIncident,
  dueAtSweep,
  escalationsFallingDue,
  claimFor,
  reportedStatus,
  stillWorthSending,
  type ClaimedNotification,
  type DueNotification,
} from '../domain/due.ts';
import type { WatchdogConfig } from '../domain/config.ts';
import type { Notification } from '../domain/notification.ts';
import { viewOperations, type OperationView } from '../domain/operation-view.ts';
import { compareOperations } from '../domain/operations.ts';
import { reconcile, reconciledEvent } from '../domain/reconcile.ts';
import { isStaleClaim, Lane, lanePending, sameClaim, type Claim } from '../domain/claims.ts';
import { serviceKeyId, type ServiceKey } from '../domain/service.ts';
import {
  withClaimMoot,
  withClaimRenewed,
  withClaims,
  withClaimSuppressed,
  withoutClaim,
  withSighting,
  type StackState,
} from '../domain/stack-state.ts';
import { formatInstant, type Instant } from '../domain/time.ts';
import type { WatchdogDeps } from './deps.ts';
import type { ServiceSnapshot, StackInspector, SweepTarget } from './ports.ts';
import { applyStatusRecord } from './apply-event.ts';
import { BusDeliveryError, sendClaimed } from './notify.ts';
import { publishWindowEvents, renewStaleWindowEvents } from './publish-window-events.ts';
import { updateStack } from './stack-updates.ts';
import { walkWindows, type ClaimedWindowEvent } from './walk-windows.ts';
import { forEachBounded, UNBOUNDED_TIME } from './bounded.ts';
import { WatchdogError } from '../errors.ts';

export interface SweepResult {
  readonly servicesSwept: number;
  /** Operations in progress when the sweep began, across the services it swept. */
  readonly openOperations: number;
  readonly notifications: readonly Notification[];
  /** Window events put on the bus. */
  readonly windowEvents: number;
  /** Pieces of work left for the next sweep because the invocation's time ran short. */
  readonly deferred: number;
}

export interface SweepOptions {
  /** The invocation's remaining time (Lambda's `context.getRemainingTimeInMillis`); absent: unbounded. */
  readonly remainingMs?: (() => number) | undefined;
  /**
   * How many pieces of work run at once (an escalation, a re-check, a service's walk, a window's
   * events; a walk writes up to as many of its stacks' marks at once); 1 publishes in the listed
   * order (the replay, whose output lists what was sent in order).
   */
  readonly concurrency?: number | undefined;
  /**
   * Escalate on time: once the sweep is done, wait within the invocation for each threshold (and
   * CRITICAL reminder) falling due in the next {@link ON_TIME_HORIZON_MS}, and escalate its stack
   * then, not at the next minute's sweep. `waitUntil` resolves once the clock reads that instant or
   * later: timers in the Lambda (`waitForClock`), the virtual clock (delivering the events due by
   * then) in a replay. Absent: the sweep returns when its minute's work is done.
   */
  readonly onTime?:
    | {
        readonly waitUntil: (at: Instant) => Promise<void>;
        /** No instant after this one is waited for (a replay's end). */
        readonly notAfter?: Instant | undefined;
      }
    | undefined;
}

/** Time kept in hand: a piece of work started is finished before the invocation ends. */
export const SWEEP_TIME_RESERVE_MS = 10_000;
export const DEFAULT_SWEEP_CONCURRENCY = 16;
/**
 * How far past its start a sweep waits to escalate on time: what the sweeper's 58 s timeout allows
 * with {@link ON_TIME_RESERVE_MS} kept in hand and a few seconds to spare, under the one-minute
 * schedule so that invocations seldom overlap. What falls due after it is the next sweep's: in
 * replay, at most the 10 s left of the minute late.
 */
export const ON_TIME_HORIZON_MS = 50_000;
/** Time kept in hand for an on-time escalation: one stack's (a read, DescribeStacks, a write, a publish). */
export const ON_TIME_RESERVE_MS = 5_000;

/** Some notifications could not be sent; everything else of the sweep was done. */
export class SweepIncompleteError extends WatchdogError {
  readonly failures: readonly unknown[];

  constructor(failures: readonly unknown[], options?: ErrorOptions) {
    const first = failures[0] instanceof Error ? failures[0].message : String(failures[0]);
    super(
      `sweep: ${failures.length} notification(s) or window event(s) could not be sent (${first}); their claims ` +
        `stay pending and the sweep after the lease re-sends them`,
      options,
    );
    this.name = 'SweepIncompleteError';
    this.failures = failures;
  }
}

const escalatesSameStack = (a: DueNotification, b: DueNotification): boolean =>
  a.severity === b.severity && a.view.operation.stackId === b.view.operation.stackId;

/**
 * One sweep. A notification or window event that cannot be sent does not hold up the others:
 * the sweep finishes, then throws {@link SweepIncompleteError}.
 *
 * @example
 * await sweep({ store, notifier, windowEvents, clock: () => Date.now(), config, log, inspector }, { remainingMs: () =>
 * context.getRemainingTimeInMillis() });
 */
export async function sweep(deps: WatchdogDeps, options: SweepOptions = {}): Promise<SweepResult> {
  const { store, config, log } = deps;
  const now = deps.clock();
  const hasTime = (): boolean => options.remainingMs === undefined || options.remainingMs() > SWEEP_TIME_RESERVE_MS;
  const limit = options.concurrency ?? DEFAULT_SWEEP_CONCURRENCY;
  const targets = await store.servicesToSweep();
  const notifications: Notification[] = [];
  const failures: unknown[] = [];
  let openOperations = 0;
  const attempt = async (key: ServiceKey, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      // The pages went, their events did not: listed as sent, and the sweep fails for the events.
      if (error instanceof BusDeliveryError) notifications.push(...error.sent);
      failures.push(error);
      log.warn('could not send a notification or window event; its claim stays pending', {
        serviceKey: key,
        error: String(error),
      });
    }
  };

  // 1. Pages: every service read once, the escalations due across all of them in the order they
  // are listed (by start, then stack id), then each service's re-checks and re-sends.
  const snapshots = new Map<string, ServiceSnapshot>();
  let deferred = await forEachBounded(targets, limit, hasTime, async ({ key }) => {
    snapshots.set(serviceKeyId(key), await store.loadService(key));
  });
  const viewsOf = new Map([...snapshots].map(([id, snapshot]) => [id, viewOperations(snapshot.stacks, now, config)]));
  for (const views of viewsOf.values())
    openOperations += views.filter(({ operation }) => operation.state === 'running').length;
  const written = new Set<string>();
  const due = targets
    .flatMap(({ key }) => dueAtSweep(viewsOf.get(serviceKeyId(key)) ?? []).map((item) => ({ key, item })))
    .sort((a, b) => compareOperations(a.item.view.operation, b.item.view.operation));
  deferred += await forEachBounded(due, limit, hasTime, async ({ key, item }) => {
    written.add(serviceKeyId(key));
    const { stacks } = snapshots.get(serviceKeyId(key)) as ServiceSnapshot;
    await attempt(key, async () => {
      const stack = stacks.find((kept) => kept.stackId === item.view.operation.stackId);
      notifications.push(...(await escalate(deps, key, item, stack, rootOf(stacks, item.view.operation.stackId), now)));
    });
  });
  // Each re-check and re-send on its own, not a service's one after another: a service of many
  // escalated stacks would otherwise hold one worker for minutes and could not be left half done.
  const dueStacks = new Set(due.map(({ item }) => item.view.operation.stackId));
  const followUps = [...snapshots.values()].flatMap(({ service: { key }, stacks }) =>
    followUpsOf(deps, key, stacks, viewsOf.get(serviceKeyId(key)) ?? [], dueStacks, now),
  );
  deferred += await forEachBounded(followUps, limit, hasTime, async ({ key, run }) => {
    written.add(serviceKeyId(key));
    await attempt(key, async () => {
      notifications.push(...(await run()));
    });
  });

  // 2. Windows, each service's after its pages (read again only where the pages wrote).
  const claimed: ClaimedWindowEvent[] = [];
  deferred += await forEachBounded(targets, limit, hasTime, async ({ key }) => {
    const id = serviceKeyId(key);
    const known = written.has(id) ? undefined : snapshots.get(id);
    await attempt(key, async () => {
      claimed.push(...(await walkWindows(deps, key, now, known, { concurrency: limit })));
    });
  });

  // 3. Window events: those just claimed, then those whose publish failed before. One left
  // unpublished for want of time stays pending and goes out after the lease, like a failed one.
  const publishing = { concurrency: limit, hasTime };
  const fresh = await publishWindowEvents(deps, claimed, publishing);
  failures.push(...fresh.failures);
  deferred += fresh.deferred;
  const stale: ClaimedWindowEvent[] = [];
  deferred += await forEachBounded(
    targets.flatMap((target: SweepTarget) => target.windowIds.map((id) => ({ key: target.key, id }))),
    limit,
    hasTime,
    async ({ key, id }) =>
      attempt(key, async () => {
        stale.push(...(await renewStaleWindowEvents(deps, key, id)));
      }),
  );
  const resent = await publishWindowEvents(deps, stale, publishing);
  failures.push(...resent.failures);
  deferred += resent.deferred;

  // 4. On time: what falls due before the next sweep, each at its instant, read again then.
  const sentOnTime: Notification[] = [];
  if (options.onTime) {
    const horizonEnd = Math.min(now + ON_TIME_HORIZON_MS, options.onTime.notAfter ?? Infinity);
    const falling = [...snapshots.entries()].flatMap(([id, { service, stacks }]) =>
      escalationsFallingDue(viewsOf.get(id) ?? [], now, horizonEnd).map(({ at, view }) => ({
        at,
        key: service.key,
        stacks,
        stackId: view.operation.stackId,
      })),
    );
    deferred += await escalateOnTime(deps, falling, options.onTime.waitUntil, options, async (target) =>
      attempt(target.key, async () => {
        sentOnTime.push(...(await escalateStack(deps, target.key, target.stacks, target.stackId)));
      }),
    );
  }

  if (deferred > 0) log.warn('sweep ran short of time: the rest is left to the next sweep', { deferred });
  if (failures.length > 0) throw new SweepIncompleteError(failures);
  // Listed as DESIGN.md lists a sweep's notifications (by start, then stack id), however they raced;
  // then those sent on time, by when.
  const byStart = (a: Notification, b: Notification): number =>
    a.startedAt - b.startedAt || (a.stackId < b.stackId ? -1 : a.stackId > b.stackId ? 1 : 0);
  const listed = [...notifications.sort(byStart), ...sentOnTime.sort((a, b) => a.at - b.at || byStart(a, b))];
  return {
    servicesSwept: targets.length,
    openOperations,
    notifications: listed,
    windowEvents: fresh.published + resent.published,
    deferred,
  };
}

/** A stack whose escalation falls due at `at`, and the service's stacks as the sweep read them. */
interface FallingDue {
  readonly at: Instant;
  readonly key: ServiceKey;
  readonly stacks: readonly StackState[];
  readonly stackId: string;
}

/**
 * Runs each escalation at its instant, as long as the invocation has the time, with the sweep's
 * bound on how many run at once: a worker takes the next one by time and waits for it, so that a
 * second of many does not hold up the next second's beyond the bound. Returns how many it left to
 * the next sweep.
 */
async function escalateOnTime(
  deps: WatchdogDeps,
  falling: readonly FallingDue[],
  waitUntil: (at: Instant) => Promise<void>,
  options: SweepOptions,
  run: (target: FallingDue) => Promise<void>,
): Promise<number> {
  const limit = options.concurrency ?? DEFAULT_SWEEP_CONCURRENCY;
  const ordered = [...falling].sort((a, b) => a.at - b.at);
  const inTime = (at: Instant): boolean =>
    options.remainingMs === undefined || at - deps.clock() < options.remainingMs() - ON_TIME_RESERVE_MS;
  let left = 0;
  await forEachBounded(ordered, limit, UNBOUNDED_TIME, async (target) => {
    // Not waited for: the next sweep finds it due.
    if (!inTime(target.at)) {
      left++;
      return;
    }
    await waitUntil(target.at);
    await run(target);
  });
  return left;
}

/**
 * Escalates what is due now for one stack, read again: the sweep's reading is up to a minute
 * old, and the operation may have ended, been escalated by an overlapping sweep, or moved.
 */
async function escalateStack(
  deps: WatchdogDeps,
  key: ServiceKey,
  read: readonly StackState[],
  stackId: string,
): Promise<Notification[]> {
  const now = deps.clock();
  const stale = read.find((stack) => stack.stackId === stackId);
  if (!stale) return [];
  const stack = await deps.store.loadStack(key, stale);
  // Nested: whether its root's operation still tells it is read again too.
  const staleRoot = rootOf(read, stackId);
  const root = staleRoot && (await deps.store.loadStack(key, staleRoot));
  const sent: Notification[] = [];
  for (const item of dueOfStack(stack, root, now, deps.config))
    sent.push(...(await escalate(deps, key, item, stack, root, now, { fresh: true })));
  return sent;
}

/** What a sweep at `now` finds due for one stack's operations (its root given: it may tell them). */
const dueOfStack = (
  stack: StackState,
  root: StackState | null,
  now: Instant,
  config: WatchdogConfig,
): DueNotification[] =>
  dueAtSweep(viewOperations(root ? [stack, root] : [stack], now, config)).filter(
    (item) => item.view.operation.stackId === stack.stackId,
  );

const rootOf = (stacks: readonly StackState[], stackId: string): StackState | null => {
  const rootId = stacks.find((stack) => stack.stackId === stackId)?.rootStackId ?? null;
  return rootId === null ? null : (stacks.find((stack) => stack.stackId === rootId) ?? null);
};

/** One piece of a service's follow-up work: it sends what it returns. */
interface FollowUp {
  readonly key: ServiceKey;
  readonly run: () => Promise<Notification[]>;
}

/**
 * A service's follow-up work: each escalated operation (not due again now) re-checked with
 * CloudFormation, each page whose publish failed re-sent.
 */
function followUpsOf(
  deps: WatchdogDeps,
  key: ServiceKey,
  stacks: readonly StackState[],
  views: readonly OperationView[],
  dueStacks: ReadonlySet<string>,
  now: Instant,
): FollowUp[] {
  const { inspector } = deps;
  // An escalated operation is asked about at every sweep: if its completion event was lost,
  // nothing else would ever close it. A muted operation's escalations are claimed too
  // (suppressed), so it is watched the same way.
  const rechecks = inspector
    ? views
        .filter(
          (view) =>
            view.operation.state === 'running' && view.claims.length > 0 && !dueStacks.has(view.operation.stackId),
        )
        .map(
          (view): FollowUp => ({
            key,
            run: () => recheck(deps, inspector, key, view, rootOf(stacks, view.operation.stackId), now),
          }),
        )
    : [];
  const resends = stacks.flatMap((stack) =>
    stack.claims
      .filter((kept) => isStaleClaim(kept, now, deps.config.sendLeaseMs))
      .map((claim): FollowUp => ({ key, run: () => resend(deps, key, stack, claim, rootOf(stacks, stack.stackId)) })),
  );
  return [...rechecks, ...resends];
}

/** Asks CloudFormation whether an escalated operation still runs: closes it if not, else notes when it was seen. */
async function recheck(
  deps: WatchdogDeps,
  inspector: StackInspector,
  key: ServiceKey,
  view: OperationView,
  root: StackState | null,
  now: Instant,
): Promise<Notification[]> {
  const checked = await askCloudFormation(deps, inspector, key, view, root);
  if (checked.kind === 'closed') return checked.notifications;
  // Still there: the time it was last seen is what a lost DELETE_COMPLETE will be dated.
  const stackRef = { stackId: view.operation.stackId, stackName: view.operation.stackName };
  await updateStack(deps, key, stackRef, now, (current) => {
    const sighted = withSighting(current, checked.seenAt);
    return sighted.changed ? { state: sighted.state, result: null } : null;
  });
  return [];
}

/**
 * Confirms, claims and sends one WARNING/CRITICAL. `read` is the stack as the sweep read it, or
 * (`fresh`) as it was read for this very escalation, which spares reading it again.
 */
async function escalate(
  deps: WatchdogDeps,
  key: ServiceKey,
  due: DueNotification,
  read: StackState | undefined,
  root: StackState | null,
  now: Instant,
  { fresh }: { readonly fresh: boolean } = { fresh: false },
): Promise<Notification[]> {
  const { operation } = due.view;
  const stackRef = { stackId: operation.stackId, stackName: operation.stackName };
  const stillDue = (stack: StackState): DueNotification | undefined =>
    dueOfStack(stack, root, now, deps.config).find((item) => escalatesSameStack(item, due));
  // What the sweep read (a stale one costs a conflict and a read); before asking CloudFormation,
  // read again: ask only about what the table itself still shows as due.
  let known = read;
  let seenAt: Instant | null = null;
  const { inspector } = deps;
  if (inspector) {
    known = fresh && read ? read : await deps.store.loadStack(key, stackRef);
    const confirmedDue = stillDue(known);
    if (!confirmedDue) return [];
    const checked = await askCloudFormation(deps, inspector, key, confirmedDue.view, root);
    if (checked.kind === 'closed') return checked.notifications;
    seenAt = checked.seenAt;
  }
  const claimed = await updateStack<ClaimedNotification>(
    deps,
    key,
    stackRef,
    now,
    (state) => {
      const item = stillDue(state);
      if (!item) return null;
      const claim = claimFor(item, now);
      // A reminder stands in for the one before it: an operation stuck for weeks must not grow
      // its stack's item by a claim per interval.
      const previous =
        item.repeat !== undefined && item.repeat > 1
          ? item.view.claims.find((kept) => kept.severity === item.severity && kept.repeat === (item.repeat ?? 0) - 1)
          : undefined;
      const withClaim = withClaims(previous ? withoutClaim(state, previous) : state, [claim]);
      // Confirmed just now (when CloudFormation can be asked): seen then.
      const seen = seenAt === null ? withClaim : withSighting(withClaim, seenAt).state;
      return { state: seen, result: { due: item, claim } };
    },
    { known },
  );
  if (!claimed) return [];
  return (await sendClaimed(deps, key, claimed.saved, [claimed.result])).sent;
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
  root: StackState | null,
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
  return {
    kind: 'closed',
    notifications: (await applyStatusRecord(deps, key, verdict.record, { root })).notifications,
  };
}

/**
 * Re-claims a notification whose sender died before the notifier (or the bus) accepted it, then
 * sends what it still owes in each lane; or lets it go when it is no longer worth sending (its
 * operation ended, a CRITICAL overtook it); or settles it as suppressed when its operation turned
 * quiet meanwhile.
 */
async function resend(
  deps: WatchdogDeps,
  key: ServiceKey,
  stack: StackState,
  stale: Claim,
  root: StackState | null,
): Promise<Notification[]> {
  const now = deps.clock();
  const renewed = await updateStack<ClaimedNotification | null>(
    deps,
    key,
    stack,
    now,
    (current) => {
      const pending = current.claims.find(
        (claim) => sameClaim(claim, stale) && isStaleClaim(claim, now, deps.config.sendLeaseMs),
      );
      const opView =
        pending &&
        viewOperations(root ? [current, root] : [current], now, deps.config).find((item) =>
          item.claims.includes(pending),
        );
      if (!pending || !opView) return null;
      // Quiet since: nothing more goes out, but the event that closes an incident on the bus.
      const closing = closesIncident(opView, pending.severity) && lanePending(pending, Lane.BUS);
      if (opView.quiet !== null && !closing)
        return { state: withClaimSuppressed(current, pending, now, opView.quiet), result: null };
      if (!stillWorthSending(opView, pending)) return { state: withClaimMoot(current, pending), result: null };
      const due: DueNotification = {
        severity: pending.severity,
        repeat: pending.repeat,
        view: opView,
        status: reportedStatus(opView, pending.severity),
      };
      const settled =
        opView.quiet === null ? current : withClaimSuppressed(current, pending, now, opView.quiet, [Lane.PAGE]);
      const next = withClaimRenewed(settled, pending, now);
      const claim = next.claims.find((kept) => sameClaim(kept, pending)) ?? pending;
      return { state: next, result: { due, claim } };
    },
    { known: stack },
  );
  if (!renewed?.result) return [];
  return (await sendClaimed(deps, key, renewed.saved, [renewed.result])).sent;
}
