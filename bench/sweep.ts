/**
 * One `sweep` with 10 operations open among 0 and then among 100,000 closed services in the same
 * table: its requests (the sparse OpenServices index should make them independent of the closed
 * ones) and its time. The open services are put back as they were before each timed sweep, so
 * that every sweep has the same notifications due.
 */
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { applyEvent } from '../shared/app/apply-event.ts';
import { sweep } from '../shared/app/sweep.ts';
import { SWEEP_PARTITION, TO_SWEEP_INDEX } from '../shared/adapters/table.ts';
import type { CloudFormationEvent } from '../shared/domain/events.ts';
import { MINUTE_MS, type Instant } from '../shared/domain/time.ts';
import type { WatchdogStore } from '../shared/app/ports.ts';
import {
  BENCH_TABLE,
  benchConfig,
  meteredDb,
  median,
  pool,
  progress,
  recordingDeps,
  timed,
  type MeteredDb,
  type RecordingDeps,
} from './harness.ts';
import { emptyTally } from './metering.ts';
import { ACCOUNT, REGION } from './org.ts';

type RawItem = Record<string, AttributeValue>;

const T0 = Date.parse('2021-09-21T10:00:00Z');
/** Past the default WARNING threshold (20 min), before CRITICAL (40 min). */
const SWEEP_AT = T0 + 25 * MINUTE_MS;
const BATCH = 25;

const arn = (name: string): string =>
  `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/00000000-0000-4000-8000-` +
  `${String(name.length).padStart(12, '0')}`;

function stackStatus(name: string, at: Instant, status: string): CloudFormationEvent {
  return {
    kind: 'stack-status',
    stackId: arn(name),
    stackName: name,
    account: ACCOUNT,
    region: REGION,
    eventId: `${name}-${at}-${status}`,
    time: at,
    status,
    statusReason: '',
  };
}

function resourceStatus(name: string, at: Instant, logicalResourceId: string, status: string): CloudFormationEvent {
  return {
    kind: 'resource-status',
    stackId: arn(name),
    stackName: name,
    account: ACCOUNT,
    region: REGION,
    eventId: `${name}-${at}-${logicalResourceId}-${status}`,
    time: at,
    logicalResourceId,
    physicalResourceId: `${name}-${logicalResourceId}`,
    resourceType: 'AWS::ECS::Service',
    status,
    statusReason: '',
  };
}

/** The key of the stack item of the stack named `service` (each bench service has one stack of its name). */
const stateKey = (service: string): RawItem => ({
  PK: { S: `SERVICE#${ACCOUNT}#${REGION}#${service}` },
  SK: { S: `STACK#${arn(service)}` },
});

/**
 * Removes what a sweep derived for a service (its window entries, walk points, own item), so that the next round
 * derives it again.
 */
async function forgetDerived(db: MeteredDb, table: string, service: string): Promise<void> {
  const { Items } = await db.client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'PK = :pk AND SK > :stacks',
      ExpressionAttributeValues: {
        ':pk': { S: `SERVICE#${ACCOUNT}#${REGION}#${service}` },
        ':stacks': { S: 'STACK$' },
      },
      ConsistentRead: true,
    }),
  );
  for (const item of Items ?? [])
    await db.client.send(
      new DeleteItemCommand({
        TableName: table,
        Key: { PK: item.PK as RawItem[string], SK: item.SK as RawItem[string] },
      }),
    );
}

async function getRaw(db: MeteredDb, table: string, service: string): Promise<RawItem> {
  const { Item } = await db.client.send(
    new GetItemCommand({ TableName: table, Key: stateKey(service), ConsistentRead: true }),
  );
  if (!Item) throw new Error(`bench: no state item for ${service} in ${table}`);
  return Item;
}

async function putAll(db: MeteredDb, table: string, items: readonly RawItem[], concurrency: number): Promise<void> {
  const batches: RawItem[][] = [];
  for (let index = 0; index < items.length; index += BATCH) batches.push(items.slice(index, index + BATCH));
  await pool(batches, concurrency, async (batch) => {
    let pending: RawItem[] = batch;
    while (pending.length > 0) {
      const answer = await db.client.send(
        new BatchWriteItemCommand({ RequestItems: { [table]: pending.map((Item) => ({ PutRequest: { Item } })) } }),
      );
      pending = (answer.UnprocessedItems?.[table] ?? []).flatMap((request) =>
        request.PutRequest?.Item ? [request.PutRequest.Item] : [],
      );
    }
  });
}

async function openCount(db: MeteredDb, table: string): Promise<number> {
  const { Count } = await db.client.send(
    new QueryCommand({
      TableName: table,
      IndexName: TO_SWEEP_INDEX,
      KeyConditionExpression: 'sweepPK = :open',
      ExpressionAttributeValues: { ':open': { S: SWEEP_PARTITION } },
      Select: 'COUNT',
    }),
  );
  return Count ?? 0;
}

export interface SweepRun {
  readonly closed: number;
  /** Median of the timed sweeps with the notifications due. */
  readonly medianMs: number;
  readonly samplesMs: readonly number[];
  /** Requests of one such sweep (every repeat sends the same). */
  readonly requests: number;
  readonly byCommand: Readonly<Record<string, number>>;
  /** The sweep's own reads: queries of the OpenServices index (its pages). */
  readonly indexQueries: number;
  /** Service state writes of the quiet sweep that stored nothing new (only version and time moved). */
  readonly quietRedundantWrites: number;
  readonly notificationsDue: number;
  readonly windowEventsDue: number;
  /** A sweep a minute later, with nothing new due. */
  readonly quietMedianMs: number;
  readonly quietRequests: number;
  readonly quietByCommand: Readonly<Record<string, number>>;
}

export interface SweepFigures {
  readonly open: number;
  readonly repeats: number;
  readonly empty: SweepRun;
  readonly crowded: SweepRun;
  readonly populateMs: number;
  readonly sweepRequests: number;
  readonly sweepScalingRatio: number;
}

const OPEN_NAMES = Array.from({ length: 10 }, (_, index) => `open-${index}-prod`);
const TEMPLATE = 'closed-template-prod';

/** One table's sweep under test: 10 operations open since T0, and what they were before a sweep. */
interface Subject {
  readonly table: string;
  readonly deps: RecordingDeps;
  openItems: RawItem[];
}

async function subject(db: MeteredDb, table: string, store: WatchdogStore): Promise<Subject> {
  const deps = recordingDeps(store, benchConfig([]), {
    factsOf: async () => ({ serviceTag: null, mutedByTag: false, rootStackId: null }),
  });
  for (const name of OPEN_NAMES) {
    await applyEvent(
      stackStatus(name, T0, 'UPDATE_IN_PROGRESS'),
      deps.with(() => T0 + 1000),
    );
    await applyEvent(
      resourceStatus(name, T0 + 2000, 'Service', 'UPDATE_IN_PROGRESS'),
      deps.with(() => T0 + 3000),
    );
  }
  return { table, deps, openItems: await Promise.all(OPEN_NAMES.map((name) => getRaw(db, table, name))) };
}

/**
 * Sweeps of two tables in the same dynalite, one with 10 open services alone and one with the
 * same 10 among `closed` closed ones, timed in alternation so that both see the same JIT and GC.
 */
export async function benchSweep({
  closed,
  repeats,
  concurrency,
}: {
  closed: number;
  repeats: number;
  concurrency: number;
}): Promise<SweepFigures> {
  const db = await meteredDb();
  try {
    const { meter } = db;
    const setup = emptyTally();
    meter.use(setup);
    const emptyTable = BENCH_TABLE;
    const crowdedTable = `${BENCH_TABLE}-crowded`;
    const subjects = [
      await subject(db, emptyTable, db.store),
      await subject(db, crowdedTable, await db.table(crowdedTable)),
    ] as const;

    // A closed service exactly as saveService writes it: one deployment that completed an hour ago.
    const crowdedDeps = subjects[1].deps;
    for (const [offset, status] of [
      [0, 'UPDATE_IN_PROGRESS'],
      [60, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'],
      [65, 'UPDATE_COMPLETE'],
    ] as const) {
      const at = T0 - 3_600_000 + offset * 1000;
      await applyEvent(
        stackStatus(TEMPLATE, at, status),
        crowdedDeps.with(() => at + 1000),
      );
    }
    // As a sweep leaves it once its windows were derived: out of the sweep index, nothing unwalked.
    const {
      sweepPK: _sweepPK,
      sweepSK: _sweepSK,
      unwalkedSince: _since,
      unwalkedOperationStart: _start,
      ...walked
    } = await getRaw(db, crowdedTable, TEMPLATE);
    const templateText = JSON.stringify(walked);
    await putAll(db, crowdedTable, [walked], 1);

    meter.sizing = false;
    const populate = await timed(async () => {
      const chunk = 5_000;
      for (let from = 0; from < closed; from += chunk) {
        const items = Array.from(
          { length: Math.min(chunk, closed - from) },
          (_, index) => JSON.parse(templateText.replaceAll(TEMPLATE, `closed-${from + index}-prod`)) as RawItem,
        );
        await putAll(db, crowdedTable, items, concurrency);
      }
    });
    meter.sizing = true;
    for (const { table } of subjects) {
      const open = await openCount(db, table);
      if (open !== OPEN_NAMES.length)
        throw new Error(`bench: ${open} items in ${table}'s ToSweep, expected ${OPEN_NAMES.length}`);
    }
    progress(`sweep: ${closed} closed services written in ${(populate.ms / 1000).toFixed(1)} s`);

    const runs = subjects.map(() => ({
      samples: [] as number[],
      tally: emptyTally(),
      quiet: [] as number[],
      quietTally: emptyTally(),
      notifications: 0,
      windowEvents: 0,
    }));
    // The first rounds warm the JIT up and are not kept.
    const warmUp = 3;
    for (let round = 0; round < warmUp + repeats; round++) {
      for (const [index, { table, deps, openItems }] of subjects.entries()) {
        const run = runs[index];
        if (!run) continue;
        meter.use(setup);
        await putAll(db, table, openItems, 1);
        for (const name of OPEN_NAMES) await forgetDerived(db, table, name);
        const sent = deps.notifier.sent.length;
        const published = deps.windowEvents.length;
        const tally = emptyTally();
        meter.use(tally);
        const { ms } = await timed(() => sweep(deps.with(() => SWEEP_AT)));
        const quietTally = emptyTally();
        meter.use(quietTally);
        const quiet = await timed(() => sweep(deps.with(() => SWEEP_AT + MINUTE_MS)));
        // One more quiet sweep, untimed, to tell which of its writes stored nothing new.
        const checked = emptyTally();
        meter.use(checked);
        meter.diagnose = true;
        await sweep(deps.with(() => SWEEP_AT + 2 * MINUTE_MS));
        meter.diagnose = false;
        quietTally.redundantStateWrites = checked.redundantStateWrites;
        if (round < warmUp) continue;
        run.samples.push(ms);
        run.quiet.push(quiet.ms);
        run.tally = tally;
        run.quietTally = quietTally;
        run.notifications = deps.notifier.sent.length - sent;
        run.windowEvents = deps.windowEvents.length - published;
      }
    }
    meter.use(setup);
    const [empty, crowded] = runs.map(
      (run, index): SweepRun => ({
        closed: index === 0 ? 0 : closed,
        medianMs: median(run.samples),
        samplesMs: run.samples,
        requests: run.tally.requests,
        byCommand: run.tally.byCommand,
        indexQueries: run.tally.queriesByIndex[TO_SWEEP_INDEX] ?? 0,
        quietRedundantWrites: run.quietTally.redundantStateWrites,
        notificationsDue: run.notifications,
        windowEventsDue: run.windowEvents,
        quietMedianMs: median(run.quiet),
        quietRequests: run.quietTally.requests,
        quietByCommand: run.quietTally.byCommand,
      }),
    ) as [SweepRun, SweepRun];
    return {
      open: OPEN_NAMES.length,
      repeats,
      empty,
      crowded,
      populateMs: populate.ms,
      sweepRequests: crowded.requests,
      sweepScalingRatio: crowded.medianMs / empty.medianMs,
    };
  } finally {
    await db.close();
  }
}
