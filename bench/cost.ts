/**
 * The monthly AWS bill of an organisation of 1,000 stacks with 20,000 CloudFormation events a
 * day, from what the events' run measured: its requests and their request units (sizes of the
 * items it actually wrote and read, GSI writes included), scaled to that volume. Prices are
 * us-east-1 on-demand, as written below; what was not measured is named as an assumption.
 */
import type { EventsFigures } from './events.ts';
import type { Tally } from './metering.ts';
import { median, round } from './harness.ts';

export const PRICES = {
  /** DynamoDB on-demand, per million write / read request units. */
  writeRequestUnitUsd: 0.625 / 1e6,
  readRequestUnitUsd: 0.125 / 1e6,
  /** DynamoDB Standard storage, per GB-month (item size plus 100 bytes of overhead per item and per index entry). */
  storageGbMonthUsd: 0.25,
  /** Lambda arm64, per GB-second and per million requests (beyond the free tier). */
  lambdaGbSecondUsd: 0.0000133334,
  lambdaRequestUsd: 0.2 / 1e6,
  /** EventBridge custom events (PutEvents), per million; AWS service events on the default bus are free. */
  customEventUsd: 1 / 1e6,
} as const;

export const VOLUME = {
  eventsPerDay: 20_000,
  days: 30,
  /** The sweeper runs every minute: 60 × 24 × 30. */
  sweepsPerMonth: 43_200,
  /** Raw events are kept 90 days (DynamoDB TTL `expiresAt`). */
  historyDays: 90,
} as const;

/**
 * Assumed, not measured here: how long an invocation takes in Lambda (DynamoDB's latency dominates);
 * and how long a sweep waits, on average, in a minute where a WARNING or CRITICAL falls due
 * (OnTimeEscalation: up to 50 s, the instant uniform in the minute), each page counted as a minute
 * of its own (an upper bound: pages of one minute share the wait).
 */
const ASSUMED = { eventInvocationMs: 60, sweepInvocationMs: 120, onTimeWaitMs: 25_000, lambdaMemoryGb: 0.5 } as const;
/** The worst the waits can cost: a sweep waiting its whole 50 s every minute of the month. */
const WORST_WAIT_MS = 50_000;

export interface MonthlyCost {
  /** The events of the day the figures come from (scaled to {@link VOLUME}.eventsPerDay). */
  readonly measuredEvents: number;
  readonly eventsPerMonth: number;
  readonly sweepsPerMonth: number;
  readonly perEvent: {
    readonly requests: number;
    readonly writeUnits: number;
    readonly readUnits: number;
    readonly gsiWriteUnits: number;
  };
  readonly writeUnits: {
    readonly events: number;
    readonly sweeps: number;
    readonly total: number;
    readonly gsiShare: number;
  };
  readonly readUnits: { readonly events: number; readonly sweeps: number; readonly total: number };
  readonly dynamoDbRequestsUsd: { readonly events: number; readonly sweeps: number; readonly total: number };
  /** What the same requests would cost if each were one unit (items ≤ 1 KB, no index writes). */
  readonly dynamoDbIfOneUnitPerRequestUsd: number;
  readonly medianStateItemBytes: number;
  readonly largestItemBytes: number;
  readonly storage: { readonly historyItems: number; readonly gb: number; readonly usd: number };
  readonly lambda: {
    readonly invocations: number;
    readonly gbSeconds: number;
    /** Of them, the sweeper's waits to page on time (OnTimeEscalation). */
    readonly onTimeWaitGbSeconds: number;
    readonly usdBeyondFreeTier: number;
    /** Were the sweeper to wait 50 s every minute: the bound of what OnTimeEscalation adds. */
    readonly worstCaseOnTimeWaitUsdBeyondFreeTier: number;
    readonly note: string;
  };
  readonly eventBridge: {
    readonly windowEventsPerMonth: number;
    readonly pageEventsPerMonth: number;
    readonly usd: number;
    readonly note: string;
  };
  readonly notificationsPerMonth: number;
  readonly totalUsd: number;
}

const usd = (writeUnits: number, readUnits: number): number =>
  writeUnits * PRICES.writeRequestUnitUsd + readUnits * PRICES.readRequestUnitUsd;

/**
 * Scales the measured day to the stated volume: events by their count; sweeps as measured for
 * the minutes the run swept (scaled like the events, since what they find open follows the
 * deployments), plus a quiet sweep for every other minute of the month.
 */
export function monthlyCost(figures: EventsFigures): MonthlyCost {
  const scale = VOLUME.eventsPerDay / figures.events;
  const eventsPerMonth = VOLUME.eventsPerDay * VOLUME.days;
  const events: Tally = figures.eventTally;
  const { tally: sweeps, quietTally: quiet, count: sweepsPerDay } = figures.sweeps;
  const quietSweepsPerMonth = VOLUME.sweepsPerMonth - sweepsPerDay * VOLUME.days;

  const eventWrites = events.writeUnits * scale * VOLUME.days;
  const eventReads = events.readUnits * scale * VOLUME.days;
  const sweepWrites = sweeps.writeUnits * scale * VOLUME.days + quiet.writeUnits * quietSweepsPerMonth;
  const sweepReads = sweeps.readUnits * scale * VOLUME.days + quiet.readUnits * quietSweepsPerMonth;
  const sweepRequests = sweeps.requests * scale * VOLUME.days + quiet.requests * quietSweepsPerMonth;

  const historyItems = VOLUME.eventsPerDay * VOLUME.historyDays;
  const historyBytes =
    events.historyItemBytes.length > 0
      ? events.historyItemBytes.reduce((sum, bytes) => sum + bytes, 0) / events.historyItemBytes.length
      : 0;
  // Each raw event is an item and an entry of the keys-only ByName index (its four keys), each with 100 bytes of
  // overhead.
  const gb = (historyItems * (historyBytes + 100 + 250)) / 1e9;

  const invocations = eventsPerMonth + VOLUME.sweepsPerMonth;
  const escalationsPerMonth =
    ((figures.notifications.WARNING ?? 0) + (figures.notifications.CRITICAL ?? 0)) * scale * VOLUME.days;
  const onTimeWaitGbSeconds = ((escalationsPerMonth * ASSUMED.onTimeWaitMs) / 1000) * ASSUMED.lambdaMemoryGb;
  const gbSeconds =
    ((eventsPerMonth * ASSUMED.eventInvocationMs + VOLUME.sweepsPerMonth * ASSUMED.sweepInvocationMs) / 1000) *
      ASSUMED.lambdaMemoryGb +
    onTimeWaitGbSeconds;
  const worstWaitGbSeconds = ((VOLUME.sweepsPerMonth * WORST_WAIT_MS) / 1000) * ASSUMED.lambdaMemoryGb;
  const windowEventsPerMonth = figures.windowEvents * scale * VOLUME.days;
  const notificationsPerMonth =
    Object.values(figures.notifications).reduce((sum, count) => sum + count, 0) * scale * VOLUME.days;

  const dynamo = { events: usd(eventWrites, eventReads), sweeps: usd(sweepWrites, sweepReads) };
  const writesByRequest =
    (events.byCommand.PutItemCommand ?? 0) * scale * VOLUME.days +
    (sweeps.byCommand.PutItemCommand ?? 0) * scale * VOLUME.days;
  const readsByRequest = events.requests * scale * VOLUME.days + sweepRequests - writesByRequest;
  const storageUsd = gb * PRICES.storageGbMonthUsd;
  // Each page goes to the watchdog's bus too (Deployment Escalated/Resolved).
  const eventBridgeUsd = (windowEventsPerMonth + notificationsPerMonth) * PRICES.customEventUsd;
  return {
    measuredEvents: figures.events,
    eventsPerMonth,
    sweepsPerMonth: VOLUME.sweepsPerMonth,
    perEvent: {
      requests: round(events.requests / figures.events, 3),
      writeUnits: round(events.writeUnits / figures.events, 3),
      readUnits: round(events.readUnits / figures.events, 3),
      gsiWriteUnits: round(events.gsiWriteUnits / figures.events, 3),
    },
    writeUnits: {
      events: Math.round(eventWrites),
      sweeps: Math.round(sweepWrites),
      total: Math.round(eventWrites + sweepWrites),
      gsiShare: round((events.gsiWriteUnits + sweeps.gsiWriteUnits) / (events.writeUnits + sweeps.writeUnits), 3),
    },
    readUnits: {
      events: Math.round(eventReads),
      sweeps: Math.round(sweepReads),
      total: Math.round(eventReads + sweepReads),
    },
    dynamoDbRequestsUsd: {
      events: round(dynamo.events, 2),
      sweeps: round(dynamo.sweeps, 2),
      total: round(dynamo.events + dynamo.sweeps, 2),
    },
    dynamoDbIfOneUnitPerRequestUsd: round(usd(writesByRequest, readsByRequest), 2),
    medianStateItemBytes: Math.round(median(events.stateItemBytes)),
    largestItemBytes: Math.max(events.largestItem, sweeps.largestItem),
    storage: { historyItems, gb: round(gb, 3), usd: round(storageUsd, 2) },
    lambda: {
      invocations,
      gbSeconds: Math.round(gbSeconds),
      onTimeWaitGbSeconds: Math.round(onTimeWaitGbSeconds),
      usdBeyondFreeTier: round(gbSeconds * PRICES.lambdaGbSecondUsd + invocations * PRICES.lambdaRequestUsd, 2),
      worstCaseOnTimeWaitUsdBeyondFreeTier: round(worstWaitGbSeconds * PRICES.lambdaGbSecondUsd, 2),
      note:
        `assumed ${ASSUMED.eventInvocationMs} ms per event and ${ASSUMED.sweepInvocationMs} ms per sweep at ` +
        `${ASSUMED.lambdaMemoryGb * 1024} MB, and a ${ASSUMED.onTimeWaitMs / 1000} s wait per WARNING/CRITICAL ` +
        '(OnTimeEscalation); the always-free tier (1M requests, 400,000 GB-s a month) covers it',
    },
    eventBridge: {
      windowEventsPerMonth: Math.round(windowEventsPerMonth),
      pageEventsPerMonth: Math.round(notificationsPerMonth),
      usd: round(eventBridgeUsd, 4),
      note:
        'CloudFormation status changes on the default bus, and rules on them, are free; the Impact Window events ' +
        'and the pages as events (Deployment Escalated/Resolved) the watchdog puts are custom events',
    },
    notificationsPerMonth: Math.round(notificationsPerMonth),
    totalUsd: round(dynamo.events + dynamo.sweeps + storageUsd + eventBridgeUsd, 2),
  };
}
