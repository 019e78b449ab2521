/**
 * What the figures share: an embedded DynamoDB with a metered client, the use cases' deps wired
 * as cli/replay.ts wires them (recording notifier and window-event publisher, silent log, the
 * stacks' nesting from what the generator knows), a bounded worker pool, and timing helpers.
 */
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbStore, ensureTable } from '../shared/adapters/dynamodb-store.ts';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../shared/adapters/embedded-dynamodb.ts';
import { createRecordingNotifier, type RecordingNotifier } from '../shared/adapters/memory-notifier.ts';
import type { WatchdogDeps } from '../shared/app/deps.ts';
import { silentLog } from '../shared/app/log.ts';
import type { StackDirectory, StackInspector, WatchdogStore } from '../shared/app/ports.ts';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../shared/domain/config.ts';
import type { ServiceRule } from '../shared/domain/service.ts';
import { NO_FACTS } from '../shared/domain/stack-facts.ts';
import type { Instant } from '../shared/domain/time.ts';
import type { Notification } from '../shared/domain/notification.ts';
import type { WindowEvent } from '../shared/domain/window-events.ts';
import { meterClient, type Meter } from './metering.ts';
import type { GeneratedStack } from './org.ts';

export const BENCH_TABLE = 'cfn-watchdog-bench';

/** Progress for people: stderr only, so that `--json` keeps stdout to the one object. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export interface MeteredDb {
  readonly db: EmbeddedDynamoDb;
  readonly client: DynamoDBClient;
  readonly store: WatchdogStore;
  readonly meter: Meter;
  /** Another table of the same shape in the same dynalite, through the same metered client. */
  table(name: string): Promise<WatchdogStore>;
  close(): Promise<void>;
}

/** dynalite in this process (as `replay` runs it), its table, and a store whose client is metered. */
export async function meteredDb(): Promise<MeteredDb> {
  const db = await startEmbeddedDynamoDb();
  const client = db.client();
  await ensureTable(client, BENCH_TABLE);
  const meter = meterClient(client);
  meter.reset();
  return {
    db,
    client,
    store: createDynamoDbStore({ client, tableName: BENCH_TABLE }),
    meter,
    async table(name) {
      await ensureTable(client, name);
      return createDynamoDbStore({ client, tableName: name });
    },
    close: () => db.close(),
  };
}

export function benchConfig(serviceRules: readonly ServiceRule[]): WatchdogConfig {
  return { ...DEFAULT_CONFIG, serviceRules };
}

/** Nesting as DescribeStacks (the Lambdas) or the input's own events (a replay) would tell it. */
export function directoryOf(stacks: readonly GeneratedStack[]): StackDirectory {
  const roots = new Map(
    stacks.flatMap((root) => root.nested.map((nested): [string, string] => [nested.arn, root.arn])),
  );
  return { factsOf: async (stackId) => ({ ...NO_FACTS, rootStackId: roots.get(stackId) ?? null }) };
}

export interface RecordingDeps {
  readonly notifier: RecordingNotifier;
  readonly windowEvents: WindowEvent[];
  /** The pages the bus took as events (their bus lane). */
  readonly escalations: Notification[];
  /** Deps whose clock reads `now()`: one per worker, each with its own virtual time (and, given, its own directory). */
  with(now: () => Instant, stacks?: StackDirectory): WatchdogDeps;
}

export function recordingDeps(
  store: WatchdogStore,
  config: WatchdogConfig,
  stacks: StackDirectory,
  inspector?: StackInspector,
): RecordingDeps {
  const notifier = createRecordingNotifier();
  const windowEvents: WindowEvent[] = [];
  const publisher = { publish: async (event: WindowEvent) => void windowEvents.push(event) };
  const escalations: Notification[] = [];
  const bus = { publish: async (notification: Notification) => void escalations.push(notification) };
  return {
    notifier,
    windowEvents,
    escalations,
    with: (now, own) => ({
      store,
      notifier,
      escalations: bus,
      windowEvents: publisher,
      clock: now,
      config,
      log: silentLog,
      stacks: own ?? stacks,
      ...(inspector ? { inspector } : {}),
    }),
  };
}

/** DescribeStacks calls, counted where the bench stands in for CloudFormation. */
export interface DescribeStacksCount {
  events: number;
  sweeps: number;
}

/**
 * `directory` as one Lambda container asks it: DescribeStacks once per stack, then from its cache
 * (cloudformation-inspector.ts); each call that would reach CloudFormation is counted.
 */
export function containerDirectory(directory: StackDirectory, count: DescribeStacksCount): StackDirectory {
  const known = new Map<string, Awaited<ReturnType<StackDirectory['factsOf']>>>();
  return {
    async factsOf(stackId) {
      const cached = known.get(stackId);
      if (cached) return cached;
      count.events++;
      const facts = await directory.factsOf(stackId);
      known.set(stackId, facts);
      return facts;
    },
  };
}

/** `inspector` with every DescribeStacks (and DescribeStackResources) the sweeps make counted. */
export function countedInspector(inspector: StackInspector, count: DescribeStacksCount): StackInspector {
  const { resourcesInProgress } = inspector;
  return {
    describe: (stackId) => {
      count.sweeps++;
      return inspector.describe(stackId);
    },
    ...(resourcesInProgress
      ? {
          resourcesInProgress: (stackId: string) => {
            count.sweeps++;
            return resourcesInProgress.call(inspector, stackId);
          },
        }
      : {}),
  };
}

/** Runs `work` on every item with at most `concurrency` at once; order of start is the items'. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async (_, worker) => {
      for (let index = next++; index < items.length; index = next++) await work(items[index] as T, worker);
    }),
  );
}

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await work();
  return { result, ms: performance.now() - start };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
