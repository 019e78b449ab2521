/**
 * `cfn-watchdog replay`: the use cases and the DynamoDB store, run against an embedded DynamoDB
 * with a virtual clock that sweeps at every whole minute (and, `--on-time`, at each threshold
 * falling due in between, as the deployed sweeper does).
 */
import { applyEvent } from '../shared/app/apply-event.ts';
import type { Log } from '../shared/app/log.ts';
import { sweep } from '../shared/app/sweep.ts';
import { windowsAsOf } from '../shared/app/walk-windows.ts';
import { createDynamoDbStore, createStore, ensureTable } from '../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient } from '../shared/adapters/embedded-dynamodb.ts';
import { createMemoryTable } from '../shared/adapters/memory-table.ts';
import { createRecordingNotifier } from '../shared/adapters/memory-notifier.ts';
import { escalationEventOf, type EscalationEvent } from '../shared/adapters/escalation-event.ts';
import type { WatchdogConfig } from '../shared/domain/config.ts';
import type { Notification } from '../shared/domain/notification.ts';
import { serviceKeyId, type ServiceKey } from '../shared/domain/service.ts';
import { operationSeverity, type OperationSeverity } from '../shared/domain/severity.ts';
import { ceilToMinute, floorToMinute, MINUTE_MS, type Instant } from '../shared/domain/time.ts';
import { compareOperations, deriveOperations, statusRecordOf, type Operation } from '../shared/domain/operations.ts';
import type { CloudFormationEvent, StackRef } from '../shared/domain/events.ts';
import { NO_FACTS, rootsFromEvents } from '../shared/domain/stack-facts.ts';
import type { StackDirectory, WatchdogStore } from '../shared/app/ports.ts';
import type { ImpactWindow } from '../shared/domain/windows.ts';
import type { WindowEvent } from '../shared/domain/window-events.ts';
import { EMBEDDED_TABLE, type ReplayFolder } from './store-folder.ts';
import { endpointUrl, unreachable } from './data-source.ts';
import type { Delivery, LostEvent, Rejected } from './replay-input.ts';
import { createSimulatedCloudFormation } from './simulated-cloudformation.ts';

export interface ReplayedOperation extends ServiceKey {
  readonly operation: Operation;
  readonly peakSeverity: OperationSeverity | null;
}

export interface ReplayedWindow extends ImpactWindow {
  readonly key: ServiceKey;
}

export interface ReplayResult {
  readonly until: Instant | null;
  readonly notifications: readonly Notification[];
  /** The pages' events put on the watchdog's bus (their bus lane), in the order they were put. */
  readonly escalationEvents: readonly { readonly at: Instant; readonly event: EscalationEvent }[];
  /** The recovery hand-off events, in the order they were put on the bus, with the virtual time. */
  readonly windowEvents: readonly { readonly at: Instant; readonly event: WindowEvent }[];
  readonly operations: readonly ReplayedOperation[];
  readonly windows: readonly ReplayedWindow[];
  readonly rejected: readonly Rejected[];
}

export interface ReplayOptions {
  readonly config: WatchdogConfig;
  readonly until?: Instant | undefined;
  readonly log: Log;
  /**
   * Keep what was replayed in this folder (`--db`, taken before the replay), for the read
   * commands' `--db`; what it already holds (`--append`) is replayed on, from where its clock was.
   */
  readonly db?: ReplayFolder | undefined;
  /**
   * Replay into this DynamoDB endpoint (DynamoDB Local, dynalite, moto, a dev table) instead of
   * the in-process table; the table `tableName` (default `cfn-watchdog`) is created if missing.
   */
  readonly endpoint?: string | undefined;
  readonly tableName?: string | undefined;
  /** Told how far the replay got, about every few seconds (the CLI's progress line). */
  readonly progress?:
    | ((done: { readonly delivered: number; readonly total: number; readonly at: Instant }) => void)
    | undefined;
  /**
   * `--simulate-cloudformation`: the sweeper confirms with a CloudFormation answered from the
   * whole input as of the virtual clock (lost and not-yet-delivered events included). Without
   * it, nothing is confirmed, as without access to CloudFormation.
   */
  readonly simulateCloudFormation?: boolean | undefined;
  /** Events CloudFormation emitted that were never delivered; only the simulated CloudFormation knows them. */
  readonly lost?: readonly LostEvent[] | undefined;
  /**
   * Wraps the store the replay runs on (tests: a store slowed down at random, to show that the
   * output depends on the virtual clock only).
   */
  readonly decorateStore?: ((store: WatchdogStore) => WatchdogStore) | undefined;
  /**
   * `--on-time`: as the deployed sweeper does (OnTimeEscalation), each WARNING/CRITICAL falling due
   * in the 50 s after a whole-minute sweep is sent at its instant (the events due by then delivered
   * first), not at the next whole minute as the replay contract's clock has it.
   */
  readonly onTime?: boolean | undefined;
}

/**
 * Nesting as DescribeStacks would tell it (RootId is set from a nested stack's creation on): from
 * the parents' `AWS::CloudFormation::Stack` resources anywhere in the input, whatever the order
 * in which the events arrive, and the roots the stored states keep (their parents' events may
 * be in an earlier replay's input). A replay has no tags: `--service-rule` and `--mute` stand for them.
 */
function directoryFromEvents(
  events: readonly CloudFormationEvent[],
  stored: ReadonlyMap<string, string> = new Map(),
): StackDirectory {
  const roots = rootsFromEvents(events.flatMap((event) => (event.kind === 'resource-status' ? [event] : [])));
  return {
    factsOf: async (stackId) => ({ ...NO_FACTS, rootStackId: roots.get(stackId) ?? stored.get(stackId) ?? null }),
  };
}

/**
 * Replays deliveries in virtual time and returns what the watchdog sent and recorded.
 *
 * @example
 * const { deliveries, rejected } = readReplayInput(text);
 * const result = await replay(deliveries, rejected, { config: DEFAULT_CONFIG, log: silentLog });
 */
export async function replay(
  deliveries: readonly Delivery[],
  rejected: readonly Rejected[],
  options: ReplayOptions,
): Promise<ReplayResult> {
  const ordered = [...deliveries].sort((a, b) => a.deliverAt - b.deliverAt || a.index - b.index);
  // A store replayed on (`--append`) was written up to here: its virtual clock goes on from there,
  // sweeping the minutes up to this input (an escalation due in between is sent when it was due),
  // and an event of this input dated before it is delivered late, then.
  const resumeAt = options.db?.summary.writtenUntil ?? null;
  const last = ordered.at(-1);
  const until = options.until ?? (last ? ceilToMinute(Math.max(last.deliverAt, resumeAt ?? last.deliverAt)) : null);
  const due = ordered.filter((delivery) => until !== null && delivery.deliverAt <= until);
  const first = due[0];
  if (until === null || first === undefined) {
    // Kept all the same: the read commands then answer with what the store held, or that nothing happened.
    await options.db?.keep(options.db.items);
    return { until, notifications: [], escalationEvents: [], windowEvents: [], operations: [], windows: [], rejected };
  }
  const deliveredAt = (delivery: Delivery): Instant => Math.max(delivery.deliverAt, resumeAt ?? delivery.deliverAt);

  const target = await openReplayStore(options);
  try {
    const store = options.decorateStore ? options.decorateStore(target.store) : target.store;
    const notifier = createRecordingNotifier();
    const published: { at: Instant; event: WindowEvent }[] = [];
    const windowEvents = { publish: async (event: WindowEvent) => void published.push({ at: now, event }) };
    const escalated: { at: Instant; event: EscalationEvent }[] = [];
    const escalations = {
      publish: async (notification: Notification) =>
        void escalated.push({ at: now, event: escalationEventOf(notification) }),
    };
    let now: Instant = deliveredAt(first);
    const clock = (): Instant => now;
    const lost = options.simulateCloudFormation ? (options.lost ?? []).map(({ event }) => event) : [];
    const deps = {
      store,
      notifier,
      escalations,
      windowEvents,
      clock,
      config: options.config,
      log: options.log,
      // DescribeStacks tells the nesting of stacks whose events were lost as well.
      stacks: directoryFromEvents(
        [...due.map((delivery) => delivery.event), ...lost.filter((event) => event.time <= until)],
        options.db?.summary.roots,
      ),
      inspector: options.simulateCloudFormation
        ? createSimulatedCloudFormation([...deliveries.map((delivery) => delivery.event), ...lost], clock)
        : undefined,
    };
    const services = new Map<string, ServiceKey>();
    const stacks = new Map<string, { stack: StackRef; key: ServiceKey }>();

    let next = 0;
    const deliverUntil = async (limit: Instant): Promise<void> => {
      for (let delivery = due[next]; delivery && delivery.deliverAt <= limit; delivery = due[++next]) {
        now = deliveredAt(delivery);
        const { event } = delivery;
        const outcome = await applyEvent(event, deps);
        if (outcome.kind === 'applied' || outcome.kind === 'duplicate') {
          services.set(serviceKeyId(outcome.key), outcome.key);
          stacks.set(event.stackId, { stack: event, key: outcome.key });
        }
        if (next % PROGRESS_EVERY === PROGRESS_EVERY - 1)
          options.progress?.({ delivered: next + 1, total: due.length, at: now });
      }
    };
    for (let minute = resumeAt === null ? floorToMinute(first.deliverAt) : ceilToMinute(resumeAt); minute <= until; ) {
      await deliverUntil(minute);
      now = minute;
      // One piece of work at a time: what is sent is listed in the order it was sent.
      const onTime = options.onTime
        ? {
            waitUntil: async (at: Instant) => {
              await deliverUntil(at);
              now = at;
            },
            notAfter: until,
          }
        : undefined;
      const { servicesSwept } = await sweep(deps, { concurrency: 1, onTime });
      // With nothing open, every sweep until the next delivery would find nothing: skip them.
      const nextDelivery = due[next]?.deliverAt;
      minute =
        servicesSwept === 0 && nextDelivery !== undefined
          ? Math.max(minute + MINUTE_MS, floorToMinute(nextDelivery))
          : servicesSwept === 0
            ? until + MINUTE_MS
            : minute + MINUTE_MS;
    }
    await deliverUntil(until);

    // As recorded: operations from each stack's timeline (access pattern 4), windows from each
    // service's window entries and its stacks; all as of `until`.
    const operations: ReplayedOperation[] = [];
    for (const { stack, key } of stacks.values()) {
      const history = await store.stackHistory(stack.stackId);
      for (const operation of deriveOperations(
        history.flatMap((event) => (event.kind === 'stack-status' ? [statusRecordOf(event)] : [])),
      )) {
        operations.push({
          ...key,
          operation,
          peakSeverity: operationSeverity(operation, until, options.config.thresholds),
        });
      }
    }
    const windows: ReplayedWindow[] = [];
    for (const key of services.values()) {
      now = until;
      for (const window of await windowsAsOf(deps, key, until)) windows.push({ ...window, key });
    }
    operations.sort((a, b) => compareOperations(a.operation, b.operation));
    windows.sort((a, b) => a.start - b.start || serviceKeyId(a.key).localeCompare(serviceKeyId(b.key)));
    await target.keep();
    return {
      until,
      notifications: notifier.sent,
      escalationEvents: escalated,
      windowEvents: published,
      operations,
      windows,
      rejected,
    };
  } finally {
    await target.close();
  }
}

/** How many deliveries between two calls of `progress`: rare enough to cost nothing. */
const PROGRESS_EVERY = 1000;

/** Stack states a replay keeps parsed: more than the stacks a sweep reads in a minute. */
const REPLAY_STACK_CACHE_SIZE = 20_000;

interface ReplayStore {
  readonly store: WatchdogStore;
  /** Makes what was replayed last where the options asked (`--db`); nothing for the others. */
  keep(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The in-process table unless `--endpoint` names a DynamoDB: a replay's speed is the store's
 * (no HTTP, signing or marshalling per request). `--db` copies the table into its folder at the
 * end, for the read commands.
 */
async function openReplayStore(options: ReplayOptions): Promise<ReplayStore> {
  if (options.endpoint !== undefined) {
    const endpoint = endpointUrl(options.endpoint);
    const client = localDynamoDbClient(endpoint);
    const tableName = options.tableName ?? EMBEDDED_TABLE;
    try {
      await ensureTable(client, tableName);
    } catch (error) {
      client.destroy();
      throw unreachable(error, endpoint) ?? error;
    }
    return {
      store: createDynamoDbStore({ client, tableName }),
      keep: async () => undefined,
      close: async () => client.destroy(),
    };
  }
  const table = createMemoryTable();
  for (const item of options.db?.items ?? []) await table.put(item);
  return {
    // Nothing else writes this table: every stack read can be answered from what was read before.
    store: createStore(table, { stackCacheSize: REPLAY_STACK_CACHE_SIZE }),
    keep: async () => options.db?.keep(table.items()),
    close: async () => undefined,
  };
}
