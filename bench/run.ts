/**
 * `npm run bench`: the watchdog's performance figures, each measured in this one run, printed as
 * a table for people; `npm run bench -- --json` prints one JSON object on stdout instead (progress
 * goes to stderr either way). See bench/README.md for what each figure means.
 *
 * Options: --json, --quick (small sizes, for a smoke run), --concurrency N (default 4),
 * --skip a,b (phases: events, sweep, escalations, burst, items, replay, delay, bundles).
 */
import { availableParallelism, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { ALERT_DELAY_TARGET_SECONDS, benchAlertDelay, type AlertDelayFigures } from './alert-delay.ts';
import { benchBundles, type BundleFigures } from './bundles.ts';
import { monthlyCost, type MonthlyCost } from './cost.ts';
import { benchBurst, type BurstFigures } from './burst.ts';
import { benchEvents, type EventsFigures, type RawFigures } from './events.ts';
import { benchItemBounds, type ItemBounds } from './items.ts';
import { benchSweepEscalations, type SweepEscalationFigures } from './sweep-escalations.ts';
import { MAX_ITEM_BYTES } from '../shared/adapters/store-items.ts';
import { meteredDb, median, progress, round } from './harness.ts';
import { generateOrgDay } from './org.ts';
import { benchReplay, type ReplayFigures } from './replay.ts';
import { benchSweep, type SweepFigures } from './sweep.ts';

const PHASES = ['events', 'sweep', 'escalations', 'burst', 'items', 'replay', 'delay', 'bundles'] as const;
type Phase = (typeof PHASES)[number];

interface Sizes {
  readonly stacks: number;
  readonly events: number;
  readonly rawWrites: number;
  readonly closed: number;
  readonly sweepRepeats: number;
  readonly importRuns: number;
  /** The replayed day's events (and a tenth of it, alternately), and how many times each. */
  readonly replayEvents: number;
  readonly replayRuns: number;
  /** Alternate replays of the alert-delay day, each way. */
  readonly delayRuns: number;
}

const FULL: Sizes = {
  stacks: 1000,
  events: 20_000,
  rawWrites: 6_000,
  closed: 100_000,
  sweepRepeats: 9,
  importRuns: 15,
  replayEvents: 100_000,
  replayRuns: 2,
  delayRuns: 3,
};
const QUICK: Sizes = {
  stacks: 200,
  events: 2_000,
  rawWrites: 1_000,
  closed: 5_000,
  sweepRepeats: 3,
  importRuns: 5,
  replayEvents: 20_000,
  replayRuns: 1,
  delayRuns: 1,
};

/** Replay's targets (issue 14), for a 100,000-event day. */
const REPLAY_MIN_EVENTS_PER_SECOND = 2000;
const REPLAY_MAX_RSS_MB = 1024;

/** Issue 16's targets: 350 KB, in bytes (decimal kilobytes: the stricter reading), and the cold import. */
const BUNDLE_LIMIT_BYTES = 350_000;
const COLD_IMPORT_MAX_RATIO = 2.5;

interface Target {
  readonly figure: string;
  readonly value: number | string;
  readonly target: string;
  readonly holds: boolean;
}

function machine(): { nproc: number; cpu: string; node: string; memoryGb: number } {
  let cpu = 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // Not Linux: the model stays unknown.
  }
  return { nproc: availableParallelism(), cpu, node: process.version, memoryGb: Math.round(totalmem() / 2 ** 30) };
}

interface Phases {
  readonly events?: EventsFigures | undefined;
  readonly sweep?: SweepFigures | undefined;
  readonly escalations?: SweepEscalationFigures | undefined;
  readonly burst?: BurstFigures | undefined;
  readonly items?: ItemBounds | undefined;
  readonly replay?: ReplayFigures | undefined;
  readonly delay?: AlertDelayFigures | undefined;
  readonly bundles?: BundleFigures | undefined;
}

/** Requests per event, DescribeStacks (tags and nesting, once per stack and container) included. */
const requestsPerEventOf = (events: EventsFigures): number =>
  (events.eventTally.requests + events.describeStacks.events) / events.events;

function targets({ events, sweep, escalations, burst, items, replay, delay, bundles }: Phases): Target[] {
  const list: Target[] = [];
  if (events) {
    const ratio = events.eventsPerSecond / events.raw.rawWritesPerSecond;
    list.push({ figure: 'handlerVsRawRatio', value: round(ratio, 3), target: '≥ 0.33', holds: ratio >= 0.33 });
    const requests = requestsPerEventOf(events);
    list.push({
      figure: 'requestsPerEvent',
      value: round(requests, 3),
      target: '≤ 3 (DescribeStacks included)',
      holds: requests <= 3,
    });
  }
  if (escalations) {
    list.push({
      figure: 'sweepEscalationSeconds2000',
      value: round(escalations.sweepEscalationSeconds2000, 1),
      target: `≤ ${escalations.targetSeconds} s`,
      holds:
        escalations.sweepEscalationSeconds2000 <= escalations.targetSeconds &&
        escalations.distinctPages === escalations.stacks,
    });
  }
  if (burst) {
    list.push({
      figure: 'burstDeadLetters',
      value: burst.burstDeadLetters,
      target: '0',
      holds: burst.burstDeadLetters === 0,
    });
    list.push({
      figure: 'burstWriteUnitsPerEvent',
      value: burst.burstWriteUnitsPerEvent,
      target: '≤ 5',
      holds: burst.burstWriteUnitsPerEvent <= 5,
    });
  }
  if (items)
    list.push({
      figure: 'maxItemBytes',
      value: items.maxItemBytes,
      target: `≤ ${MAX_ITEM_BYTES}`,
      holds: items.maxItemBytes <= MAX_ITEM_BYTES,
    });
  if (sweep) {
    const due = sweep.crowded.requests - sweep.crowded.indexQueries;
    list.push({
      figure: 'sweepRequests',
      value:
        `${sweep.crowded.requests} (${sweep.crowded.indexQueries} index query + ${due} for ` +
        `${sweep.crowded.notificationsDue} notifications and ${sweep.crowded.windowEventsDue} window events due)`,
      target: '≤ 3 + requests of the due notifications',
      holds: sweep.crowded.indexQueries <= 3,
    });
    // Per service listed: its stacks, and its window entries from the open window on.
    const quietWrites = sweep.crowded.quietByCommand.PutItemCommand ?? 0;
    list.push({
      figure: 'quietSweepRequests',
      value: `${sweep.crowded.quietRequests} (nothing due, ${sweep.open} services listed; ${quietWrites} writes)`,
      target: '≤ 1 + 2 per service listed, nothing written',
      holds: sweep.crowded.quietRequests <= 1 + 2 * sweep.open && quietWrites === 0,
    });
    list.push({
      figure: 'sweepScalingRatio',
      value: round(sweep.sweepScalingRatio, 3),
      target: '≤ 1.5',
      holds: sweep.sweepScalingRatio <= 1.5,
    });
  }
  if (bundles) {
    for (const [name, bytes] of Object.entries(bundles.bundleBytes)) {
      list.push({
        figure: `bundleBytes.${name}`,
        value: bytes,
        target: '≤ 350 KB as deployed',
        holds: bytes <= BUNDLE_LIMIT_BYTES,
      });
    }
    for (const [name, ratio] of Object.entries(bundles.coldImportRatio)) {
      list.push({
        figure: `coldImportRatio.${name}`,
        value: round(ratio, 2),
        target: `≤ ${COLD_IMPORT_MAX_RATIO} as deployed`,
        holds: ratio <= COLD_IMPORT_MAX_RATIO,
      });
    }
    for (const [name, error] of Object.entries(bundles.errors))
      list.push({ figure: `bundle.${name}`, value: error, target: 'builds and imports', holds: false });
  }
  if (delay) {
    list.push({
      figure:
        `alertDelaySecondsP99 (replay, ${delay.onTime.pages} pages; max ${delay.onTime.maxSeconds}; ` +
        `on the minute ${delay.wholeMinute.p99Seconds})`,
      value: delay.onTime.p99Seconds,
      target: `≤ ${ALERT_DELAY_TARGET_SECONDS}`,
      holds: delay.onTime.maxSeconds <= ALERT_DELAY_TARGET_SECONDS,
    });
    list.push({
      figure:
        `alertDelayBurstSecondsP99 (${delay.burst.stacks} due in one second, real time; ` +
        `max ${delay.burst.maxSeconds})`,
      value: delay.burst.p99Seconds,
      target: `≤ ${ALERT_DELAY_TARGET_SECONDS}`,
      holds: delay.burst.maxSeconds <= ALERT_DELAY_TARGET_SECONDS,
    });
  }
  if (replay) {
    const { full } = replay;
    list.push({
      figure: `replayEventsPerSecond (${full.events} events)`,
      value: Math.round(full.eventsPerSecond),
      target: `≥ ${REPLAY_MIN_EVENTS_PER_SECOND}`,
      holds: full.eventsPerSecond >= REPLAY_MIN_EVENTS_PER_SECOND,
    });
    list.push({
      figure: `replayPeakRssMB (${full.events} events)`,
      value: Math.round(full.maxRssMB),
      target: `≤ ${REPLAY_MAX_RSS_MB}`,
      holds: full.maxRssMB <= REPLAY_MAX_RSS_MB,
    });
    list.push({
      figure: 'replayGrowthRatio',
      value: round(replay.growthRatio, 3),
      target: '≤ 1.2 (10× events ≤ 12× time)',
      holds: replay.growthRatio <= 1.2,
    });
  }
  return list;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows.reduce<number[]>(
    (max, row) => row.map((cell, index) => Math.max(max[index] ?? 0, cell.length)),
    [],
  );
  return rows
    .map((row) =>
      row
        .map((cell, index) => cell.padEnd(widths[index] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const fmt = (value: number, digits = 1): string => value.toLocaleString('en-US', { maximumFractionDigits: digits });

function humanReport(report: Record<string, unknown>, list: readonly Target[], cost: MonthlyCost | undefined): string {
  const lines: string[] = [];
  const figures: string[][] = [['figure', 'value']];
  for (const key of [
    'eventsPerSecond',
    'rawWritesPerSecond',
    'handlerVsRawRatio',
    'requestsPerEvent',
    'sweepRequests',
    'sweepNotificationsDue',
    'sweepScalingRatio',
    'sweepEscalationSeconds2000',
    'burstDeadLetters',
    'burstWriteUnitsPerEvent',
    'maxItemBytes',
    'replayEventsPerSecond',
    'replayPeakRssMB',
    'replayEventsPerSecond100k',
    'replayPeakRssMB100k',
    'replayGrowthRatio',
    'alertDelaySecondsP99',
    'alertDelaySecondsP99WholeMinute',
    'alertDelayP99Ratio',
    'alertDelayBurstSecondsP99',
    'replayOnTimeTimeRatio',
  ]) {
    const value = report[key];
    if (typeof value === 'number') figures.push([key, fmt(value, 3)]);
  }
  for (const key of ['bundleBytes', 'coldImportMs', 'coldImportRatio']) {
    const value = report[key];
    if (value && typeof value === 'object')
      for (const [name, number] of Object.entries(value)) figures.push([`${key}.${name}`, fmt(Number(number), 2)]);
  }
  lines.push(table(figures), '');
  lines.push(
    table([
      ['target', 'value', 'wanted', 'holds'],
      ...list.map((item) => [item.figure, String(item.value), item.target, item.holds ? 'yes' : 'NO']),
    ]),
    '',
  );
  if (cost) {
    lines.push(
      table([
        [
          `monthly cost (1,000 stacks, 20,000 events/day; scaled from the day measured, ` +
            `${fmt(cost.measuredEvents, 0)} events)`,
          'USD',
        ],
        ['DynamoDB requests, events', fmt(cost.dynamoDbRequestsUsd.events, 2)],
        ['DynamoDB requests, sweeps', fmt(cost.dynamoDbRequestsUsd.sweeps, 2)],
        [`DynamoDB storage (${fmt(cost.storage.historyItems, 0)} raw events kept 90 days)`, fmt(cost.storage.usd, 2)],
        ['EventBridge (window and page events)', fmt(cost.eventBridge.usd, 4)],
        ['total', fmt(cost.totalUsd, 2)],
        [
          `(if every request were 1 unit: DynamoDB requests ${fmt(cost.dynamoDbIfOneUnitPerRequestUsd, 2)}; GSI ` +
            `share of WRUs ${fmt(cost.writeUnits.gsiShare * 100, 0)}%)`,
          '',
        ],
      ]),
      '',
    );
  }
  const { machine: host, durationSeconds } = report as { machine: ReturnType<typeof machine>; durationSeconds: number };
  lines.push(`machine: ${host.nproc} cores, ${host.cpu}, node ${host.node}; run took ${fmt(durationSeconds, 0)} s`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '4' },
      skip: { type: 'string', default: '' },
    },
  });
  const sizes = values.quick ? QUICK : FULL;
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`--concurrency: expected a positive integer, got '${values.concurrency}'`);
  const skipped = new Set(
    values.skip
      .split(',')
      .map((phase) => phase.trim())
      .filter((phase) => phase !== ''),
  );
  for (const phase of skipped)
    if (!PHASES.includes(phase as Phase)) throw new Error(`--skip: '${phase}' is not one of ${PHASES.join(', ')}`);
  const runs = (phase: Phase): boolean => !skipped.has(phase);
  const started = performance.now();

  // The bundles' cold starts first, while this process is small: a large heap here (the phases
  // below leave one) slows the child processes down too.
  const bundles = runs('bundles') ? await benchBundles({ runs: sizes.importRuns }) : undefined;
  let events: EventsFigures | undefined;
  if (runs('events')) {
    const day = generateOrgDay({ stackCount: sizes.stacks, minEvents: sizes.events });
    progress(
      `events: a day of ${day.events.length} events (${day.deployments} deployments) of ${sizes.stacks} stacks, ` +
        `concurrency ${concurrency}`,
    );
    const db = await meteredDb();
    try {
      events = await benchEvents(db, day, { concurrency, rawWrites: sizes.rawWrites });
      progress(
        `events: ${fmt(events.eventsPerSecond)} events/s, ${fmt(requestsPerEventOf(events), 3)} requests/event; ` +
          `raw floor ${fmt(events.raw.rawWritesPerSecond)} UpdateItem/s`,
      );
    } finally {
      await db.close();
    }
  }
  const raw: RawFigures | undefined = events?.raw;
  const sweep = runs('sweep')
    ? await benchSweep({ closed: sizes.closed, repeats: sizes.sweepRepeats, concurrency })
    : undefined;
  const escalations = runs('escalations') ? await benchSweepEscalations() : undefined;
  if (escalations) progress(`escalations: 2,000 pages in ${fmt(escalations.sweepEscalationSeconds2000)} s`);
  const burst = runs('burst') ? await benchBurst() : undefined;
  if (burst)
    progress(`burst: ${burst.burstDeadLetters} dead letters, ${burst.burstWriteUnitsPerEvent} write units/event`);
  const items = runs('items') ? await benchItemBounds() : undefined;
  const replay = runs('replay') ? await benchReplay({ events: sizes.replayEvents, runs: sizes.replayRuns }) : undefined;
  const delay = runs('delay') ? await benchAlertDelay({ runs: sizes.delayRuns }) : undefined;
  const cost = events ? monthlyCost(events) : undefined;

  const list = targets({ events, sweep, escalations, burst, items, replay, delay, bundles });
  const { eventTally, ...eventDetails } = events ?? { eventTally: undefined };
  const report = {
    ...(events && raw
      ? {
          eventsPerSecond: round(events.eventsPerSecond, 1),
          rawWritesPerSecond: round(raw.rawWritesPerSecond, 1),
          handlerVsRawRatio: round(events.eventsPerSecond / raw.rawWritesPerSecond, 3),
          requestsPerEvent: round(requestsPerEventOf(events), 3),
        }
      : {}),
    ...(escalations ? { sweepEscalationSeconds2000: round(escalations.sweepEscalationSeconds2000, 1) } : {}),
    ...(burst
      ? { burstDeadLetters: burst.burstDeadLetters, burstWriteUnitsPerEvent: burst.burstWriteUnitsPerEvent }
      : {}),
    ...(items ? { maxItemBytes: items.maxItemBytes } : {}),
    ...(sweep
      ? {
          sweepRequests: sweep.sweepRequests,
          sweepNotificationsDue: sweep.crowded.notificationsDue,
          sweepWindowEventsDue: sweep.crowded.windowEventsDue,
          sweepScalingRatio: round(sweep.sweepScalingRatio, 3),
        }
      : {}),
    ...(bundles
      ? {
          bundleBytes: bundles.bundleBytes,
          coldImportMs: roundAll(bundles.coldImportMs, 1),
          coldImportRatio: roundAll(bundles.coldImportRatio, 2),
        }
      : {}),
    ...(replay
      ? {
          replayEventsPerSecond: round(replay.full.eventsPerSecond, 1),
          replayPeakRssMB: round(replay.full.maxRssMB, 1),
          // Named for the 100,000-event day: only a run of that size reports them.
          ...(replay.full.events >= 100_000
            ? {
                replayEventsPerSecond100k: round(replay.full.eventsPerSecond, 1),
                replayPeakRssMB100k: round(replay.full.maxRssMB, 1),
              }
            : {}),
          replayGrowthRatio: round(replay.growthRatio, 3),
        }
      : {}),
    ...(delay
      ? {
          alertDelaySecondsP99: delay.onTime.p99Seconds,
          alertDelaySecondsP99WholeMinute: delay.wholeMinute.p99Seconds,
          alertDelayP99Ratio: round(delay.onTime.p99Seconds / delay.wholeMinute.p99Seconds, 3),
          alertDelayBurstSecondsP99: delay.burst.p99Seconds,
          replayOnTimeTimeRatio: round(delay.replayTimeRatio, 3),
        }
      : {}),
    targets: list,
    ...(cost ? { monthlyCost: cost } : {}),
    details: {
      sizes,
      concurrency,
      ...(events && eventTally
        ? {
            events: {
              ...eventDetails,
              eventsMs: Math.round(events.eventsMs),
              requestsPerStackEvent: round(events.requestsPerStackEvent, 3),
              describeStacks: events.describeStacks,
              byCommand: eventTally.byCommand,
              queriesByIndex: eventTally.queriesByIndex,
              writeUnits: eventTally.writeUnits,
              gsiWriteUnits: eventTally.gsiWriteUnits,
              gsiWriteUnitsByIndex: eventTally.gsiWriteUnitsByIndex,
              tableWriteUnitsByItem: eventTally.tableWriteUnitsByItem,
              readUnits: eventTally.readUnits,
              conditionalFailures: eventTally.conditionalFailures,
              medianStateItemBytes: Math.round(median(eventTally.stateItemBytes)),
              largestItemBytes: eventTally.largestItem,
              medianHistoryItemBytes: Math.round(median(eventTally.historyItemBytes)),
              sweeps: {
                count: events.sweeps.count,
                ms: Math.round(events.sweeps.ms),
                requests: events.sweeps.tally.requests,
                byCommand: events.sweeps.tally.byCommand,
                redundantStateWrites: events.sweeps.tally.redundantStateWrites,
                writeUnits: events.sweeps.tally.writeUnits,
                gsiWriteUnitsByIndex: events.sweeps.tally.gsiWriteUnitsByIndex,
                readUnits: events.sweeps.tally.readUnits,
              },
            },
          }
        : {}),
      ...(raw ? { raw } : {}),
      ...(sweep ? { sweep } : {}),
      ...(escalations ? { escalations } : {}),
      ...(burst ? { burst } : {}),
      ...(items ? { items } : {}),
      ...(replay ? { replay } : {}),
      ...(delay ? { delay } : {}),
      ...(bundles ? { bundles } : {}),
    },
    machine: machine(),
    durationSeconds: round((performance.now() - started) / 1000, 1),
  };
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : humanReport(report, list, cost));
}

function roundAll(values: Readonly<Record<string, number>>, digits: number): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, round(value, digits)]));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
