/**
 * The stack-events core under load: a generated day delivered through `applyEvent` in virtual
 * time, the sweeper's `sweep` at every whole minute in between (as in production, where it runs
 * every minute), against dynalite in this process; and the floor to compare it with, plain
 * single-item UpdateItem calls on the same dynalite at the same concurrency.
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
import { BENCH_TABLE, benchConfig, directoryOf, pool, progress, recordingDeps, timed, type MeteredDb } from './harness.ts';
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
export async function benchEvents(db: MeteredDb, day: OrgDay, { concurrency }: { concurrency: number }): Promise<EventsFigures> {
  const { store, meter } = db;
  const deps = recordingDeps(store, benchConfig(day.serviceRules), directoryOf(day.stacks));
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
      pool(queuesOf(batch, services), concurrency, async (queue) => {
        // Each event is handled a second after it happened, as a Lambda would.
        let now: Instant = 0;
        const workerDeps = deps.with(() => now);
        for (const event of queue) {
          now = event.time + 1000;
          await applyEvent(event, workerDeps);
        }
      }),
    );
    eventsMs += delivered.ms;
    meter.use(sweepTally);
    // Sweeps are not the headline figure: they can afford the check for writes that store nothing new.
    meter.diagnose = true;
    const swept = await timed(() => sweep(deps.with(() => minute)));
    sweepMs += swept.ms;
    sweeps++;
    if (sweeps % 240 === 0) progress(`events: ${next}/${events.length} delivered, ${sweeps} sweeps`);
  }
  // A sweep once the day is over: what each of the day's remaining minutes costs.
  const quietTally = emptyTally();
  meter.use(quietTally);
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
 * there were services) through the same client to the same dynalite, at the same concurrency.
 */
export async function benchRawWrites(db: MeteredDb, { writes, concurrency, items = 1000 }: { writes: number; concurrency: number; items?: number }): Promise<RawFigures> {
  const { client, meter } = db;
  const tally = emptyTally();
  meter.use(tally);
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
  await pool(Array.from({ length: 300 }, (_, index) => index), concurrency, async (index) => void (await send(index)));
  const indexes = Array.from({ length: writes }, (_, index) => index);
  const { ms } = await timed(() => pool(indexes, concurrency, async (index) => void (await send(index))));
  return { writes, concurrency, ms, rawWritesPerSecond: (writes / ms) * 1000 };
}
