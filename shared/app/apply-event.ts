/**
 * Use case of the stack-events Lambda: apply one CloudFormation event.
 */
import {
  parseStackArn,
  type CloudFormationEvent,
  type ResourceStatusEvent,
  type StackRef,
  type StackStatusEvent,
} from '../domain/events.ts';
import { headsUpFor } from '../domain/known-causes.ts';
import { resourcesInProgress } from '../domain/resources.ts';
import { Severity } from '../domain/severity.ts';
import { claimFor, dueOnEvent, type ClaimedNotification } from '../domain/due.ts';
import type { Notification } from '../domain/notification.ts';
import { viewOperations } from '../domain/operation-view.ts';
import { statusRecordOf, type StatusRecord } from '../domain/operations.ts';
import type { ServiceKey } from '../domain/service.ts';
import { placedService } from '../domain/service-tags.ts';
import {
  countsForRules,
  listedAsMuted,
  withClaims,
  withStackFacts,
  withStatusRecord,
  type StackState,
} from '../domain/stack-state.ts';
import { isBeyondHorizon } from '../domain/config.ts';
import { NO_FACTS, SERVICE_TAG, type StackFacts } from '../domain/stack-facts.ts';
import { isKnownStatus, statusRule } from '../domain/status.ts';
import { formatInstant, type Instant } from '../domain/time.ts';
import type { ApplyDeps } from './deps.ts';
import { BusDeliveryError, sendClaimed } from './notify.ts';
import { updateStack } from './stack-updates.ts';

export type ApplyOutcome =
  | { readonly kind: 'ignored'; readonly detailType: string }
  | { readonly kind: 'recorded' }
  | { readonly kind: 'duplicate'; readonly key: ServiceKey }
  /** Older than the late-event horizon: kept in the timeline, ignored by the rules. */
  | { readonly kind: 'too-late' }
  | { readonly kind: 'applied'; readonly key: ServiceKey; readonly notifications: readonly Notification[] };

/** What the write of one status record decided. */
type Applied =
  | { readonly kind: 'too-late' }
  | { readonly kind: 'applied'; readonly claimed: ReturnType<typeof claimedOn>; readonly ignored: boolean };

/**
 * FAILED/RESOLVED the stack's state makes due, claimed at `now` (the root's state tells whether a nested stack's are
 * quiet).
 */
function claimedOn(stack: StackState, root: StackState | null, now: number, config: ApplyDeps['config']) {
  const views = viewOperations(root ? [stack, root] : [stack], now, config).filter(
    (view) => view.operation.stackId === stack.stackId,
  );
  return dueOnEvent(views).map((due) => ({ due, claim: claimFor(due, now) }));
}

/**
 * Merges a status record (and what CloudFormation says of its stack, when asked) into its
 * stack's state and claims the FAILED/RESOLVED it makes due; then sends them. Shared by events
 * and by the sweeper's reconciliation with DescribeStacks. A nested stack's root is read too,
 * since its operation may tell the nested one's (`root`, when the caller has it).
 */
export async function applyStatusRecord(
  deps: ApplyDeps,
  key: ServiceKey,
  record: StatusRecord,
  context: { readonly facts?: StackFacts | undefined; readonly root?: StackState | null | undefined } = {},
): Promise<{ applied: boolean; notifications: Notification[] }> {
  const { config, store } = deps;
  const { facts } = context;
  const now = deps.clock();
  const stackRef = { stackId: record.stackId, stackName: record.stackName };
  const rootStackId = facts?.rootStackId ?? null;
  const root =
    context.root !== undefined
      ? context.root
      : rootStackId === null
        ? null
        : await store.loadStack(key, { stackId: rootStackId, stackName: parseStackArn(rootStackId)?.stackName ?? '' });
  // A late event dated in history folded by size brings it back first: it counts as if on time.
  const done = await updateStack<Applied>(
    deps,
    key,
    stackRef,
    now,
    (current) => {
      const recorded = withStatusRecord(current, record);
      // An event older than all the history kept changes nothing, not even what is known of its stack.
      if (recorded.tooLate) return { state: null, result: { kind: 'too-late' } };
      const known = facts ? withStackFacts(recorded.state, facts) : { state: recorded.state, changed: false };
      const { state } = known;
      const claimed = claimedOn(state, root, now, config);
      if (!recorded.changed && !known.changed && claimed.length === 0) return null;
      // Dated after its stack's DELETE_COMPLETE: kept, ignored by the rules (said below).
      const ignored = recorded.changed && !record.synthetic && !countsForRules(state, record);
      return {
        state: withClaims(
          state,
          claimed.map(({ claim }) => claim),
        ),
        result: { kind: 'applied', claimed, ignored },
      };
    },
    { reachBackTo: record.time, beforeWrite: (current, next) => keepMutedListing(deps, current, next, now) },
  );
  if (!done) return { applied: false, notifications: [] };
  if (done.result.kind === 'too-late') {
    deps.log.warn('event older than the history its stack keeps: kept in the timeline, ignored by the rules', {
      stackId: record.stackId,
      status: record.status,
      time: formatInstant(record.time),
    });
    return { applied: false, notifications: [] };
  }
  if (done.result.ignored) {
    deps.log.warn(
      "status dated after its stack's DELETE_COMPLETE, which is final: kept in the timeline, ignored by the rules",
      {
        stackId: record.stackId,
        status: record.status,
        time: formatInstant(record.time),
      },
    );
  }
  return { applied: true, notifications: await sendOrDefer(deps, key, done.saved, done.result.claimed) };
}

/**
 * Sends what applying a record claimed. Events the bus did not take are left to the sweeper, which
 * puts them after the lease: retrying the CloudFormation event would claim nothing new, and would
 * end in the dead-letter queue as if it had not been applied.
 */
async function sendOrDefer(
  deps: ApplyDeps,
  key: ServiceKey,
  saved: StackState,
  claimed: readonly ClaimedNotification[],
): Promise<Notification[]> {
  try {
    return (await sendClaimed(deps, key, saved, claimed)).sent;
  } catch (error) {
    if (!(error instanceof BusDeliveryError)) throw error;
    deps.log.warn('pages sent; their events are left for the sweeper to put on the bus', {
      serviceKey: key,
      error: error.message,
    });
    return [...error.sent];
  }
}

/**
 * Keeps the list of stacks muted by their tag (`status`, the daily self-check) in step with a
 * stack's state: written only when the state changes its place on it, before the state itself.
 */
async function keepMutedListing(deps: ApplyDeps, current: StackState, next: StackState, now: Instant): Promise<void> {
  const listed = listedAsMuted(next);
  if (listed === listedAsMuted(current)) return;
  const { key, stackId, stackName } = next;
  if (listed) await deps.store.keepMutedByTag({ key, stackId, stackName, since: now });
  else await deps.store.dropMutedByTag(next.stackId);
}

/**
 * The service a stack belongs to, and its facts: a nested stack belongs to its root's service; a
 * root to its `cfn-watchdog:service` tag when CloudFormation can be asked (the deployed
 * functions) and the tag is allowed for its account, else to the first matching name rule, else
 * to its name.
 */
async function placementOf(stack: StackRef, deps: ApplyDeps): Promise<{ key: ServiceKey; facts: StackFacts }> {
  // A failure to ask propagates (the event is retried): guessing by name could split a stack's
  // events across two services.
  const facts = (await deps.stacks?.factsOf(stack.stackId)) ?? NO_FACTS;
  const root = facts.rootStackId === null ? null : parseStackArn(facts.rootStackId);
  const owner = root ?? stack;
  const ownerFacts = root && deps.stacks ? await deps.stacks.factsOf(root.stackId) : facts;
  const { serviceRules, allowedServiceTags } = deps.config;
  const { service, refusedTag } = placedService(owner, ownerFacts.serviceTag, serviceRules, allowedServiceTags);
  if (refusedTag !== null) {
    // Not an error: the stack is watched all the same, in the service its name gives it.
    const fallback = 'the stack is placed by the service rules, else by its name';
    deps.log.warn(`${SERVICE_TAG} tag not allowed for its account (AllowedServiceTags): ${fallback}`, {
      stackId: owner.stackId,
      stackName: owner.stackName,
      tag: refusedTag,
      account: owner.account,
      service,
    });
  }
  return { key: { account: stack.account, region: stack.region, service }, facts };
}

/**
 * The heads-up a resource event begins (config.headsUp): when it is the first event of a known
 * slow cause in its stack's running operation (known-causes.ts, `headsUpFor`), one INFO, claimed
 * once per operation and sent at once; `null` (the event only recorded) otherwise. Only such an
 * event reads anything: the other resource events stay one write each.
 */
async function headsUp(event: ResourceStatusEvent, deps: ApplyDeps): Promise<ApplyOutcome | null> {
  const { config } = deps;
  if (!config.headsUp || isBeyondHorizon(event, deps.clock(), config)) return null;
  const situation = { stackName: event.stackName, region: event.region, stackStatus: '', stackStatusReason: '' };
  if (headsUpFor({ ...situation, resources: resourcesInProgress([event]) }) === null) return null;
  const { key, facts } = await placementOf(event, deps);
  const rootStackId = facts.rootStackId;
  const root =
    rootStackId === null
      ? null
      : await deps.store.loadStack(key, {
          stackId: rootStackId,
          stackName: parseStackArn(rootStackId)?.stackName ?? '',
        });
  const now = deps.clock();
  const done = await updateStack<ClaimedNotification[]>(deps, key, event, now, (current) => {
    const view = viewOperations(root ? [current, root] : [current], now, config).find(
      (candidate) =>
        candidate.operation.stackId === current.stackId &&
        candidate.operation.state === 'running' &&
        candidate.operation.start <= event.time,
    );
    // Quiet (muted, or told by its root), told already, or escalated already (an event delivered
    // late): nothing; a heads-up after a WARNING would be a lower level after a higher one.
    if (!view || view.quiet !== null || view.claims.length > 0) return null;
    const due = { severity: Severity.INFO, view, status: view.latest };
    const claim = claimFor(due, now);
    return { state: withClaims(current, [claim]), result: [{ due, claim }] };
  });
  if (!done) return null;
  return { kind: 'applied', key, notifications: await sendOrDefer(deps, key, done.saved, done.result) };
}

/**
 * Applies one validated CloudFormation event: keeps it in its stack's timeline and, for a stack
 * status change, updates the service's state and sends FAILED/RESOLVED at once.
 *
 * @example
 * const outcome = await applyEvent(parseCloudFormationEvent(input), { store, notifier, clock: Date.now, config, log });
 */
export async function applyEvent(event: CloudFormationEvent, deps: ApplyDeps): Promise<ApplyOutcome> {
  if (event.kind === 'other') return { kind: 'ignored', detailType: event.detailType };
  await deps.store.recordEvent(event);
  if (event.kind === 'resource-status') return (await headsUp(event, deps)) ?? { kind: 'recorded' };
  if (!isKnownStatus(event.status)) {
    deps.log.warn('unknown stack status: kept in the timeline, ignored by the rules', {
      eventId: event.eventId,
      stackId: event.stackId,
      status: event.status,
    });
  }
  if (isBeyondHorizon(event, deps.clock(), deps.config)) {
    deps.log.warn('event older than the late-event horizon: kept in the timeline, ignored by the rules', {
      eventId: event.eventId,
      stackId: event.stackId,
      status: event.status,
      time: formatInstant(event.time),
    });
    return { kind: 'too-late' };
  }
  const { key, facts } = await placementOf(event, deps);
  const { applied, notifications } = await applyStatusRecord(deps, key, statusRecordOf(event), { facts });
  if (!applied) return { kind: 'duplicate', key };
  return { kind: 'applied', key, notifications: [...notifications, ...(await headsUpCameFirst(event, deps))] };
}

/**
 * The heads-up of a resource event that arrived before the status event beginning its operation
 * (EventBridge does not keep order): looked for among the stack's events from that status on, only
 * when heads-ups are on and the status begins an operation.
 */
async function headsUpCameFirst(event: StackStatusEvent, deps: ApplyDeps): Promise<Notification[]> {
  if (!deps.config.headsUp || statusRule(event.status)?.beginsOperation !== true) return [];
  for (const early of await deps.store.stackHistory(event.stackId, event.time)) {
    if (early.kind !== 'resource-status') continue;
    const outcome = await headsUp(early, deps);
    if (outcome?.kind === 'applied') return [...outcome.notifications];
  }
  return [];
}
