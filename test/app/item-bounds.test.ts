/**
 * DESIGN.md, access pattern 1: no item grows with the number of a service's stacks or with its
 * history; every item stays under 64 KB as DynamoDB counts it (UTF-8). Each shape of
 * bench/item-shapes.ts (which bench/items.ts measures too) is run through the use cases on a real
 * (embedded) DynamoDB, then measured item by item with the project's own size function: dynalite
 * counts UTF-16 units and would accept far larger items.
 */
import { describe, expect, it } from 'vitest';
import { itemSize } from '../../shared/adapters/item-size.ts';
import { MAX_ITEM_BYTES } from '../../shared/adapters/store-items.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { Severity } from '../../shared/domain/severity.ts';
import { formatInstant, MINUTE_MS, type Instant } from '../../shared/domain/time.ts';
import { WindowEventType } from '../../shared/domain/window-events.ts';
import { hangShape, nestedShape, wavesShape, type ItemShape } from '../../bench/item-shapes.ts';
import { freshStore } from '../support/dynamodb.ts';
import { rawTable, runInVirtualTime, watchdog } from '../support/watchdog.ts';

const HOUR_MS = 60 * MINUTE_MS;

interface SizedItem {
  readonly pk: string;
  readonly sk: string;
  readonly bytes: number;
  readonly item: Record<string, unknown>;
}

const sized = (item: Record<string, unknown>): SizedItem => ({
  pk: String(item.PK),
  sk: String(item.SK),
  bytes: itemSize(item),
  item,
});
const largestOf = (items: readonly SizedItem[]): SizedItem =>
  items.reduce((max, item) => (item.bytes > max.bytes ? item : max));
/** What an assertion prints of an item: its key and size, not its hundreds of events. */
const described = ({ pk, sk, bytes }: SizedItem): string => JSON.stringify({ pk, sk: sk.slice(0, 90), bytes });
const stackItems = (items: readonly SizedItem[]): SizedItem[] => items.filter((item) => item.sk.startsWith('STACK#'));
const eventsOf = (item: SizedItem): unknown[] => (Array.isArray(item.item.events) ? item.item.events : []);

/**
 * Runs `shape` through the use cases (each event at its time, a sweep every
 * `sweepEveryMinutes`-th minute), calling `afterSweep` after each; returns every item of the table.
 */
async function runShape(
  shape: ItemShape,
  afterSweep: (now: Instant, tableName: string) => Promise<void> = async () => {},
) {
  const { store, tableName } = await freshStore();
  const dog = watchdog(store, {
    now: formatInstant(shape.start),
    config: shape.config,
    stacks: shape.stacks,
    inspector: shape.inspector,
  });
  const every = shape.sweepEveryMinutes * MINUTE_MS;
  await runInVirtualTime(dog, shape.events, formatInstant(shape.until), undefined, async () => {
    if (dog.clock.now % every !== 0) return;
    await sweep(dog.deps);
    await afterSweep(dog.clock.now, tableName);
  });
  const items = (await rawTable(tableName).scan()).map(sized);
  return { dog, store, items };
}

describe('item sizes as DynamoDB counts them', () => {
  it('stay under 64 KB for a root with 150 nested stacks deploying ok, failed, ok, failed with long non-ASCII ' +
    'reasons', async () => {
    // Prepare: four deployments of the root, 30 minutes apart; in the failed ones every nested
    // stack rolls back with a 300-character reason.
    const shape = nestedShape();

    // Act
    const { dog, store, items } = await runShape(shape);

    // Assess
    const largest = largestOf(items);
    expect(largest.bytes, described(largest)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
    // The heaviest is a failed deployment's window: the names of its 151 stacks, in the window and
    // in what was announced of it (one item per service held every stack's events before: ~390 KB).
    expect(largest.sk).toMatch(/^WINDOW#/);
    expect(largest.bytes).toBeGreaterThan(20_000);
    expect(stackItems(items).every((item) => item.bytes < 16_384)).toBe(true);
    // The service's windows (one per failed deployment) name every nested stack that took part.
    const windows = await store.windowsOverlapping({ from: shape.start, to: shape.until });
    expect(windows.map((window) => window.peakSeverity)).toEqual(['FAILED', 'FAILED']);
    expect(dog.notifier.sent.filter((sent) => sent.severity === Severity.FAILED).map((sent) => sent.stackName)).toEqual(
      [shape.root.name, shape.root.name],
    );
  }, 300_000);

  it('stay under 64 KB for a 300-stack service deploying in waves, with a window for each failed wave ' +
    'alone', async () => {
    // Prepare: three rounds an hour apart, each six waves of 50 stacks five minutes apart; five
    // waves in all have five stacks roll back with 300-character non-ASCII reasons. The third
    // round folds every stack (the shape folds at 8 records).
    const shape = wavesShape();
    const failedWaves = shape.waves.filter((wave) => wave.failed.length > 0);
    const servicePrefix = `123456789012#eu-central-1#${shape.service}#`;

    // Act
    const { dog, store, items } = await runShape(shape);

    // Assess
    const largest = largestOf(items);
    expect(largest.bytes, described(largest)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
    // Kept under the bound by folding, not by cutting history or names to fit.
    const stacks = stackItems(items);
    expect(stacks).toHaveLength(shape.stackList.length);
    expect(stacks.filter((item) => item.item.cutEvents !== undefined).map(described)).toEqual([]);
    expect(stacks.filter((item) => eventsOf(item).length > shape.config.maxStackRecords).map(described)).toEqual([]);
    expect(items.filter((item) => item.sk.startsWith('PAGE#')).length).toBeGreaterThanOrEqual(shape.stackList.length);
    // Each failed wave is a window of its own: from its first failed deployment's start to its
    // last stack's end, naming exactly that wave's 50 stacks; every other wave left none.
    const windows = await store.windowsOverlapping({ from: shape.start, to: shape.until });
    expect(
      windows.map((window) => ({
        start: window.start,
        end: window.end,
        peak: window.peakSeverity,
        stacks: [...window.stacks].sort(),
      })),
    ).toEqual(
      failedWaves.map((wave) => ({
        start: wave.firstFailureStart,
        end: wave.end,
        peak: 'FAILED',
        stacks: wave.stacks.map((stack) => stack.name).sort(),
      })),
    );
    const announced = dog.windowEvents.sent.map((event) => `${event.detail.windowId} ${event.detailType}`).sort();
    expect(announced).toEqual(
      failedWaves
        .flatMap((wave) =>
          [WindowEventType.CLOSED, WindowEventType.OPENED].map(
            (type) => `${servicePrefix}${formatInstant(wave.firstFailureStart ?? 0)} ${type}`,
          ),
        )
        .sort(),
    );
    // One FAILED per rolled-back deployment, nothing escalated.
    const failedSent = dog.notifier.sent
      .filter((sent) => sent.severity === Severity.FAILED)
      .map((sent) => sent.stackName);
    expect(failedSent.sort()).toEqual(failedWaves.flatMap((wave) => wave.failed.map((stack) => stack.name)).sort());
    expect(
      dog.notifier.sent.filter((sent) => sent.severity === Severity.WARNING || sent.severity === Severity.CRITICAL),
    ).toEqual([]);
  }, 300_000);

  it('stay under 64 KB for a stack hanging 30 hours among 60 neighbours deploying every 2 minutes, its item not ' +
    'growing with theirs', async () => {
    // Prepare: the stack's certificate waits for DNS validation for 30 hours; one of its 60
    // neighbours deploys every 2 minutes (2,700 events); CRITICAL reminders every 4 hours.
    // Scaled (the shape says why): a sweep every 10 minutes of virtual time.
    const shape = hangShape();
    const hangingKey = { pk: `SERVICE#123456789012#eu-central-1#${shape.service}`, sk: `STACK#${shape.hanging.arn}` };
    const earlyAt = shape.hangStart + 5 * HOUR_MS;
    let early: SizedItem | undefined;

    // Act
    const { dog, store, items } = await runShape(shape, async (now, tableName) => {
      if (now !== earlyAt) return;
      const item = await rawTable(tableName).get(hangingKey.pk, hangingKey.sk);
      early = item && sized(item);
    });

    // Assess
    const largest = largestOf(items);
    expect(largest.bytes, described(largest)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
    // Escalated once per severity, then reminded every 4 hours: the CRITICAL at 40 minutes and
    // reminders at 4 h 40 min, 8 h 40 min, …, 28 h 40 min.
    const pages = dog.notifier.sent.filter((sent) => sent.stackId === shape.hanging.arn);
    expect(
      pages.map((sent) => ({
        severity: sent.severity,
        reminder: sent.reminder,
        afterMinutes: (sent.at - shape.hangStart) / MINUTE_MS,
      })),
    ).toEqual([
      { severity: Severity.WARNING, reminder: 0, afterMinutes: 20 },
      { severity: Severity.CRITICAL, reminder: 0, afterMinutes: 40 },
      ...Array.from({ length: 7 }, (_, index) => ({
        severity: Severity.CRITICAL,
        reminder: index + 1,
        afterMinutes: 40 + (index + 1) * 240,
      })),
    ]);
    expect(dog.notifier.sent.filter((sent) => sent.stackId !== shape.hanging.arn)).toEqual([]);
    // The hanging stack's item holds its own event and claims, the latest reminder standing in for
    // the ones before: after 25 more hours of its neighbours' deployments it is the same size but
    // for its version's digits.
    const hangingItem = items.find((item) => item.pk === hangingKey.pk && item.sk === hangingKey.sk);
    if (!hangingItem || !early) throw new Error('the hanging stack has no item');
    expect(eventsOf(hangingItem)).toHaveLength(1);
    expect(hangingItem.item.claims).toHaveLength(3);
    expect(hangingItem.bytes - early.bytes, `${described(early)} → ${described(hangingItem)}`).toBeLessThanOrEqual(2);
    // Every neighbour deployed 15 times (45 events) and folded by size.
    const neighbours = stackItems(items).filter((item) => item !== hangingItem);
    expect(neighbours).toHaveLength(shape.neighbours.length);
    expect(neighbours.filter((item) => eventsOf(item).length > shape.config.maxStackRecords).map(described)).toEqual(
      [],
    );
    expect(neighbours.filter((item) => item.item.cutEvents !== undefined).map(described)).toEqual([]);
    // One window, still open, from the hang's start at CRITICAL, naming the stack and every neighbour.
    const windows = await store.windowsOverlapping({ from: shape.start, to: shape.until });
    expect(
      windows.map((window) => ({
        start: window.start,
        end: window.end,
        peak: window.peakSeverity,
        stacks: window.stacks.length,
      })),
    ).toEqual([{ start: shape.hangStart, end: null, peak: Severity.CRITICAL, stacks: 1 + shape.neighbours.length }]);
  }, 300_000);
});
