/**
 * DESIGN.md, late events: "An event that arrives up to 7 days late counts exactly as if it had
 * arrived on time, however busy its service is and however long another of its stacks hangs".
 * Tested through the replay (its contract outlives any storage design): the same busy history
 * delivered on time and with one stack's events late must record and notify the same.
 */
import { describe, expect, it } from 'vitest';
import { replay } from '../../cli/replay.ts';
import type { Delivery } from '../../cli/replay-input.ts';
import { silentLog } from '../../shared/app/log.ts';
import { parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import { DEFAULT_CONFIG, configFromText } from '../../shared/domain/config.ts';
import { formatInstant } from '../../shared/domain/time.ts';
import { stackEvent, type StackSpec } from '../support/events.ts';

const MIN = 60_000;
const START = Date.parse('2024-03-05T00:00:00Z');
/** Long enough for shop-api to fold its history by size many times over. */
const MINUTES = 5 * 60;
/** shop-worker fails every this many minutes, each of its events later than that: one is always on its way. */
const EVERY = 6;
const WORKER_DELAY_MS = 8 * MIN;
const config = configFromText({ serviceRules: ['shop=^shop-'] });
const api: StackSpec = { name: 'shop-api' };
const worker: StackSpec = { name: 'shop-worker' };

/**
 * A busy service: shop-api deploys every minute (UPDATE_IN_PROGRESS at :00, UPDATE_COMPLETE at
 * :20); every {@link EVERY} minutes shop-worker fails an update (in progress at :40, rolling back
 * at :45, rolled back at :50), each of its events delivered `workerDelayMs` late: when the
 * service's history is folded, a failure dated before the fold is still on its way.
 */
function busyService(workerDelayMs: number): Delivery[] {
  const deliveries: Delivery[] = [];
  const add = (stack: StackSpec, at: number, status: string, delay = 0): void => {
    const event = parseCloudFormationEvent(
      stackEvent(stack, formatInstant(at), status, '', `event-${deliveries.length}`),
    );
    deliveries.push({ index: deliveries.length, deliverAt: at + delay, event });
  };
  for (let minute = 0; minute < MINUTES; minute++) {
    const at = START + minute * MIN;
    add(api, at, 'UPDATE_IN_PROGRESS');
    add(api, at + 20_000, 'UPDATE_COMPLETE');
    if (minute % EVERY !== 0) continue;
    add(worker, at + 40_000, 'UPDATE_IN_PROGRESS', workerDelayMs);
    add(worker, at + 45_000, 'UPDATE_ROLLBACK_IN_PROGRESS', workerDelayMs);
    add(worker, at + 50_000, 'UPDATE_ROLLBACK_COMPLETE', workerDelayMs);
  }
  return deliveries;
}

const UNTIL = START + MINUTES * MIN + 30 * MIN;

describe('late events in a busy service', () => {
  it('count as if on time after the service has folded its history by size: every FAILED, every window', async () => {
    // Prepare
    const late = busyService(WORKER_DELAY_MS);

    // Act
    const result = await replay(late, [], { config, until: UNTIL, log: silentLog });

    // Assess: each failed update of shop-worker is a FAILED and a window of its own, from its
    // start to its rollback's end (shop-api is between deployments then), as on-time delivery gives.
    expect(late.length).toBeGreaterThan(10 * DEFAULT_CONFIG.maxStackRecords);
    const failures = Array.from({ length: MINUTES / EVERY }, (_, i) => START + i * EVERY * MIN + 40_000);
    expect(result.windows.map((window) => [window.start, window.end, window.peakSeverity])).toEqual(
      failures.map((start) => [start, start + 10_000, 'FAILED']),
    );
    expect(result.notifications.map((n) => [n.severity, n.stackName, n.startedAt, n.status])).toEqual(
      failures.map((start) => ['FAILED', 'shop-worker', start, 'UPDATE_ROLLBACK_COMPLETE']),
    );
    const worker = result.operations.filter(({ operation }) => operation.stackName === 'shop-worker');
    expect(
      worker.map(({ operation, peakSeverity }) => [
        operation.start,
        operation.state === 'ended' ? operation.end : null,
        peakSeverity,
      ]),
    ).toEqual(failures.map((start) => [start, start + 10_000, 'FAILED']));
  }, 120_000);
});

describe('a late event in a large service', () => {
  /** 120 stacks deploying together every 3 hours for 3.5 days: each folds its history by size. */
  const STACKS = 120;
  const WAVES = 28;
  const WAVE_EVERY = 3 * 60 * MIN;
  /** shop-000 fails in the second wave; its events are delivered three days later (within the 7-day horizon). */
  const FAILED_WAVE = 1;
  const LATE_MS = 3 * 24 * 60 * MIN;

  function largeService(lateMs: number): Delivery[] {
    const deliveries: Delivery[] = [];
    const add = (stack: StackSpec, at: number, status: string, delay = 0): void => {
      const event = parseCloudFormationEvent(
        stackEvent(stack, formatInstant(at), status, '', `event-${deliveries.length}`),
      );
      deliveries.push({ index: deliveries.length, deliverAt: at + delay, event });
    };
    for (let wave = 0; wave < WAVES; wave++) {
      for (let index = 0; index < STACKS; index++) {
        const stack = {
          name: `shop-${String(index).padStart(3, '0')}`,
          uuid: `${String(index).padStart(8, '0')}-1b15-11ec-a8f1-0254c7e39ab2`,
        };
        const at = START + wave * WAVE_EVERY + index * 1000;
        if (wave === FAILED_WAVE && index === 0) {
          add(stack, at, 'UPDATE_IN_PROGRESS', lateMs);
          add(stack, at + 60_000, 'UPDATE_ROLLBACK_IN_PROGRESS', lateMs);
          add(stack, at + 90_000, 'UPDATE_ROLLBACK_COMPLETE', lateMs);
        } else {
          add(stack, at, 'UPDATE_IN_PROGRESS');
          add(stack, at + 60_000, 'UPDATE_COMPLETE');
        }
      }
    }
    return deliveries;
  }

  it('counts three days late exactly as on time, after every stack folded its history: the one FAILED, the one ' +
    'window', async () => {
    // Prepare
    const until = START + WAVES * WAVE_EVERY;
    const failedAt = START + FAILED_WAVE * WAVE_EVERY;

    // Act
    const onTime = await replay(largeService(0), [], { config, until, log: silentLog });
    const late = await replay(largeService(LATE_MS), [], { config, until, log: silentLog });

    // Assess: the late run records what the on-time run records (the FAILED itself is sent when
    // its events arrive, three days on). The window runs from the failure's start until the
    // wave's last stack settled, 119 s + 60 s after it, and names the whole wave.
    expect(WAVES * 2).toBeGreaterThan(DEFAULT_CONFIG.maxStackRecords);
    const windowsOf = (result: typeof late) =>
      result.windows.map((window) => [window.start, window.end, window.peakSeverity, window.stacks]);
    const wave = Array.from({ length: STACKS }, (_, index) => `shop-${String(index).padStart(3, '0')}`);
    expect(windowsOf(late)).toEqual([[failedAt, failedAt + 179_000, 'FAILED', wave]]);
    expect(windowsOf(late)).toEqual(windowsOf(onTime));
    const sent = (result: typeof late) =>
      result.notifications.map((n) => [n.severity, n.stackName, n.startedAt, n.status]);
    expect(sent(late)).toEqual([['FAILED', 'shop-000', failedAt, 'UPDATE_ROLLBACK_COMPLETE']]);
    expect(sent(late)).toEqual(sent(onTime));
    expect(late.operations).toHaveLength(STACKS * WAVES);
  }, 120_000);
});

describe('a late event that shortens an operation', () => {
  const windowsOf = (result: Awaited<ReturnType<typeof replay>>) =>
    result.windows.map((window) => [
      formatInstant(window.start),
      window.end === null ? null : formatInstant(window.end),
      window.peakSeverity,
    ]);
  /** Deliveries of `stack`'s statuses, each at its own time unless a delay is given. */
  function deliveries(stack: StackSpec, statuses: readonly [string, string, number?][]): Delivery[] {
    return statuses.map(([clock, status, delayMs = 0], index) => {
      const at = Date.parse(`2024-03-05T${clock}Z`);
      const event = parseCloudFormationEvent(stackEvent(stack, formatInstant(at), status, '', `event-${index}`));
      return { index, deliverAt: at + delayMs, event };
    });
  }
  const until = Date.parse('2024-03-05T12:00:00Z');

  it.each([
    {
      what: 'a 19-minute deletion whose DELETE_COMPLETE comes 16 minutes late: no window, the one announced withdrawn',
      statuses: [
        ['10:00:00', 'DELETE_IN_PROGRESS'],
        ['10:19:00', 'DELETE_COMPLETE', 16 * MIN],
      ] as [string, string, number?][],
      windows: [],
      // Opened when it ran past 20 minutes, withdrawn when its end came.
      said: [
        ['Impact Window Opened', '2024-03-05T10:00:00Z', null, false],
        ['Impact Window Closed', '2024-03-05T10:00:00Z', '2024-03-05T10:00:00Z', true],
      ],
    },
    {
      what: 'an update whose end never came, cut at 19 minutes by an import whose start comes 21 minutes late',
      statuses: [
        ['10:00:00', 'UPDATE_IN_PROGRESS'],
        ['10:19:00', 'IMPORT_IN_PROGRESS', 21 * MIN],
        ['11:45:00', 'IMPORT_COMPLETE'],
      ] as [string, string, number?][],
      windows: [['2024-03-05T10:19:00Z', '2024-03-05T11:45:00Z', 'CRITICAL']],
      // Opened for the update, which goes on as the import's window.
      said: [
        ['Impact Window Opened', '2024-03-05T10:00:00Z', null, false],
        ['Impact Window Closed', '2024-03-05T10:19:00Z', '2024-03-05T11:45:00Z', false],
      ],
    },
  ])('records what on-time delivery records: $what', async ({ statuses, windows, said }) => {
    // Prepare
    const stack: StackSpec = { name: 'billing' };
    const late = deliveries(stack, statuses);
    const onTime = deliveries(
      stack,
      statuses.map(([clock, status]) => [clock, status]),
    );

    // Act
    const expected = await replay(onTime, [], { config, until, log: silentLog });
    const actual = await replay(late, [], { config, until, log: silentLog });

    // Assess
    expect(windowsOf(expected)).toEqual(windows);
    expect(windowsOf(actual)).toEqual(windows);
    const told = actual.windowEvents.map(({ event: { detailType, detail } }) => [
      detailType,
      detail.start,
      detail.end,
      detail.withdrawn,
    ]);
    expect(told).toEqual(said);
  });
});
