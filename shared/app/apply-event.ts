/**
 * Use case of the stack-events Lambda: apply one CloudFormation event.
 */
import { parseStackArn, type CloudFormationEvent, type StackRef } from '../domain/events.ts';
import type { Notification } from '../domain/notification.ts';
import { statusRecordOf, type StatusRecord } from '../domain/operations.ts';
import { serviceOf, type ServiceKey } from '../domain/service.ts';
import { claimFor, countsForRules, dueOnEvent, viewService, withClaims, withStackFacts, withStatusRecord } from '../domain/service-state.ts';
import { isBeyondHorizon } from '../domain/config.ts';
import { NO_FACTS, type StackFacts } from '../domain/stack-facts.ts';
import { isKnownStatus } from '../domain/status.ts';
import { formatInstant } from '../domain/time.ts';
import type { WatchdogDeps } from './deps.ts';
import { sendClaimed } from './notify.ts';
import { updateService, withOutbox } from './service-updates.ts';

export type ApplyOutcome =
  | { readonly kind: 'ignored'; readonly detailType: string }
  | { readonly kind: 'recorded' }
  | { readonly kind: 'duplicate'; readonly key: ServiceKey }
  /** Older than the late-event horizon: kept in the timeline, ignored by the rules. */
  | { readonly kind: 'too-late' }
  | { readonly kind: 'applied'; readonly key: ServiceKey; readonly notifications: readonly Notification[] };


/**
 * Merges a status record (and what CloudFormation says of its stack, when asked) into its
 * service's state and claims the FAILED/RESOLVED it makes due; then sends them. Shared by events
 * and by the sweeper's reconciliation with DescribeStacks.
 */
export async function applyStatusRecord(
  deps: WatchdogDeps,
  key: ServiceKey,
  record: StatusRecord,
  facts?: StackFacts,
): Promise<{ applied: boolean; notifications: Notification[] }> {
  // A window event that could not be published stays pending for the sweeper (logged there).
  return (await withOutbox(deps, (staged) => applyAndNotify(staged, key, record, facts))).result;
}

async function applyAndNotify(
  deps: WatchdogDeps,
  key: ServiceKey,
  record: StatusRecord,
  facts: StackFacts | undefined,
): Promise<{ applied: boolean; notifications: Notification[] }> {
  const { config } = deps;
  const now = deps.clock();
  let tooLate = false;
  // A late event dated in history folded by size brings it back first: it counts as if on time.
  const done = await updateService(
    deps,
    key,
    now,
    (current) => {
      const recorded = withStatusRecord(current, record);
      tooLate = recorded.tooLate ?? false;
      // An event older than all the history kept changes nothing, not even what is known of its stack.
      if (tooLate) return null;
      const known = facts ? withStackFacts(recorded.state, record.stackId, facts) : { state: recorded.state, changed: false };
      const { state } = known;
      const changed = recorded.changed || known.changed;
      const due = dueOnEvent(viewService(state, now, config));
      if (!changed && due.length === 0) return null;
      const claimed = due.map((item) => ({ due: item, claim: claimFor(item, now) }));
      // Dated after its stack's DELETE_COMPLETE: kept, ignored by the rules (said below).
      const ignored = recorded.changed && !record.synthetic && !countsForRules(state, record);
      return { state: withClaims(state, claimed.map(({ claim }) => claim)), result: { claimed, ignored } };
    },
    undefined,
    record.time,
  );
  if (tooLate) {
    deps.log.warn('event older than the history its service keeps: kept in the timeline, ignored by the rules', {
      stackId: record.stackId,
      status: record.status,
      time: formatInstant(record.time),
    });
  }
  if (!done) return { applied: false, notifications: [] };
  if (done.result.ignored) {
    deps.log.warn("status dated after its stack's DELETE_COMPLETE, which is final: kept in the timeline, ignored by the rules", {
      stackId: record.stackId,
      status: record.status,
      time: formatInstant(record.time),
    });
  }
  return { applied: true, notifications: (await sendClaimed(deps, key, done.saved, done.result.claimed)).sent };
}

/**
 * The service a stack belongs to, and its facts: a nested stack belongs to its root's service; a
 * root to its `cfn-watchdog:service` tag when CloudFormation can be asked (the deployed
 * functions), else to the first matching name rule, else to its name.
 */
async function placementOf(stack: StackRef, deps: WatchdogDeps): Promise<{ key: ServiceKey; facts: StackFacts }> {
  // A failure to ask propagates (the event is retried): guessing by name could split a stack's
  // events across two services.
  const facts = (await deps.stacks?.factsOf(stack.stackId)) ?? NO_FACTS;
  const root = facts.rootStackId === null ? null : parseStackArn(facts.rootStackId);
  const owner = root ?? stack;
  const ownerFacts = root && deps.stacks ? await deps.stacks.factsOf(root.stackId) : facts;
  const service = ownerFacts.serviceTag ?? serviceOf(owner.stackName, deps.config.serviceRules);
  return { key: { account: stack.account, region: stack.region, service }, facts };
}

/**
 * Applies one validated CloudFormation event: keeps it in its stack's timeline and, for a stack
 * status change, updates the service's state and sends FAILED/RESOLVED at once.
 *
 * @example
 * const outcome = await applyEvent(parseCloudFormationEvent(input), { store, notifier, clock: Date.now, config, log });
 */
export async function applyEvent(event: CloudFormationEvent, deps: WatchdogDeps): Promise<ApplyOutcome> {
  if (event.kind === 'other') return { kind: 'ignored', detailType: event.detailType };
  await deps.store.recordEvent(event);
  if (event.kind === 'resource-status') return { kind: 'recorded' };
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
  const { applied, notifications } = await applyStatusRecord(deps, key, statusRecordOf(event), facts);
  return applied ? { kind: 'applied', key, notifications } : { kind: 'duplicate', key };
}
