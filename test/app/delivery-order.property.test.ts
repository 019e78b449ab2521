/**
 * DESIGN.md's central promise, through the real use cases, the real store and the replay's
 * virtual clock (Alertmanager-style acceptance: simulated time, exact expectations): the same
 * events delivered in order, or late, shuffled and duplicated, record the same operations and
 * windows; and whatever the order, never two notifications of one severity for an operation,
 * never a lower level after a higher one, never a WARNING or CRITICAL after its operation's
 * completion was delivered; and the window events tell each window's story once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replay, type ReplayResult } from '../../cli/replay.ts';
import type { Delivery } from '../../cli/replay-input.ts';
import { silentLog } from '../../shared/app/log.ts';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import { parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import { parseStackArn } from '../../shared/domain/events.ts';
import type { StatusRecord } from '../../shared/domain/operations.ts';
import type { Notification } from '../../shared/domain/notification.ts';
import { isTerminal } from '../../shared/domain/status.ts';
import { thresholdFor } from '../../shared/domain/thresholds.ts';
import { formatInstant } from '../../shared/domain/time.ts';
import { eventOfRecord, MIN, historyArb, SERVICE_RULES } from '../support/histories.ts';

const config: WatchdogConfig = { ...DEFAULT_CONFIG, serviceRules: SERVICE_RULES };
const RANK = { INFO: 0, WARNING: 1, CRITICAL: 2, FAILED: 3, RESOLVED: 0 } as const;

function delivery(record: StatusRecord, index: number, delayMs: number): Delivery {
  const event = parseCloudFormationEvent(eventOfRecord(record, `event-${index}`));
  return { index, deliverAt: record.time + delayMs, event };
}

/** The parent's `AWS::CloudFormation::Stack` resource event that makes `child` its nested stack. */
function nesting(parent: StatusRecord, child: StatusRecord, index: number, delayMs: number): Delivery {
  const stack = parseStackArn(parent.stackId);
  const event = parseCloudFormationEvent({
    version: '0',
    id: `nesting-${index}`,
    'detail-type': 'CloudFormation Resource Status Change',
    source: 'aws.cloudformation',
    account: stack?.account,
    time: formatInstant(child.time),
    region: stack?.region,
    resources: [parent.stackId],
    detail: {
      'stack-id': parent.stackId,
      'logical-resource-id': 'Nested',
      'physical-resource-id': child.stackId,
      'resource-type': 'AWS::CloudFormation::Stack',
      'status-details': { status: 'CREATE_IN_PROGRESS', 'status-reason': 'Resource creation Initiated' },
    },
  });
  return { index, deliverAt: child.time + delayMs, event };
}

/** Up to one nesting among the history's stacks (same account and region, as CloudFormation nests). */
function nestedPair(
  records: readonly StatusRecord[],
  pick: readonly [number, number] | null,
): [StatusRecord, StatusRecord] | null {
  const firsts = [...new Map(records.map((record) => [record.stackId, record])).values()].sort(
    (a, b) => a.time - b.time,
  );
  if (!pick || firsts.length < 2) return null;
  const parent = firsts[pick[0] % firsts.length] as StatusRecord;
  const child = firsts.find(
    (record, index) =>
      index >= pick[1] % firsts.length && record.stackId !== parent.stackId && sameHome(record, parent),
  );
  return child ? [parent, child] : null;
}

const sameHome = (a: StatusRecord, b: StatusRecord): boolean =>
  parseStackArn(a.stackId)?.account === parseStackArn(b.stackId)?.account &&
  parseStackArn(a.stackId)?.region === parseStackArn(b.stackId)?.region;

/**
 * A history (its first 30 events: a prefix of a history is a history, and the replays sweep
 * every virtual minute), and the same events delivered up to 30 minutes late, shuffled, some
 * twice; sometimes an operation's terminal event delivered after the next operation's terminal
 * of its stack (the first terminal seen is then taken for its end); and, for the replays with a
 * simulated CloudFormation, a few events lost (emitted, never delivered).
 */
const scenario = historyArb
  .map((records) => records.slice(0, 30))
  .chain((records) =>
    fc.record({
      records: fc.constant(records),
      delays: fc.array(fc.integer({ min: 0, max: 30 * MIN }), { minLength: records.length, maxLength: records.length }),
      again: fc.array(fc.tuple(fc.nat({ max: records.length - 1 }), fc.integer({ min: 0, max: 30 * MIN })), {
        maxLength: 6,
      }),
      // A nested stack, sometimes (its nesting is read from the whole input, as DescribeStacks
      // would tell it from the nested stack's creation on).
      nest: fc.option(fc.tuple(fc.nat(), fc.nat()), { nil: null }),
      overtaken: fc.option(fc.nat({ max: records.length - 1 }), { nil: null }),
      lost: fc.uniqueArray(fc.nat({ max: records.length - 1 }), { maxLength: 3 }),
    }),
  );

/**
 * The delays with one terminal event (the first at or after `pick`) held back until a second
 * after the next terminal event of its stack is delivered.
 */
function withTerminalOvertaken(
  records: readonly StatusRecord[],
  delays: readonly number[],
  pick: number | null,
): number[] {
  const held = [...delays];
  if (pick === null) return held;
  const first = records.findIndex((record, index) => index >= pick && isTerminal(record.status));
  const next = records.findIndex(
    (record, index) => index > first && record.stackId === records[first]?.stackId && isTerminal(record.status),
  );
  const [early, late] = [records[first], records[next]];
  if (first < 0 || next < 0 || !early || !late) return held;
  held[first] = Math.max(held[first] ?? 0, late.time + (held[next] ?? 0) + 1000 - early.time);
  return held;
}

type Scenario = typeof scenario extends fc.Arbitrary<infer Drawn> ? Drawn : never;

/**
 * The history delivered in order, and late, shuffled and duplicated (a terminal overtaken, if
 * drawn), each with its nesting if one was drawn; and when the replays stop.
 */
function deliveriesOf({ records, delays, again, nest, overtaken }: Scenario) {
  const held = withTerminalOvertaken(records, delays, overtaken);
  const pair = nestedPair(records, nest);
  const nestIndex = records.length + again.length;
  const nestings = pair ? [nesting(pair[0], pair[1], nestIndex, 0)] : [];
  return {
    until: settledUntil(records, held),
    pair,
    inOrder: [...records.map((record, index) => delivery(record, index, 0)), ...nestings],
    disordered: [
      ...records.map((record, index) => delivery(record, index, held[index] ?? 0)),
      ...again.map(([which, delay], copy) => delivery(records[which] as StatusRecord, records.length + copy, delay)),
      ...nestings,
    ],
  };
}

/** Past the latest delivery and a whole grace, so that every replay of the history settles. */
function settledUntil(records: readonly StatusRecord[], held: readonly number[]): number {
  const latest = Math.max(...records.map((record, index) => record.time + (held[index] ?? 0)));
  return latest + 30 * MIN + config.graceMs + 10 * MIN;
}

const recorded = (result: ReplayResult) => {
  const { operations, windows } = JSON.parse(
    JSON.stringify({ operations: result.operations, windows: result.windows }),
  ) as Record<string, unknown>;
  return { operations, windows };
};

/**
 * The recovery hand-off, whatever the order: per window id, revisions 0, 1, 2… starting with an
 * Opened, never two Opened in a row; and once everything settled, what downstream believes
 * matches the windows recorded: per service, as many ids left open as windows still open, and
 * for each closed window exactly one id whose last event closed it with its very bounds.
 */
function expectWindowEventsConsistent(result: ReplayResult): void {
  const said = result.windowEvents.map(({ event }) => event);
  const byId = new Map<string, typeof said>();
  for (const event of said) byId.set(event.detail.windowId, [...(byId.get(event.detail.windowId) ?? []), event]);
  const lasts = [...byId.entries()].map(([id, events]) => {
    const told = events.map(({ detailType, detail }) => [detailType, detail.start, detail.end, detail.withdrawn]);
    const story = `${id}: ${JSON.stringify(told)}`;
    expect(
      events.map((event) => event.detail.revision),
      story,
    ).toEqual(events.map((_, index) => index));
    expect(events[0]?.detailType, story).toBe('Impact Window Opened');
    events.slice(1).forEach((event, index) => {
      expect(
        event.detailType === 'Impact Window Opened' && events[index]?.detailType === 'Impact Window Opened',
        story,
      ).toBe(false);
    });
    return events.at(-1) as (typeof said)[number];
  });
  const serviceOf = (key: { account: string; region: string; service: string }) =>
    `${key.account}#${key.region}#${key.service}`;
  const services = new Set([
    ...result.windows.map((window) => serviceOf(window.key)),
    ...lasts.map((last) => serviceOf(last.detail)),
  ]);
  for (const service of services) {
    const windows = result.windows.filter((window) => serviceOf(window.key) === service);
    const mine = lasts.filter((last) => serviceOf(last.detail) === service);
    const spans = windows.map((w) => [formatInstant(w.start), w.end === null ? null : formatInstant(w.end)]);
    const lastSaid = mine.map((last) => [last.detail.windowId, last.detailType, last.detail.end]);
    const context = `${service}: windows ${JSON.stringify(spans)}, last said ${JSON.stringify(lastSaid)}`;
    expect(mine.filter((last) => last.detailType === 'Impact Window Opened').length, context).toBe(
      windows.filter((window) => window.end === null).length,
    );
    for (const window of windows) {
      if (window.end === null) continue;
      const closing = mine.filter(
        (last) =>
          last.detailType === 'Impact Window Closed' &&
          !last.detail.withdrawn &&
          last.detail.start === formatInstant(window.start) &&
          last.detail.end === formatInstant(window.end as number),
      );
      expect(closing.length, context).toBe(1);
    }
  }
}

const terminal = (n: Notification): boolean => n.severity === 'FAILED' || n.severity === 'RESOLVED';

/**
 * Never two notifications of one severity for an operation, nor two of FAILED and RESOLVED (a
 * terminal learnt late sends nothing more), never a lower level after a higher one, never a
 * WARNING or CRITICAL after its operation's completion was delivered. DESIGN.md identifies an
 * operation by stack and start: an escalation is the operation's of its type whose span holds the
 * start it named; a FAILED or RESOLVED is that of the operation ending with the terminal event it
 * reported, if that one started no later than it named, else found by its start as well.
 */
function expectNotifiedOncePerOperation(result: ReplayResult, deliveries: readonly Delivery[]): void {
  const completionDelivered = new Map<string, number>();
  for (const item of deliveries) {
    const { event } = item;
    if (event.kind !== 'stack-status' || !isTerminal(event.status)) continue;
    const key = `${event.stackId}|${event.time}|${event.status}`;
    completionDelivered.set(key, Math.min(completionDelivered.get(key) ?? Infinity, item.deliverAt));
  }
  const operations = result.operations.map(({ operation }) => operation);
  const spanHolds = (n: Notification) => (operation: (typeof operations)[number]) => {
    const next = operations.find((other) => other.stackId === operation.stackId && other.start > operation.start);
    return (
      operation.stackId === n.stackId &&
      operation.type === n.operation &&
      n.startedAt >= operation.start &&
      (!next || n.startedAt < next.start)
    );
  };
  const ownerOf = (n: Notification) =>
    (terminal(n)
      ? operations.find(
          (operation) =>
            operation.stackId === n.stackId &&
            operation.state === 'ended' &&
            operation.end === n.statusAt &&
            operation.finalStatus === n.status &&
            operation.type === n.operation &&
            operation.start <= n.startedAt,
        )
      : undefined) ?? operations.find(spanHolds(n));
  for (const n of result.notifications.filter((item) => item.severity === 'WARNING' || item.severity === 'CRITICAL')) {
    const stack = operations.filter(
      (operation) =>
        operation.stackId === n.stackId && operation.type === n.operation && operation.start <= n.startedAt,
    );
    expect(stack.length, `${n.severity} of ${n.stackName} started ${formatInstant(n.startedAt)}`).toBeGreaterThan(0);
  }
  for (const operation of operations) {
    const mine = result.notifications.filter((n) => ownerOf(n) === operation);
    const story = JSON.stringify(
      mine.map((n) => [n.severity, formatInstant(n.at), formatInstant(n.startedAt), n.status]),
    );
    const severities = mine.map((n) => n.severity);
    expect(new Set(severities).size, story).toBe(severities.length);
    expect(mine.filter(terminal).length, story).toBeLessThanOrEqual(1);
    const escalations = mine.filter((n) => n.severity === 'WARNING' || n.severity === 'CRITICAL');
    escalations.forEach((n, i) => {
      expect(RANK[n.severity]).toBeGreaterThanOrEqual(RANK[escalations[i - 1]?.severity ?? 'WARNING']);
    });
    // An operation that began and ended in one second is an exception: DESIGN.md takes a terminal
    // status of that second first when an operation of its type ran before it, so until an earlier
    // terminal arrives late, the pair reads as a failure and a retry still running (rightly paged).
    if (operation.state === 'ended' && operation.end !== operation.start) {
      const delivered =
        completionDelivered.get(`${operation.stackId}|${operation.end}|${operation.finalStatus}`) ?? Infinity;
      for (const n of escalations)
        expect(n.at, `${n.severity} after the completion was delivered`).toBeLessThan(delivered);
    }
  }
}

/**
 * Every page also went to the bus as its event, once, in the same order (the replay's bus never
 * refuses); and on the bus alone only the RESOLVED that closes an incident the bus was told of,
 * its page suppressed because its operation turned quiet since (a late root event covering it).
 */
function expectEachPageOnTheBus(result: ReplayResult): void {
  const said = result.escalationEvents.map(({ at, event: { detail } }) => ({
    dedupKey: detail.dedupKey,
    told: [detail.stackId, detail.startedAt, detail.severity, detail.reminder, formatInstant(at)],
  }));
  const paged = result.notifications.map((n) => [
    n.stackId,
    formatInstant(n.startedAt),
    n.severity,
    n.reminder,
    formatInstant(n.at),
  ]);
  const pagedText = new Set(paged.map((told) => JSON.stringify(told)));
  const busOnly = said.filter(({ told }) => !pagedText.has(JSON.stringify(told)));
  for (const closing of busOnly) {
    expect(closing.told[2], JSON.stringify(closing.told)).toBe('RESOLVED');
    const opened = said
      .slice(0, said.indexOf(closing))
      .some(({ dedupKey, told }) => dedupKey === closing.dedupKey && (told[2] === 'WARNING' || told[2] === 'CRITICAL'));
    expect(opened, `${JSON.stringify(closing.told)} closes an incident the bus was told of`).toBe(true);
  }
  expect(said.filter((event) => !busOnly.includes(event)).map(({ told }) => told)).toEqual(paged);
}

/** No window ends before it starts, and a service's windows never overlap. */
function expectWellFormedWindows(result: ReplayResult): void {
  const byService = new Map<string, ReplayResult['windows'][number][]>();
  for (const window of result.windows) {
    const id = `${window.key.account}#${window.key.region}#${window.key.service}`;
    byService.set(id, [...(byService.get(id) ?? []), window]);
  }
  for (const windows of byService.values()) {
    windows.forEach((window, index) => {
      if (window.end !== null) expect(window.end).toBeGreaterThanOrEqual(window.start);
      const next = windows[index + 1];
      if (next) expect(window.end !== null && window.end < next.start, JSON.stringify(windows)).toBe(true);
    });
  }
}

/** Long mode: `DELIVERY_ORDER_RUNS=200 npx vitest run test/app/delivery-order.property.test.ts` (see the README). */
const RUNS = Number(process.env.DELIVERY_ORDER_RUNS ?? 10);

describe('replaying late, shuffled and duplicated deliveries', () => {
  it('records what in-order delivery records, and notifies each operation at most once per severity, never ' +
    'downwards, never after its completion arrived', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (drawn) => {
        // Prepare
        const { until, inOrder, disordered } = deliveriesOf(drawn);

        // Act
        const expected = await replay(inOrder, [], { config, until, log: silentLog });
        const actual = await replay(disordered, [], { config, until, log: silentLog });

        // Assess
        expect(recorded(actual)).toEqual(recorded(expected));
        expectWindowEventsConsistent(expected);
        expectWindowEventsConsistent(actual);
        expectWellFormedWindows(actual);
        expectNotifiedOncePerOperation(actual, disordered);
        expectEachPageOnTheBus(actual);
      }),
      // Each run replays hours of virtual time twice, sweeping every minute: few runs, each a whole
      // history; and no shrinking, which replays so often that it outlasts the timeout.
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 3_600_000);

  it('with events lost and CloudFormation asked (simulated): nothing twice, nothing paged that CloudFormation says ' +
    'is over, windows that end', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ records, delays, again, overtaken, lost }) => {
        // Prepare
        const held = withTerminalOvertaken(records, delays, overtaken);
        const until = settledUntil(records, held);
        const isLost = (index: number): boolean => lost.includes(index);
        const deliveries = [
          ...records.flatMap((record, index) => (isLost(index) ? [] : [delivery(record, index, held[index] ?? 0)])),
          ...again.flatMap(([which, delay], copy) =>
            isLost(which) ? [] : [delivery(records[which] as StatusRecord, records.length + copy, delay)],
          ),
        ];
        const lostEvents = lost.map((index) => ({
          index,
          event: delivery(records[index] as StatusRecord, index, 0).event,
        }));

        // Act
        const result = await replay(deliveries, [], {
          config,
          until,
          log: silentLog,
          simulateCloudFormation: true,
          lost: lostEvents,
        });

        // Assess
        expectWindowEventsConsistent(result);
        expectWellFormedWindows(result);
        expectNotifiedOncePerOperation(result, deliveries);
        expectEachPageOnTheBus(result);
        // A lost completion must not page anyone: at every WARNING and CRITICAL, the stack's
        // latest status in the whole input (lost events included) was an in-progress one.
        for (const n of result.notifications.filter(
          (item) => item.severity === 'WARNING' || item.severity === 'CRITICAL',
        )) {
          const before = records.filter((record) => record.stackId === n.stackId && record.time <= n.at);
          const lastTime = Math.max(...before.map((record) => record.time));
          const statuses = before.filter((record) => record.time === lastTime).map((record) => record.status);
          expect(
            statuses.some((status) => !isTerminal(status)),
            `${n.severity} of ${n.stackName} at ${formatInstant(n.at)}: CloudFormation said ${statuses.join(', ')}`,
          ).toBe(true);
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 3_600_000);

  it('escalating on time (--on-time): what the minute clock records, every page of it too, each at most 10 s ' +
    'after its threshold when delivered in order; late, shuffled and duplicated, nothing twice', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (drawn) => {
        // Prepare
        const { until, pair, inOrder, disordered } = deliveriesOf(drawn);

        // Act
        const onMinutes = await replay(inOrder, [], { config, until, log: silentLog });
        const onTime = await replay(inOrder, [], { config, until, log: silentLog, onTime: true });
        const lateOnTime = await replay(disordered, [], { config, until, log: silentLog, onTime: true });

        // Assess
        expect(recorded(onTime)).toEqual(recorded(onMinutes));
        expect(recorded(lateOnTime)).toEqual(recorded(onMinutes));
        const escalations = (result: ReplayResult) =>
          result.notifications.filter((n) => n.severity === 'WARNING' || n.severity === 'CRITICAL');
        const named = (n: Notification): string => `${n.stackId}|${n.startedAt}|${n.severity}`;
        const onTimeNamed = new Set(escalations(onTime).map(named));
        for (const n of escalations(onMinutes)) expect(onTimeNamed, named(n)).toContain(named(n));
        // A nested stack's escalation comes due when its root's operation stops telling it, an event
        // the sweep after it finds: only the others fall due at their thresholds.
        for (const n of escalations(onTime).filter((item) => item.stackId !== pair?.[1].stackId)) {
          const { warnMs, criticalMs } = thresholdFor(config.thresholds, n.operation);
          const lateMs = n.elapsedMs - (n.severity === 'WARNING' ? warnMs : criticalMs);
          expect(lateMs, `${n.severity} of ${n.stackName} at ${formatInstant(n.at)}`).toBeGreaterThanOrEqual(0);
          expect(lateMs, `${n.severity} of ${n.stackName} at ${formatInstant(n.at)}`).toBeLessThanOrEqual(10_000);
        }
        for (const result of [onTime, lateOnTime]) {
          expectWindowEventsConsistent(result);
          expectEachPageOnTheBus(result);
        }
        expectNotifiedOncePerOperation(onTime, inOrder);
        expectNotifiedOncePerOperation(lateOnTime, disordered);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 3_600_000);
});
