/**
 * Issue 14: does the sweeper keep up when 2,000 operations hang at once? 2,000 stacks over 100
 * services, all started in the same minute, so that one sweep has 2,000 WARNINGs due. The store
 * is the real one over dynalite, with every call made to wait as long as a DynamoDB round trip;
 * DescribeStacks, SNS and PutEvents are stand-ins that wait as long as theirs. The sweeps run
 * with the options the sweeper Lambda runs them with, and a remaining time counting down from
 * its 58 s timeout: what is measured is the wall time until every page was sent (one sweep, or
 * more when one ran short of time and left the rest to the next minute).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { applyEvent } from '../shared/app/apply-event.ts';
import type { StackInspector, WatchdogStore } from '../shared/app/ports.ts';
import { DEFAULT_SWEEP_CONCURRENCY, sweep, type SweepOptions } from '../shared/app/sweep.ts';
import type { CloudFormationEvent } from '../shared/domain/events.ts';
import type { Notification } from '../shared/domain/notification.ts';
import type { StackDescription } from '../shared/domain/reconcile.ts';
import { NO_FACTS } from '../shared/domain/stack-facts.ts';
import { MINUTE_MS, type Instant } from '../shared/domain/time.ts';
import type { WindowEvent } from '../shared/domain/window-events.ts';
import { silentLog } from '../shared/app/log.ts';
import { benchConfig, meteredDb, pool, progress, round } from './harness.ts';
import { emptyTally } from './metering.ts';
import { ACCOUNT, REGION } from './org.ts';

export interface Latencies {
  readonly dynamoDb: number;
  readonly describeStacks: number;
  readonly snsPublish: number;
  readonly putEvents: number;
}

/** Round trips as the issue gives them (same-region, warm connections). */
export const LATENCY_MS: Latencies = { dynamoDb: 8, describeStacks: 40, snsPublish: 25, putEvents: 20 };
/** The sweeper Lambda's timeout (template.yaml): what `getRemainingTimeInMillis` starts from. */
const SWEEPER_TIMEOUT_MS = 58_000;
/** The requirement: every page of the 2,000 sent within this. */
export const ESCALATIONS_TARGET_SECONDS = 50;

const STACKS = 2_000;
const SERVICES = 100;
const T0 = Date.parse('2021-09-21T10:00:00Z');
/** Past WARNING (20 min) for the last to start, before CRITICAL (40 min): every stack has exactly one page due. */
const SWEEP_AT = T0 + 21 * MINUTE_MS;
/** A sweep of more than this many minutes in a row means the sweeper does not keep up at all. */
const MAX_SWEEPS = 10;

const serviceOf = (index: number): string => `svc-${String(index % SERVICES).padStart(3, '0')}`;
const nameOf = (index: number): string => `${serviceOf(index)}-stack-${String(index).padStart(4, '0')}`;
const arnOf = (index: number): string =>
  `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${nameOf(index)}/00000000-0000-4000-8000-` +
  `${String(index).padStart(12, '0')}`;

function stackEvents(index: number): CloudFormationEvent[] {
  const base = { stackId: arnOf(index), stackName: nameOf(index), account: ACCOUNT, region: REGION, statusReason: '' };
  // Spread over the minute, as a burst of deployments started by one pipeline run would be.
  const start = T0 + (index % 60) * 1000;
  return [
    { ...base, kind: 'stack-status', eventId: `${index}-stack`, time: start, status: 'UPDATE_IN_PROGRESS' },
    {
      ...base,
      kind: 'resource-status',
      eventId: `${index}-service`,
      time: start + 500,
      logicalResourceId: 'Service',
      physicalResourceId: `${nameOf(index)}-Service`,
      resourceType: 'AWS::ECS::Service',
      status: 'UPDATE_IN_PROGRESS',
    },
  ];
}

/** Calls of each store method. */
interface CallTally {
  calls: Record<string, number>;
}

/**
 * The store with every call waiting `ms` first, as a DynamoDB round trip does (dynalite in this
 * process answers in well under a millisecond of wall time, so without it the bench would
 * measure CPU alone and hide a sweep that waits on its calls one after another).
 */
export function withLatency(store: WatchdogStore, ms: number, tally: CallTally): WatchdogStore {
  const slow =
    <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      tally.calls[name] = (tally.calls[name] ?? 0) + 1;
      await delay(ms);
      return call(...args);
    };
  return {
    recordEvent: slow('recordEvent', (event) => store.recordEvent(event)),
    stackHistory: slow('stackHistory', (stackId, from) => store.stackHistory(stackId, from)),
    stacksWithHistory: slow('stacksWithHistory', () => store.stacksWithHistory()),
    stacksNamed: slow('stacksNamed', (stackName, range) => store.stacksNamed(stackName, range)),
    servicesNamed: slow('servicesNamed', (service) => store.servicesNamed(service)),
    loadStack: slow('loadStack', (key, stack) => store.loadStack(key, stack)),
    saveStack: slow('saveStack', (state, now) => store.saveStack(state, now)),
    loadService: slow('loadService', (key) => store.loadService(key)),
    saveService: slow('saveService', (state, now) => store.saveService(state, now)),
    servicesToSweep: slow('servicesToSweep', () => store.servicesToSweep()),
    windowEntries: slow('windowEntries', (key, from, exclusive) => store.windowEntries(key, from, exclusive)),
    loadWindowEntry: slow('loadWindowEntry', (key, id) => store.loadWindowEntry(key, id)),
    saveWindowEntry: slow('saveWindowEntry', (entry, now) => store.saveWindowEntry(entry, now)),
    windowsOverlapping: slow('windowsOverlapping', (query) => store.windowsOverlapping(query)),
    saveFoldedPages: slow('saveFoldedPages', (stack, pages) => store.saveFoldedPages(stack, pages)),
    loadFoldedPages: slow('loadFoldedPages', (stack, refs) => store.loadFoldedPages(stack, refs)),
    deleteFoldedPages: slow('deleteFoldedPages', (stack, refs) => store.deleteFoldedPages(stack, refs)),
    keepWalkPoint: slow('keepWalkPoint', (key, point) => store.keepWalkPoint(key, point)),
    walkPointBefore: slow('walkPointBefore', (key, time) => store.walkPointBefore(key, time)),
    dropWalkPoints: slow('dropWalkPoints', (key, time) => store.dropWalkPoints(key, time)),
    recordSweepHeartbeat: slow('recordSweepHeartbeat', (at) => store.recordSweepHeartbeat(at)),
    lastSweepHeartbeat: slow('lastSweepHeartbeat', () => store.lastSweepHeartbeat()),
    lastSelfCheck: slow('lastSelfCheck', () => store.lastSelfCheck()),
    recordSelfCheck: slow('recordSelfCheck', (memory) => store.recordSelfCheck(memory)),
    stacksMutedByTag: slow('stacksMutedByTag', () => store.stacksMutedByTag()),
    keepMutedByTag: slow('keepMutedByTag', (stack) => store.keepMutedByTag(stack)),
    dropMutedByTag: slow('dropMutedByTag', (stackId) => store.dropMutedByTag(stackId)),
  };
}

/** DescribeStacks answering that the stack still updates, after its round trip. */
export function hungStacks(asked: string[], ms: number): StackInspector {
  const stillUpdating: StackDescription = {
    exists: true,
    status: 'UPDATE_IN_PROGRESS',
    statusReason: '',
    lastUpdatedAt: T0,
  };
  return {
    async describe(stackId) {
      asked.push(stackId);
      await delay(ms);
      return stillUpdating;
    },
    async resourcesInProgress() {
      await delay(ms);
      return [];
    },
  };
}

export interface SweepEscalationFigures {
  /**
   * Wall time of the sweep that sent all 2,000 pages, window events included; when it took more
   * than one, each after the first counts from a minute after the one before (the schedule).
   */
  readonly sweepEscalationSeconds2000: number;
  readonly targetSeconds: number;
  readonly holds: boolean;
  readonly stacks: number;
  readonly services: number;
  /** WARNINGs sent (each stack's once: 2,000). */
  readonly pages: number;
  /** Distinct pages among them: fewer than `pages` would mean one sent twice. */
  readonly distinctPages: number;
  readonly windowEvents: number;
  /** Sweeps it took; more than one when a sweep ran short of time and left the rest. */
  readonly sweeps: number;
  /** What each sweep left for the next. */
  readonly deferredBySweep: readonly number[];
  readonly secondsBySweep: readonly number[];
  /** DescribeStacks calls: every escalation is confirmed with CloudFormation first, as in production. */
  readonly describeStacksCalls: number;
  /** The sweep a minute later, which asks CloudFormation again about each of the 2,000 escalated operations. */
  readonly recheckSweepSeconds: number;
  readonly recheckDescribeStacksCalls: number;
  readonly recheckDeferred: number;
  readonly concurrency: number;
  readonly latencyMs: Latencies;
  /** Store calls by method over the timed sweeps, the minute after's included (each waited `latencyMs.dynamoDb`). */
  readonly storeCalls: Readonly<Record<string, number>>;
  /** DynamoDB requests the timed sweeps sent, the minute after's included (the metered client). */
  readonly dynamoDbRequests: number;
  /** Most publishes to SNS in flight at once. */
  readonly maxPublishesInFlight: number;
  /** When the last page went out and the first and last window event, from the first timed sweep's start. */
  readonly lastPageSeconds: number;
  readonly firstWindowEventSeconds: number | null;
  readonly lastWindowEventSeconds: number | null;
  /** CPU time of this process over the timed sweeps (dynalite runs in it): near the wall time means CPU-bound. */
  readonly cpuSeconds: number;
  readonly seedSeconds: number;
}

/**
 * 2,000 simultaneous escalations through `sweep` as the sweeper Lambda runs it. `profile` is for
 * finding where the time goes (another bound; no latency, to see the CPU alone); the figure is
 * taken without it.
 *
 * @example
 * const { sweepEscalationSeconds2000 } = await benchSweepEscalations();
 */
export async function benchSweepEscalations(
  profile: { readonly concurrency?: number; readonly latencyMs?: Latencies } = {},
): Promise<SweepEscalationFigures> {
  const latency = profile.latencyMs ?? LATENCY_MS;
  const concurrency = profile.concurrency ?? DEFAULT_SWEEP_CONCURRENCY;
  const db = await meteredDb();
  try {
    const { meter } = db;
    meter.sizing = false;
    const config = benchConfig([]);
    // The service of a stack from its cfn-watchdog:service tag, as DescribeStacks tells it.
    const tagged = new Map(Array.from({ length: STACKS }, (_, index) => [arnOf(index), serviceOf(index)]));
    const stacks = { factsOf: async (stackId: string) => ({ ...NO_FACTS, serviceTag: tagged.get(stackId) ?? null }) };
    const quiet = { publish: async (): Promise<void> => undefined };
    const plain = (now: Instant) => ({
      store: db.store,
      notifier: quiet,
      escalations: quiet,
      windowEvents: quiet,
      clock: () => now,
      config,
      log: silentLog,
      stacks,
    });

    const seedStart = performance.now();
    const events = Array.from({ length: STACKS }, (_, index) => stackEvents(index));
    await pool(events, 8, async (ofStack) => {
      for (const event of ofStack) await applyEvent(event, plain(event.time + 1000));
    });
    // The minutes before, as the sweeper saw them: the windows walked, nothing due yet.
    await sweep(plain(T0 + 2 * MINUTE_MS));
    const seedSeconds = (performance.now() - seedStart) / 1000;
    progress(
      `sweep-escalations: ${STACKS} hung stacks over ${SERVICES} services seeded in ${seedSeconds.toFixed(1)} s`,
    );

    const tally: CallTally = { calls: {} };
    const store = withLatency(db.store, latency.dynamoDb, tally);
    const sent: Notification[] = [];
    const published: WindowEvent[] = [];
    let inFlight = 0;
    let maxPublishesInFlight = 0;
    let timedFrom = 0;
    let lastPageAt = 0;
    const windowEventsAt: number[] = [];
    const notifier = {
      async publish(notification: Notification): Promise<void> {
        inFlight++;
        maxPublishesInFlight = Math.max(maxPublishesInFlight, inFlight);
        await delay(latency.snsPublish);
        inFlight--;
        sent.push(notification);
        lastPageAt = performance.now() - timedFrom;
      },
    };
    const windowEvents = {
      async publish(event: WindowEvent): Promise<void> {
        await delay(latency.putEvents);
        published.push(event);
        windowEventsAt.push(performance.now() - timedFrom);
      },
    };
    // The pages' bus lane: a PutEvents after each page, as the sweeper puts them.
    const escalations = {
      async publish(): Promise<void> {
        await delay(latency.putEvents);
      },
    };
    const asked: string[] = [];
    const inspector = hungStacks(asked, latency.describeStacks);

    const requests = emptyTally();
    meter.use(requests);
    const deferredBySweep: number[] = [];
    const secondsBySweep: number[] = [];
    const cpuFrom = process.cpuUsage();
    timedFrom = performance.now();
    for (let minute = 0; minute < MAX_SWEEPS && sent.length < STACKS; minute++) {
      const started = performance.now();
      // As the sweeper handler runs it: its concurrency, and Lambda's remaining time.
      const options: SweepOptions = {
        concurrency,
        remainingMs: () => SWEEPER_TIMEOUT_MS - (performance.now() - started),
      };
      const now = SWEEP_AT + minute * MINUTE_MS;
      const result = await sweep(
        { store, notifier, escalations, windowEvents, clock: () => now, config, log: silentLog, inspector, stacks },
        options,
      );
      secondsBySweep.push((performance.now() - started) / 1000);
      deferredBySweep.push(result.deferred);
      progress(
        `sweep-escalations: sweep ${minute + 1}: ${result.notifications.length} pages, ${result.windowEvents} ` +
          `window events, ${result.deferred} deferred`,
      );
    }
    const cpu = process.cpuUsage(cpuFrom);
    const describedForPages = asked.length;
    const sweepsForPages = secondsBySweep.length;
    // Each sweep after the first starts a minute after the one before, as the schedule runs them.
    const seconds = (sweepsForPages - 1) * 60 + (secondsBySweep.at(-1) ?? 0);
    const inSeconds = (ms: number | undefined): number | null => (ms === undefined ? null : round(ms / 1000, 2));

    // The minute after: every one of the 2,000 is escalated and still running, so each is asked
    // about again (a lost completion would otherwise never close it).
    const recheckStarted = performance.now();
    const recheckNow = SWEEP_AT + sweepsForPages * MINUTE_MS;
    const recheck = await sweep(
      {
        store,
        notifier,
        escalations,
        windowEvents,
        clock: () => recheckNow,
        config,
        log: silentLog,
        inspector,
        stacks,
      },
      { concurrency, remainingMs: () => SWEEPER_TIMEOUT_MS - (performance.now() - recheckStarted) },
    );
    const recheckSeconds = (performance.now() - recheckStarted) / 1000;
    progress(
      `sweep-escalations: the minute after: ${asked.length - describedForPages} re-checked in ` +
        `${recheckSeconds.toFixed(1)} s, ${recheck.deferred} deferred`,
    );

    return {
      sweepEscalationSeconds2000: round(seconds, 2),
      targetSeconds: ESCALATIONS_TARGET_SECONDS,
      holds: sent.length === STACKS && sweepsForPages === 1 && seconds <= ESCALATIONS_TARGET_SECONDS,
      stacks: STACKS,
      services: SERVICES,
      pages: sent.length,
      distinctPages: new Set(sent.map((page) => `${page.stackId}#${page.severity}`)).size,
      windowEvents: published.length,
      sweeps: secondsBySweep.length,
      deferredBySweep,
      secondsBySweep: secondsBySweep.map((each) => round(each, 2)),
      describeStacksCalls: describedForPages,
      recheckSweepSeconds: round(recheckSeconds, 2),
      recheckDescribeStacksCalls: asked.length - describedForPages,
      recheckDeferred: recheck.deferred,
      concurrency,
      latencyMs: latency,
      storeCalls: tally.calls,
      dynamoDbRequests: requests.requests,
      maxPublishesInFlight,
      lastPageSeconds: round(lastPageAt / 1000, 2),
      firstWindowEventSeconds: inSeconds(windowEventsAt[0]),
      lastWindowEventSeconds: inSeconds(windowEventsAt.at(-1)),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
      seedSeconds: round(seedSeconds, 1),
    };
  } finally {
    await db.close();
  }
}
