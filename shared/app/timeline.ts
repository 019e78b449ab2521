/**
 * Postmortem timelines (access pattern 4): what one stack, or every stack of a service, went
 * through in [from, to], as CloudFormation reported it.
 */
import { parseStackArn, type StackRef } from '../domain/events.ts';
import type { ServiceKey } from '../domain/service.ts';
import type { Instant } from '../domain/time.ts';
import type { HistoryEvent, ServiceWindow, WatchdogStore } from './ports.ts';

export interface StackTimeline {
  readonly stackId: string;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  /** The service it belongs to; `null` when the store cannot tell (see {@link stackTimelines}). */
  readonly service: string | null;
  /** In time order; stack and resource status changes. */
  readonly events: readonly HistoryEvent[];
}

export interface TimelineRange {
  readonly from: Instant;
  readonly to: Instant;
}

async function timelineOf(
  store: WatchdogStore,
  stackId: string,
  { from, to }: TimelineRange,
  serviceOf: (stack: StackRef) => Promise<string | null>,
): Promise<StackTimeline | null> {
  const events = (await store.stackHistory(stackId, from)).filter((event) => event.time <= to);
  const first = events[0];
  const ref = parseStackArn(stackId);
  if (!first || !ref) return null;
  const stack = { stackId, stackName: first.stackName, account: ref.account, region: ref.region };
  return { ...stack, service: await serviceOf(stack), events };
}

/**
 * The inverse of {@link timelinesOfService}'s membership, so that a stack asked for by name or
 * ARN shows the service that asking for its service would: raw events carry no service and a
 * stack's state lives under its service's key, so the candidates are the service named as the
 * stack (where no rule or tag names another) keeping its state, then the services whose windows
 * overlapping the range name it. A stack of a service named by a rule or tag, outside any
 * window in the range, is `null`.
 */
function servicesOfStacks(store: WatchdogStore, range: TimelineRange): (stack: StackRef) => Promise<string | null> {
  let windows: Promise<ServiceWindow[]> | undefined;
  return async (stack) => {
    const here = (key: ServiceKey): boolean => key.account === stack.account && key.region === stack.region;
    for (const key of (await store.servicesNamed(stack.stackName)).filter(here)) {
      if ((await store.loadService(key)).stacks.some((state) => state.stackId === stack.stackId)) return key.service;
    }
    windows ??= store.windowsOverlapping(range);
    return (
      (await windows).find((window) => here(window.key) && window.stacks.includes(stack.stackName))?.key.service ?? null
    );
  };
}

/**
 * One stack's timeline by name or ARN. A name can stand for several stacks (deleted and created
 * again under the same name, or in several accounts and regions): each is returned, oldest first.
 *
 * @example
 * const [timeline] = await stackTimelines(store, 'trustsource-core-prod', { from, to });
 */
export async function stackTimelines(
  store: WatchdogStore,
  stack: string,
  range: TimelineRange,
): Promise<StackTimeline[]> {
  const ids = parseStackArn(stack) ? [stack] : await store.stacksNamed(stack, range);
  const serviceOf = servicesOfStacks(store, range);
  const timelines = (await Promise.all(ids.map((id) => timelineOf(store, id, range, serviceOf)))).filter(
    (found) => found !== null,
  );
  return timelines.sort((a, b) => (a.events[0]?.time ?? 0) - (b.events[0]?.time ?? 0));
}

/**
 * The timelines of the stacks of one service (account, region, service) in [from, to]: those it
 * keeps a state of (deleted ones for a while after their deletion) and, for older ranges, those
 * named in its windows overlapping the range. By first event.
 *
 * @example
 * const stacks = await timelinesOfService(store, key, { from, to });
 */
export async function timelinesOfService(
  store: WatchdogStore,
  key: ServiceKey,
  range: TimelineRange,
): Promise<StackTimeline[]> {
  const ids = new Set((await store.loadService(key)).stacks.map((stack) => stack.stackId));
  const archivedNames = new Set(
    (await store.windowsOverlapping({ ...range, service: key.service }))
      .filter((window) => window.key.account === key.account && window.key.region === key.region)
      .flatMap((window) => window.stacks),
  );
  for (const name of archivedNames) {
    for (const id of await store.stacksNamed(name, range)) {
      const ref = parseStackArn(id);
      if (ref?.account === key.account && ref.region === key.region) ids.add(id);
    }
  }
  const ofKey = async (): Promise<string> => key.service;
  const stacks = (await Promise.all([...ids].map((id) => timelineOf(store, id, range, ofKey)))).filter(
    (found) => found !== null,
  );
  return stacks.sort((a, b) => (a.events[0]?.time ?? 0) - (b.events[0]?.time ?? 0));
}

/**
 * The timelines of every stack of a service in [from, to], in every account and region it has
 * a state in, or only `account`/`region`.
 *
 * @example
 * const services = await serviceTimelines(store, { service: 'trustsource-core', from, to });
 */
export async function serviceTimelines(
  store: WatchdogStore,
  query: TimelineRange & {
    readonly service: string;
    readonly account?: string | undefined;
    readonly region?: string | undefined;
  },
): Promise<{ readonly key: ServiceKey; readonly stacks: readonly StackTimeline[] }[]> {
  const keys = (await store.servicesNamed(query.service)).filter(
    (key) =>
      (query.account === undefined || key.account === query.account) &&
      (query.region === undefined || key.region === query.region),
  );
  const services = [];
  for (const key of keys) services.push({ key, stacks: await timelinesOfService(store, key, query) });
  return services;
}
