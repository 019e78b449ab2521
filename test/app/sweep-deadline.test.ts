/**
 * sweep against the invocation's remaining time, over a real (embedded) DynamoDB: what it has no
 * time for is left to the next sweep and nothing is lost or sent twice; pages go out before window
 * events; work runs concurrently, never more at once than the bound. The remaining time is a fake
 * Lambda countdown that the sweep's own progress moves, never the wall clock; nothing here is
 * asserted about durations (that is the bench's: bench/sweep-escalations.ts).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import type { WatchdogDeps } from '../../shared/app/deps.ts';
import type { StackDirectory, StackInspector, WatchdogStore } from '../../shared/app/ports.ts';
import { DEFAULT_SWEEP_CONCURRENCY, sweep, SWEEP_TIME_RESERVE_MS, type SweepResult } from '../../shared/app/sweep.ts';
import { NO_FACTS } from '../../shared/domain/stack-facts.ts';
import type { Notification } from '../../shared/domain/notification.ts';
import type { WindowEvent } from '../../shared/domain/window-events.ts';
import { freshStore } from '../support/dynamodb.ts';
import { stackArn } from '../support/events.ts';
import { iso, t } from '../support/states.ts';
import { stackStatus, watchdog, type Watchdog } from '../support/watchdog.ts';

/** The sweeper Lambda's timeout: what its remaining time starts from. */
const LAMBDA_TIMEOUT_MS = 58_000;

/** A Lambda invocation's remaining time, counting down only when the test says time passed. */
class FakeInvocation {
  elapsedMs = 0;

  readonly remainingMs = (): number => LAMBDA_TIMEOUT_MS - this.elapsedMs;

  /** The next invocation: a fresh countdown. */
  restart(): void {
    this.elapsedMs = 0;
  }
}

/** What went out, in order, across the SNS topic and the event bus, by sweep. */
interface Outgoing {
  readonly sweep: number;
  readonly kind: 'page' | 'window event';
}

/** Counts what is in flight at once and keeps the most. */
class InFlight {
  now = 0;
  most = 0;

  async during<T>(work: () => Promise<T>): Promise<T> {
    this.now++;
    this.most = Math.max(this.most, this.now);
    try {
      return await work();
    } finally {
      this.now--;
    }
  }
}

interface Fleet {
  readonly dog: Watchdog;
  readonly invocation: FakeInvocation;
  readonly outgoing: Outgoing[];
  readonly publishing: InFlight;
  readonly describing: InFlight;
  /** Which sweep is running (1-based): what `outgoing` is labelled with. */
  readonly sweeps: { count: number };
  /** What DescribeStacks answers, and how much of the invocation's time an answer costs. */
  readonly cloudFormation: { status: string; costMs: number; asked: number };
}

const serviceOfIndex = (index: number, services: number): string => `svc-${index % services}`;
const stackOfIndex = (index: number, services: number) => ({
  name: `${serviceOfIndex(index, services)}-stack-${index}`,
});

/**
 * `stacks` stacks over `services` services (by their cfn-watchdog:service tag), each with an
 * operation started at 10:00 that still runs, as DescribeStacks confirms. Each page, once SNS
 * took it, costs `pageCostMs` of the invocation's time; `store` decorates the real store.
 */
async function fleet(options: {
  readonly stacks: number;
  readonly services: number;
  readonly status: string;
  readonly pageCostMs: number;
  readonly store?: (store: WatchdogStore, invocation: FakeInvocation) => WatchdogStore;
}): Promise<Fleet> {
  const { store: real } = await freshStore();
  const invocation = new FakeInvocation();
  const outgoing: Outgoing[] = [];
  const publishing = new InFlight();
  const describing = new InFlight();
  const sweeps = { count: 0 };
  const cloudFormation = { status: options.status, costMs: 0, asked: 0 };
  const tags = new Map(
    Array.from({ length: options.stacks }, (_, index) => [
      stackArn(stackOfIndex(index, options.services)),
      serviceOfIndex(index, options.services),
    ]),
  );
  const directory: StackDirectory = {
    factsOf: async (stackId) => ({ ...NO_FACTS, serviceTag: tags.get(stackId) ?? null }),
  };
  const inspector: StackInspector = {
    describe: () =>
      describing.during(async () => {
        // Held past a turn of the event loop, so that other escalations can catch up with it.
        await delay(1);
        cloudFormation.asked++;
        invocation.elapsedMs += cloudFormation.costMs;
        return { exists: true, status: cloudFormation.status, statusReason: '', lastUpdatedAt: t('10:00') };
      }),
  };
  const store = options.store ? options.store(real, invocation) : real;
  const dog = watchdog(store, { now: iso('10:00'), inspector, stacks: directory });
  const { notifier, windowEvents } = dog.deps;
  const deps: WatchdogDeps = {
    ...dog.deps,
    notifier: {
      publish: (notification: Notification) =>
        publishing.during(async () => {
          await delay(1);
          await notifier.publish(notification);
          outgoing.push({ sweep: sweeps.count, kind: 'page' });
          invocation.elapsedMs += options.pageCostMs;
        }),
    },
    windowEvents: {
      async publish(event: WindowEvent) {
        await windowEvents.publish(event);
        outgoing.push({ sweep: sweeps.count, kind: 'window event' });
      },
    },
  };
  for (let from = 0; from < options.stacks; from += 25) {
    const batch = Array.from({ length: Math.min(25, options.stacks - from) }, (_, offset) =>
      stackOfIndex(from + offset, options.services),
    );
    await Promise.all(batch.map((stack) => applyEvent(stackStatus(stack, iso('10:00'), options.status), deps)));
  }
  return { dog: { ...dog, deps }, invocation, outgoing, publishing, describing, sweeps, cloudFormation };
}

/** One sweep at `minute`, as the sweeper Lambda runs it: a fresh invocation and its remaining time. */
async function sweepAsLambda(state: Fleet, minute: string): Promise<SweepResult> {
  state.sweeps.count++;
  state.invocation.restart();
  state.dog.clock.set(iso(minute));
  return sweep(state.dog.deps, { remainingMs: state.invocation.remainingMs });
}

/** Whether, within each sweep, every page went out before the first window event. */
function pagesBeforeWindowEvents(outgoing: readonly Outgoing[]): boolean {
  return [...new Set(outgoing.map((sent) => sent.sweep))].every((number) => {
    const kinds = outgoing.filter((sent) => sent.sweep === number).map((sent) => sent.kind);
    return !kinds.includes('window event') || kinds.lastIndexOf('page') < kinds.indexOf('window event');
  });
}

describe('sweep within the invocation’s remaining time', () => {
  it(
    'leaves the escalations it has no time for to the next sweep: every page once, every window event once, pages ' +
      'first',
    async () => {
      // Prepare: 300 deployments of 10 services hang since 10:00; a page costs a quarter of a
      // second of the invocation, so one sweep has time to start 180 of the 300.
      const state = await fleet({ stacks: 300, services: 10, status: 'UPDATE_IN_PROGRESS', pageCostMs: 250 });

      // Act
      const first = await sweepAsLambda(state, '10:20');
      const eventsAfterFirst = state.dog.windowEvents.sent.length;
      const second = await sweepAsLambda(state, '10:21');
      const third = await sweepAsLambda(state, '10:22');

      // Assess: the first sweep ran short: some pages out, the rest deferred, no window event.
      expect(first.notifications.length).toBeGreaterThan(0);
      expect(first.notifications.length).toBeLessThan(300);
      expect(first.deferred).toBeGreaterThanOrEqual(300 - first.notifications.length);
      expect(first.windowEvents).toBe(0);
      expect(eventsAfterFirst).toBe(0);
      // The next did the rest and the windows; the one after found nothing left.
      expect(second.deferred).toBe(0);
      expect(first.notifications.length + second.notifications.length).toBe(300);
      expect(third).toMatchObject({ notifications: [], windowEvents: 0, deferred: 0 });
      // Each stack paged exactly once, each service's window opened exactly once.
      const pages = state.dog.notifier.sent;
      expect(pages.map((page) => page.severity)).toEqual(Array.from({ length: 300 }, () => 'WARNING'));
      expect(new Set(pages.map((page) => page.stackId)).size).toBe(300);
      const events = state.dog.windowEvents.sent;
      expect(events.map((event) => event.detailType)).toEqual(Array.from({ length: 10 }, () => 'Impact Window Opened'));
      expect(new Set(events.map((event) => event.detail.service)).size).toBe(10);
      expect(pagesBeforeWindowEvents(state.outgoing)).toBe(true);
    },
  );

  it('runs escalations concurrently, never more at once than the sweeper’s bound', async () => {
    // Prepare
    const state = await fleet({ stacks: 64, services: 4, status: 'UPDATE_IN_PROGRESS', pageCostMs: 0 });

    // Act
    const result = await sweepAsLambda(state, '10:20');

    // Assess
    expect(result.notifications).toHaveLength(64);
    expect(state.publishing.most).toBeGreaterThan(1);
    expect(state.publishing.most).toBeLessThanOrEqual(DEFAULT_SWEEP_CONCURRENCY);
    expect(state.describing.most).toBeGreaterThan(1);
    expect(state.describing.most).toBeLessThanOrEqual(DEFAULT_SWEEP_CONCURRENCY);
  });

  it('leaves window events it has no time to publish pending, and they go out once after the lease', async () => {
    // Prepare: 10 services with one hung deletion each; the invocation's time runs short once
    // every service was walked (its window claimed), before any window event is published.
    let walked = 0;
    const state = await fleet({
      stacks: 10,
      services: 10,
      status: 'DELETE_IN_PROGRESS',
      pageCostMs: 0,
      store: (store, invocation) => ({
        ...store,
        async saveService(service, now) {
          const saved = await store.saveService(service, now);
          walked++;
          if (walked === 10) invocation.elapsedMs = LAMBDA_TIMEOUT_MS - SWEEP_TIME_RESERVE_MS;
          return saved;
        },
      }),
    });
    walked = 0;

    // Act
    const first = await sweepAsLambda(state, '10:20');
    const eventsAfterFirst = state.dog.windowEvents.sent.length;
    const withinLease = await sweepAsLambda(state, '10:21');
    const afterLease = await sweepAsLambda(state, '10:22');
    const later = await sweepAsLambda(state, '10:30');

    // Assess
    expect(first.notifications).toHaveLength(10);
    expect(first.windowEvents).toBe(0);
    expect(first.deferred).toBeGreaterThanOrEqual(10);
    expect(eventsAfterFirst).toBe(0);
    expect(withinLease.windowEvents).toBe(0);
    expect(afterLease.windowEvents).toBe(10);
    expect(later.windowEvents).toBe(0);
    const events = state.dog.windowEvents.sent;
    expect(events.map((event) => event.detailType)).toEqual(Array.from({ length: 10 }, () => 'Impact Window Opened'));
    expect(new Set(events.map((event) => event.detail.service)).size).toBe(10);
    expect(state.dog.notifier.sent).toHaveLength(10);
  });

  it(
    'leaves the re-checks of a service’s escalated operations it has no time for to the next sweep: each lost ' +
      'completion closed once',
    async () => {
      // Prepare: one service's 40 deployments paged at 10:20; then all of them completed, their
      // completion events lost, and each DescribeStacks answer takes the rest of the invocation.
      const state = await fleet({ stacks: 40, services: 1, status: 'UPDATE_IN_PROGRESS', pageCostMs: 0 });
      await sweepAsLambda(state, '10:20');
      Object.assign(state.cloudFormation, { status: 'UPDATE_COMPLETE', costMs: LAMBDA_TIMEOUT_MS, asked: 0 });

      // Act
      const short = await sweepAsLambda(state, '10:21');
      const askedInShort = state.cloudFormation.asked;
      state.cloudFormation.costMs = 0;
      const next = await sweepAsLambda(state, '10:22');
      const after = await sweepAsLambda(state, '10:23');

      // Assess: the short sweep asked no more than it had started when time ran out (one per
      // worker), and left the rest; the next closed those; each completion told once.
      expect(askedInShort).toBeLessThanOrEqual(DEFAULT_SWEEP_CONCURRENCY);
      expect(short.deferred).toBeGreaterThanOrEqual(40 - askedInShort);
      expect(short.notifications.map((sent) => sent.severity)).toEqual(
        Array.from({ length: askedInShort }, () => 'RESOLVED'),
      );
      expect(short.notifications.length + next.notifications.length).toBe(40);
      expect(after.notifications).toEqual([]);
      const resolved = state.dog.notifier.sent.filter((sent) => sent.severity === 'RESOLVED');
      expect(new Set(resolved.map((sent) => sent.stackId)).size).toBe(40);
      expect(resolved).toHaveLength(40);
    },
  );
});
