/**
 * Issue 18, part 3: how late a WARNING or CRITICAL goes out after its threshold.
 *
 * - In replay (virtual time, so the figures are exact and the same every run): a generated day of
 *   1,000 operations starting at random seconds, a third of them hanging past 40 minutes, replayed
 *   with the contract's whole-minute clock (the baseline: what the sweeper did before) and with
 *   `--on-time` (what the deployed sweeper does); the delay of each page is its elapsed time less
 *   the threshold it reports. The two are replayed alternately, and their wall times compared.
 * - In real time: 500 operations whose thresholds all fall due in the same second, 3 s after a
 *   sweep began, escalated through `sweep` with the Lambda's timer, its concurrency bound and its
 *   remaining time, the store over dynalite with every call waiting as long as a DynamoDB round
 *   trip, DescribeStacks, SNS and PutEvents stand-ins as slow as theirs: the delay of each page is
 *   when SNS took it less its threshold's instant, processing included.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { replay } from '../cli/replay.ts';
import type { Delivery } from '../cli/replay-input.ts';
import { applyEvent } from '../shared/app/apply-event.ts';
import { silentLog } from '../shared/app/log.ts';
import { DEFAULT_SWEEP_CONCURRENCY, sweep } from '../shared/app/sweep.ts';
import { waitForClock } from '../shared/adapters/timers.ts';
import { percentile } from '../shared/domain/adaptive.ts';
import { DEFAULT_CONFIG } from '../shared/domain/config.ts';
import type { StackStatusEvent } from '../shared/domain/events.ts';
import type { Notification } from '../shared/domain/notification.ts';
import { NO_FACTS } from '../shared/domain/stack-facts.ts';
import { thresholdFor } from '../shared/domain/thresholds.ts';
import type { Instant } from '../shared/domain/time.ts';
import { meteredDb, median, progress, round } from './harness.ts';
import { ACCOUNT, REGION, seededRandom } from './org.ts';
import { hungStacks, LATENCY_MS, withLatency } from './sweep-escalations.ts';

/** The target: no page more than this late. */
export const ALERT_DELAY_TARGET_SECONDS = 10;

export interface DelayFigures {
  readonly pages: number;
  readonly p50Seconds: number;
  readonly p90Seconds: number;
  readonly p99Seconds: number;
  readonly maxSeconds: number;
}

export interface AlertDelayFigures {
  /** Replay with `--on-time`: the figure the issue names (`alertDelaySecondsP99`). */
  readonly onTime: DelayFigures;
  /** Replay with the whole-minute clock: the baseline. */
  readonly wholeMinute: DelayFigures;
  readonly operations: number;
  /** Wall time of a replay on time over one on the minute clock, the median of alternate runs. */
  readonly replayTimeRatio: number;
  readonly replayRuns: number;
  /** Real time: 500 thresholds in one second, through the sweeper's timer, processing included. */
  readonly burst: DelayFigures & { readonly stacks: number; readonly concurrency: number };
}

const T0 = Date.parse('2021-09-21T00:00:00Z');
const OPERATIONS = 1_000;
const BURST_STACKS = 500;

const arnOf = (name: string, index: number): string =>
  `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/` +
  `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;

function statusEvent(name: string, index: number, time: Instant, status: string): StackStatusEvent {
  return {
    kind: 'stack-status',
    eventId: `${name}-${status}`,
    stackId: arnOf(name, index),
    stackName: name,
    account: ACCOUNT,
    region: REGION,
    time,
    status,
    statusReason: '',
  };
}

/** A day of deletions at random seconds: a third hang past CRITICAL, a third past WARNING only. */
function generatedDay(): Delivery[] {
  const random = seededRandom(18);
  const events: StackStatusEvent[] = [];
  for (let index = 0; index < OPERATIONS; index++) {
    const name = `svc-${String(index).padStart(4, '0')}`;
    const start = T0 + Math.floor(random() * 86_400) * 1000;
    const kind = random();
    const minutes = kind < 1 / 3 ? 45 + random() * 75 : kind < 2 / 3 ? 21 + random() * 18 : 2 + random() * 15;
    events.push(statusEvent(name, index, start, 'DELETE_IN_PROGRESS'));
    events.push(statusEvent(name, index, start + Math.floor(minutes * 60) * 1000, 'DELETE_COMPLETE'));
  }
  events.sort((a, b) => a.time - b.time);
  return events.map((event, index) => ({ index, deliverAt: event.time, event }));
}

/** How late each WARNING and CRITICAL (not a reminder) went out after the threshold it reports, in ms. */
function lateness(notifications: readonly Notification[]): number[] {
  return notifications.flatMap((n) => {
    if ((n.severity !== 'WARNING' && n.severity !== 'CRITICAL') || n.reminder > 0) return [];
    const { warnMs, criticalMs } = thresholdFor(DEFAULT_CONFIG.thresholds, n.operation);
    return [n.elapsedMs - (n.severity === 'WARNING' ? warnMs : criticalMs)];
  });
}

function delayFigures(lateMs: readonly number[]): DelayFigures {
  const seconds = (q: number): number => round(percentile(lateMs, q) / 1000, 2);
  return {
    pages: lateMs.length,
    p50Seconds: seconds(0.5),
    p90Seconds: seconds(0.9),
    p99Seconds: seconds(0.99),
    maxSeconds: seconds(1),
  };
}

async function replayDay(deliveries: readonly Delivery[], onTime: boolean): Promise<{ ms: number; late: number[] }> {
  const started = performance.now();
  const result = await replay(deliveries, [], { config: DEFAULT_CONFIG, log: silentLog, onTime });
  return { ms: performance.now() - started, late: lateness(result.notifications) };
}

/**
 * 500 thresholds falling due in one second, 3 s into a sweep that escalates on time with the real
 * clock and the Lambda's timer.
 */
async function burst(): Promise<AlertDelayFigures['burst']> {
  const db = await meteredDb();
  try {
    db.meter.sizing = false;
    const quiet = { publish: async (): Promise<void> => undefined };
    const stacks = { factsOf: async () => NO_FACTS };
    // After the DescribeStacks stand-in's LastUpdatedTime (10:00): an update it still reports.
    const start = Date.parse('2021-09-21T12:00:00Z');
    for (let index = 0; index < BURST_STACKS; index++) {
      // Updates: what the DescribeStacks stand-in says the stacks are doing.
      const event = statusEvent(`burst-${String(index).padStart(3, '0')}`, index, start, 'UPDATE_IN_PROGRESS');
      await applyEvent(event, {
        store: db.store,
        notifier: quiet,
        escalations: quiet,
        clock: () => start + 1000,
        config: DEFAULT_CONFIG,
        log: silentLog,
        stacks,
      });
    }
    const dueAt = start + thresholdFor(DEFAULT_CONFIG.thresholds, 'UPDATE').warnMs;
    // Virtual time that runs at the wall clock's pace from 3 s before the thresholds.
    const began = performance.now();
    const clock = (): Instant => dueAt - 3_000 + Math.round(performance.now() - began);
    const late: number[] = [];
    const notifier = {
      async publish(): Promise<void> {
        await delay(LATENCY_MS.snsPublish);
        late.push(clock() - dueAt);
      },
    };
    const escalations = { publish: async (): Promise<void> => void (await delay(LATENCY_MS.putEvents)) };
    const result = await sweep(
      {
        store: withLatency(db.store, LATENCY_MS.dynamoDb, { calls: {} }),
        notifier,
        escalations,
        windowEvents: quiet,
        clock,
        config: DEFAULT_CONFIG,
        log: silentLog,
        stacks,
        inspector: hungStacks([], LATENCY_MS.describeStacks),
      },
      {
        concurrency: DEFAULT_SWEEP_CONCURRENCY,
        remainingMs: () => 58_000 - (performance.now() - began),
        onTime: { waitUntil: (at) => waitForClock(clock, at) },
      },
    );
    if (late.length !== BURST_STACKS || result.deferred > 0)
      throw new Error(`bench: ${late.length} of ${BURST_STACKS} pages on time, ${result.deferred} deferred`);
    return { ...delayFigures(late), stacks: BURST_STACKS, concurrency: DEFAULT_SWEEP_CONCURRENCY };
  } finally {
    await db.close();
  }
}

/**
 * @example
 * const { onTime } = await benchAlertDelay({ runs: 3 });
 * onTime.p99Seconds; // ≤ 10
 */
export async function benchAlertDelay({ runs }: { readonly runs: number }): Promise<AlertDelayFigures> {
  const deliveries = generatedDay();
  const onMinuteMs: number[] = [];
  const onTimeMs: number[] = [];
  let wholeMinute: number[] = [];
  let onTime: number[] = [];
  for (let run = 0; run < runs; run++) {
    // Alternately, each first in turn: neither is always the cold one.
    const order = run % 2 === 0 ? [false, true] : [true, false];
    for (const timely of order) {
      const { ms, late } = await replayDay(deliveries, timely);
      (timely ? onTimeMs : onMinuteMs).push(ms);
      if (timely) onTime = late;
      else wholeMinute = late;
    }
  }
  progress(
    `alert delay: replay p99 ${(percentile(onTime, 0.99) / 1000).toFixed(1)} s on time, ` +
      `${(percentile(wholeMinute, 0.99) / 1000).toFixed(1)} s on the minute (${onTime.length} pages)`,
  );
  const burstFigures = await burst();
  progress(`alert delay: ${BURST_STACKS} thresholds in one second, p99 ${burstFigures.p99Seconds} s in real time`);
  return {
    onTime: delayFigures(onTime),
    wholeMinute: delayFigures(wholeMinute),
    operations: OPERATIONS,
    replayTimeRatio: median(onTimeMs) / median(onMinuteMs),
    replayRuns: runs,
    burst: burstFigures,
  };
}
