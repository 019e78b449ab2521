/**
 * The stack-events core under load: a generated day delivered through `applyEvent` in virtual
 * time, the sweeper's `sweep` at every whole minute in between (as in production, where it runs
 * every minute), against dynalite in this process; and the floor to compare it with, plain
 * single-item UpdateItem calls on the same dynalite at the same concurrency, in slices after each
 * minute's events (a floor measured cold, before the day, flattered the ratio). DescribeStacks
 * is answered from the day's own events and counted.
 *
 * Within a minute, events go out to `concurrency` workers with each service's events in order on
 * one worker: a day compressed into seconds would otherwise make a service's events race for its
 * item far more than EventBridge's seconds-apart deliveries do (conflicts are still counted).
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { applyEvent } from '../shared/app/apply-event.ts';
import { sweep } from '../shared/app/sweep.ts';
import type { CloudFormationEvent } from '../shared/domain/events.ts';
import { serviceOf } from '../shared/domain/service.ts';
import { floorToMinute, MINUTE_MS, type Instant } from '../shared/domain/time.ts';
import { createSimulatedCloudFormation } from '../cli/simulated-cloudformation.ts';
import {
  BENCH_TABLE,
  benchConfig,
  containerDirectory,
  countedInspector,
  directoryOf,
  pool,
  progress,
  recordingDeps,
  timed,
  type DescribeStacksCount,
  type MeteredDb,
} from './harness.ts';
import { emptyTally, type Tally } from './metering.ts';
import type { OrgDay } from './org.ts';

export interface EventsFigures {
  readonly events: number;
  readonly stackEvents: number;
  readonly resourceEvents: number;
  readonly concurrency: number;
  readonly eventsMs: number;
  readonly eventsPerSecond: number;
  /** Requests and units of the events alone (the sweeps' are in `sweeps`). */
  readonly eventTally: Tally;
  readonly requestsPerEvent: number;
  /** Every resource event is one PutItem (checked); the rest of the requests are the stack events'. */
  readonly requestsPerStackEvent: number;
  readonly notifications: Readonly<Record<string, number>>;
  readonly windowEvents: number;
  readonly sweeps: { readonly count: number; readonly ms: number; readonly tally: Tally; readonly quietTally: Tally };
  /**
   * DescribeStacks calls: the events' (tags and nesting, once per stack and container) and the sweeps' (confirming
   * escalations).
   */
  readonly describeStacks: DescribeStacksCount;
  /** The floor, measured in slices between the minutes' events (not cold, before them). */
  readonly raw: RawFigures;
}

/** The service each stack's events go to: a nested stack's root's, by the rules or the root's name. */
function serviceIds(day: OrgDay): Map<string, string> {
  const ids = new Map<string, string>();
  for (const root of day.stacks) {
    const service = serviceOf(root.name, day.serviceRules);
    ids.set(root.arn, service);
    for (const nested of root.nested) ids.set(nested.arn, service);
  }
  return ids;
}

/** One minute's events, as per-service queues in delivery order. */
function queuesOf(batch: readonly CloudFormationEvent[], services: Map<string, string>): CloudFormationEvent[][] {
  const queues = new Map<string, CloudFormationEvent[]>();
  for (const event of batch) {
    const id = services.get(event.stackId) ?? event.stackName;
    const queue = queues.get(id);
    if (queue) queue.push(event);
    else queues.set(id, [event]);
  }
  return [...queues.values()];
}

/** Minutes simulated past the last event, so that grace periods run out and windows close. */
const TAIL_MINUTES = 70;

/**
 * Delivers `day` to the store of `db` minute by minute, sweeping at each whole minute, and
 * counts the events' and the sweeps' requests apart.
 */
export async function benchEvents(
  db: MeteredDb,
  day: OrgDay,
  { concurrency, rawWrites }: { concurrency: number; rawWrites: number },
): Promise<EventsFigures> {
  const { store, meter } = db;
  const describeStacks: DescribeStacksCount = { events: 0, sweeps: 0 };
  let sweepClock: Instant = 0;
  const cloudFormation = createSimulatedCloudFormation(day.events, () => sweepClock);
  const deps = recordingDeps(
    store,
    benchConfig(day.serviceRules),
    directoryOf(day.stacks),
    countedInspector(cloudFormation, describeStacks),
  );
  // One directory per worker: a Lambda container's cache of what DescribeStacks said.
  const directories = Array.from({ length: concurrency }, () =>
    containerDirectory(directoryOf(day.stacks), describeStacks),
  );
  const raw = await rawWriter(db, concurrency);
  let rawMs = 0;
  let rawDone = 0;
  const services = serviceIds(day);
  const events = day.events;
  const first = events[0];
  const last = events.at(-1);
  if (!first || !last) throw new Error('bench: the generated day has no events');

  let eventsMs = 0;
  let sweepMs = 0;
  let sweeps = 0;
  const eventTally = emptyTally();
  const sweepTally = emptyTally();
  let next = 0;
  const end = floorToMinute(last.time) + TAIL_MINUTES * MINUTE_MS;
  for (let minute = floorToMinute(first.time) + MINUTE_MS; minute <= end; minute += MINUTE_MS) {
    const batch: CloudFormationEvent[] = [];
    for (let event = events[next]; event && event.time < minute; event = events[++next]) batch.push(event);
    meter.use(eventTally);
    meter.diagnose = false;
    const delivered = await timed(() =>
      pool(queuesOf(batch, services), concurrency, async (queue, worker) => {
        // Each event is handled a second after it happened, as a Lambda would.
        let now: Instant = 0;
        const workerDeps = deps.with(() => now, directories[worker]);
        for (const event of queue) {
          now = event.time + 1000;
          await applyEvent(event, workerDeps);
        }
      }),
    );
    eventsMs += delivered.ms;
    // The floor's share of this minute, right after its events: both see the same table and heap.
    const rawDue = Math.round((next / events.length) * rawWrites) - rawDone;
    if (rawDue > 0) {
      meter.use(emptyTally());
      rawMs += await raw.write(rawDone, rawDue);
      rawDone += rawDue;
    }
    meter.use(sweepTally);
    // Sweeps are not the headline figure: they can afford the check for writes that store nothing new.
    meter.diagnose = true;
    sweepClock = minute;
    const swept = await timed(() => sweep(deps.with(() => minute)));
    sweepMs += swept.ms;
    sweeps++;
    if (sweeps % 240 === 0) progress(`events: ${next}/${events.length} delivered, ${sweeps} sweeps`);
  }
  // A sweep once the day is over: what each of the day's remaining minutes costs.
  const quietTally = emptyTally();
  meter.use(quietTally);
  sweepClock = end + MINUTE_MS;
  await sweep(deps.with(() => end + MINUTE_MS));

  const stackEvents = events.filter((event) => event.kind === 'stack-status').length;
  const resourceEvents = events.length - stackEvents;
  const notifications: Record<string, number> = {};
  for (const sent of deps.notifier.sent) notifications[sent.severity] = (notifications[sent.severity] ?? 0) + 1;
  return {
    events: events.length,
    stackEvents,
    resourceEvents,
    concurrency,
    eventsMs,
    eventsPerSecond: (events.length / eventsMs) * 1000,
    eventTally,
    requestsPerEvent: eventTally.requests / events.length,
    requestsPerStackEvent: (eventTally.requests - resourceEvents) / stackEvents,
    notifications,
    windowEvents: deps.windowEvents.length,
    sweeps: { count: sweeps, ms: sweepMs, tally: sweepTally, quietTally },
    describeStacks,
    raw: { writes: rawDone, concurrency, ms: rawMs, rawWritesPerSecond: rawMs > 0 ? (rawDone / rawMs) * 1000 : 0 },
  };
}

export interface RawFigures {
  readonly writes: number;
  readonly concurrency: number;
  readonly ms: number;
  readonly rawWritesPerSecond: number;
}

/**
 * The floor: plain single-item UpdateItem calls (a counter per item, over as many items as
 * there were services) through the same client to the same dynalite, at the same concurrency;
 * `write(from, count)` sends `count` of them and returns the milliseconds they took.
 */
async function rawWriter(
  db: MeteredDb,
  concurrency: number,
  items = 1000,
): Promise<{ write(from: number, count: number): Promise<number> }> {
  const { client } = db;
  const send = (index: number) =>
    client.send(
      new UpdateItemCommand({
        TableName: BENCH_TABLE,
        Key: { PK: { S: `RAW#${index % items}` }, SK: { S: 'STATE' } },
        UpdateExpression: 'ADD #count :one SET #at = :at',
        ExpressionAttributeNames: { '#count': 'count', '#at': 'updatedAt' },
        ExpressionAttributeValues: { ':one': { N: '1' }, ':at': { S: new Date(index * 1000).toISOString() } },
      }),
    );
  // Warm-up, as the events had the day's first minutes for it.
  await pool(
    Array.from({ length: 300 }, (_, index) => index),
    concurrency,
    async (index) => void (await send(index)),
  );
  return {
    async write(from, count) {
      const indexes = Array.from({ length: count }, (_, index) => from + index);
      return (await timed(() => pool(indexes, concurrency, async (index) => void (await send(index))))).ms;
    },
  };
}
