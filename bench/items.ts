/**
 * The largest DynamoDB item each shape of bench/item-shapes.ts leaves (issue 14): every shape run
 * through `applyEvent` and `sweep` in virtual time against dynalite in this process, a table of
 * its own, then every item of the table measured with the store's own `itemSize` (UTF-8, as
 * DynamoDB counts; dynalite counts UTF-16 units and would accept far larger items). The bound the
 * store keeps is `MAX_ITEM_BYTES` (64 KB); test/app/item-bounds.test.ts asserts it and more.
 */
import { createDynamoDbStore, ensureTable } from '../shared/adapters/dynamodb-store.ts';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../shared/adapters/embedded-dynamodb.ts';
import { itemSize, type PlainItem } from '../shared/adapters/item-size.ts';
import { createDynamoDbTable } from '../shared/adapters/item-table.ts';
import { applyEvent } from '../shared/app/apply-event.ts';
import type { WatchdogStore } from '../shared/app/ports.ts';
import { sweep } from '../shared/app/sweep.ts';
import { MINUTE_MS, type Instant } from '../shared/domain/time.ts';
import { progress, recordingDeps, type RecordingDeps } from './harness.ts';
import { ITEM_SHAPES, type ItemShape } from './item-shapes.ts';

export interface ItemBounds {
  /** The largest item of all shapes, in bytes as DynamoDB counts them. */
  readonly maxItemBytes: number;
  /** The largest item of each shape, by the shape's name. */
  readonly byShape: Record<string, number>;
}

/** The largest item of a scanned table and its key, for people reading the progress. */
export interface LargestItem {
  readonly bytes: number;
  readonly pk: string;
  readonly sk: string;
}

/**
 * Runs `shape` as production would, minute by minute: each event applied at its own time, a sweep
 * at every `sweepEveryMinutes`-th whole minute up to `until`. A sweep that cannot finish throws.
 */
export async function runShape(shape: ItemShape, store: WatchdogStore): Promise<RecordingDeps> {
  const deps = recordingDeps(store, shape.config, shape.stacks);
  let now: Instant = shape.start;
  const use = { ...deps.with(() => now), inspector: shape.inspector };
  const every = shape.sweepEveryMinutes * MINUTE_MS;
  let next = 0;
  const events = shape.events;
  for (let minute = Math.floor(shape.start / MINUTE_MS) * MINUTE_MS; minute <= shape.until; minute += MINUTE_MS) {
    for (let event = events[next]; event && event.time <= minute; event = events[++next]) {
      now = event.time;
      await applyEvent(event, use);
    }
    now = minute;
    if (minute % every === 0) await sweep(use);
  }
  if (next < events.length)
    throw new Error(
      `bench: ${shape.name} ends at ${new Date(shape.until).toISOString()}, before ${events.length - next} of its ` +
        `events`,
    );
  return deps;
}

/** Every item of `tableName`, as a person would see them in the console. */
export async function scanTable(db: EmbeddedDynamoDb, tableName: string): Promise<PlainItem[]> {
  // A client of its own: DynamoDBDocumentClient.from changes how the wrapped client marshals.
  return createDynamoDbTable({ client: db.client(), tableName }).scanAll();
}

export function largestItem(items: readonly PlainItem[]): LargestItem {
  let largest: LargestItem = { bytes: 0, pk: '', sk: '' };
  for (const item of items) {
    const bytes = itemSize(item);
    if (bytes > largest.bytes) largest = { bytes, pk: String(item.PK), sk: String(item.SK) };
  }
  return largest;
}

/**
 * The largest item each shape leaves, and the largest of all. One to one and a half minutes on
 * 2 cores.
 *
 * @example
 * const { maxItemBytes, byShape } = await benchItemBounds(); // byShape: { nested150: …, waves300: …, hang30h: … }
 */
export async function benchItemBounds(): Promise<ItemBounds> {
  const db = await startEmbeddedDynamoDb();
  try {
    const byShape: Record<string, number> = {};
    for (const makeShape of ITEM_SHAPES) {
      const shape = makeShape();
      const tableName = `cfn-watchdog-items-${shape.name}`;
      const client = db.client();
      await ensureTable(client, tableName);
      await runShape(shape, createDynamoDbStore({ client, tableName }));
      const largest = largestItem(await scanTable(db, tableName));
      byShape[shape.name] = largest.bytes;
      progress(
        `items: ${shape.name}: ${shape.events.length} events, largest item ${largest.bytes} bytes (${largest.sk})`,
      );
    }
    return { maxItemBytes: Math.max(...Object.values(byShape)), byShape };
  } finally {
    await db.close();
  }
}
