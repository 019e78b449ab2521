/**
 * Counts what a DynamoDBClient sends, at the SDK boundary (a middleware, as
 * test/support/counting-store.ts does), and estimates what DynamoDB on-demand would bill for it:
 * write and read request units from the marshalled items' sizes, GSI writes included. dynalite
 * reports no consumed capacity for indexes, so the units are computed here, by DynamoDB's rules:
 *
 * - item size as DynamoDB counts it (shared/adapters/item-size.ts);
 * - a write costs 1 WRU per KB of the larger of the old and the new item (a failed conditional
 *   write too); a strongly consistent read 1 RRU per 4 KB, an eventually consistent one half;
 *   a Query's units come from the summed size of the items it returns;
 * - a GSI costs a write whenever the write adds, changes or removes its entry: with ALL
 *   projection every change of the item does; a KEYS_ONLY index only when its keys change.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemSize, readUnits, writeUnits, type PlainItem } from '../shared/adapters/item-size.ts';
import { BY_NAME_INDEX, TO_SWEEP_INDEX, WINDOWS_BY_END_INDEX } from '../shared/adapters/table.ts';

type Item = PlainItem;

/** The table's indexes as table.ts declares them: their key attributes and projection. */
const INDEXES = [
  { name: TO_SWEEP_INDEX, keys: ['sweepPK', 'sweepSK'], all: false },
  { name: WINDOWS_BY_END_INDEX, keys: ['windowPK', 'windowSK'], all: true },
  { name: BY_NAME_INDEX, keys: ['namePK', 'nameSK'], all: false },
] as const;
const TABLE_KEYS = ['PK', 'SK'] as const;

function keyPart(item: Item, names: readonly string[]): Item | null {
  const part: Item = {};
  for (const name of names) {
    const value = item[name];
    if (value === undefined) return null;
    part[name] = value;
  }
  return part;
}

interface Sized {
  readonly item: Item;
  readonly size: number;
}

/** What an index holds of an item: everything (ALL: the item's size), or the table's and the index's keys. */
function indexEntry(sized: Sized | undefined, index: (typeof INDEXES)[number]): { keys: string; size: number } | null {
  if (!sized) return null;
  const keys = keyPart(sized.item, index.keys);
  if (!keys) return null;
  return {
    keys: JSON.stringify(keys),
    size: index.all ? sized.size : itemSize({ ...keyPart(sized.item, TABLE_KEYS), ...keys }),
  };
}

/** Units one GSI is charged when an item goes from `before` to `after`. */
function indexWriteUnits(before: Sized | undefined, after: Sized | undefined, index: (typeof INDEXES)[number]): number {
  const old = indexEntry(before, index);
  const next = indexEntry(after, index);
  if (!old && !next) return 0;
  if (!old && next) return writeUnits(next.size);
  if (old && !next) return writeUnits(old.size);
  if (old && next) {
    // A changed key is a delete plus a put; an unchanged one costs only when projected data
    // changed, which for ALL is every write the store makes (each one moves `version`).
    if (old.keys !== next.keys) return writeUnits(old.size) + writeUnits(next.size);
    return index.all ? writeUnits(next.size) : 0;
  }
  return 0;
}

export interface Tally {
  requests: number;
  byCommand: Record<string, number>;
  /** Queries by the index they read (`(table)` for the table itself). */
  queriesByIndex: Record<string, number>;
  /** Table plus GSI write request units. */
  writeUnits: number;
  gsiWriteUnits: number;
  /** GSI write units by index. */
  gsiWriteUnitsByIndex: Record<string, number>;
  /** Table write units (GSIs excluded) by kind of item: service state, raw event, archived window. */
  tableWriteUnitsByItem: Record<string, number>;
  readUnits: number;
  conditionalFailures: number;
  /** Largest item written, bytes; and the sizes of service state items written. */
  /**
   * Service state writes that stored nothing new: the item equals the one it replaced except for
   * `version` and `updatedAt` (counted only while {@link Meter.diagnose} is on).
   */
  redundantStateWrites: number;
  largestItem: number;
  stateItemBytes: number[];
  historyItemBytes: number[];
}

export function emptyTally(): Tally {
  return {
    requests: 0,
    byCommand: {},
    queriesByIndex: {},
    writeUnits: 0,
    gsiWriteUnits: 0,
    gsiWriteUnitsByIndex: {},
    tableWriteUnitsByItem: {},
    readUnits: 0,
    conditionalFailures: 0,
    redundantStateWrites: 0,
    largestItem: 0,
    stateItemBytes: [],
    historyItemBytes: [],
  };
}

export interface Meter {
  /** Where what is sent is counted now. */
  readonly tally: Tally;
  /** Counts into a new tally from now on and returns the one it replaces; known items are kept. */
  reset(): Tally;
  /** Counts into `tally` from now on (e.g. one per phase of a run). */
  use(tally: Tally): void;
  /** Turns the unit estimates off; requests are still counted. */
  sizing: boolean;
  /** Turns on the check for redundant state writes (a deep comparison: costs CPU). */
  diagnose: boolean;
}

/** JSON with keys sorted, so that two items that differ only in key order compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, element: unknown) =>
    element && typeof element === 'object' && !Array.isArray(element)
      ? Object.fromEntries(Object.entries(element as Item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : element,
  );
}

const withoutVersion = ({ version: _version, updatedAt: _updatedAt, ...rest }: Item): Item => rest;

const storeKey = (item: Item): string => `${String(item.PK)}\u0000${String(item.SK)}`;

/**
 * Meters every command `client` sends from now on. The middleware sits at the initialize step,
 * where a document client's commands still carry plain items (sized as DynamoDB will store them
 * once marshalled); it runs once per command (SDK retries below it are not counted: dynalite
 * never throttles). Sizes are estimated for the document client's writes and reads only.
 *
 * @example
 * const meter = meterClient(client);
 * await applyEvent(event, deps);
 * console.log(meter.tally.requests);
 */
export function meterClient(client: DynamoDBClient): Meter {
  /** The last image written of each rewritten item and its size, for what a replacing write is charged. */
  const known = new Map<string, Sized>();
  let tally = emptyTally();
  const meter: Meter = {
    get tally() {
      return tally;
    },
    reset() {
      const done = tally;
      tally = emptyTally();
      return done;
    },
    use(next) {
      tally = next;
    },
    sizing: true,
    diagnose: false,
  };

  const recordWrite = (item: Item, failed: boolean): void => {
    const key = storeKey(item);
    const before = known.get(key);
    if (failed) {
      tally.writeUnits += writeUnits(before?.size ?? 0);
      return;
    }
    const size = itemSize(item);
    const after: Sized = { item, size };
    tally.largestItem = Math.max(tally.largestItem, size);
    if (
      meter.diagnose &&
      before &&
      item.SK === 'STATE' &&
      canonical(withoutVersion(before.item)) === canonical(withoutVersion(item))
    ) {
      tally.redundantStateWrites++;
    }
    if (item.SK === 'STATE') tally.stateItemBytes.push(size);
    else if (String(item.PK).startsWith('STACK#')) tally.historyItemBytes.push(size);
    let gsi = 0;
    for (const index of INDEXES) {
      const units = indexWriteUnits(before, after, index);
      tally.gsiWriteUnitsByIndex[index.name] = (tally.gsiWriteUnitsByIndex[index.name] ?? 0) + units;
      gsi += units;
    }
    const table = writeUnits(Math.max(size, before?.size ?? 0));
    const kind = item.SK === 'STATE' ? 'state' : String(item.PK).startsWith('STACK#') ? 'rawEvent' : 'other';
    tally.tableWriteUnitsByItem[kind] = (tally.tableWriteUnitsByItem[kind] ?? 0) + table;
    tally.writeUnits += table + gsi;
    tally.gsiWriteUnits += gsi;
    // Raw events are written once (a redelivery rewrites the same item): only rewritten items are kept.
    if (kind !== 'rawEvent') known.set(key, after);
  };

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      tally.requests++;
      tally.byCommand[name] = (tally.byCommand[name] ?? 0) + 1;
      const input = args.input as {
        Item?: Item;
        Key?: Item;
        RequestItems?: Record<string, { PutRequest?: { Item?: Item } }[]>;
        ConsistentRead?: boolean;
        IndexName?: string;
      };
      if (name === 'QueryCommand') {
        const index = input.IndexName ?? '(table)';
        tally.queriesByIndex[index] = (tally.queriesByIndex[index] ?? 0) + 1;
      }
      try {
        const result = await next(args);
        if (!meter.sizing) return result;
        const output = result.output as { Item?: Item; Items?: Item[] };
        if (name === 'PutItemCommand' && input.Item) recordWrite(input.Item, false);
        if (name === 'BatchWriteItemCommand') {
          for (const requests of Object.values(input.RequestItems ?? {})) {
            for (const request of requests) if (request.PutRequest?.Item) recordWrite(request.PutRequest.Item, false);
          }
        }
        if (name === 'UpdateItemCommand') tally.writeUnits += 1;
        // A delete is billed by the size of the item it removes.
        if (name === 'DeleteItemCommand' && input.Key) {
          const key = storeKey(input.Key);
          tally.writeUnits += writeUnits(known.get(key)?.size ?? 0);
          known.delete(key);
        }
        if (name === 'GetItemCommand')
          tally.readUnits += readUnits(output.Item ? itemSize(output.Item) : 0, input.ConsistentRead === true);
        if (name === 'QueryCommand') {
          // A keys-only index returns keys; the sizes of what came back are what is billed.
          const bytes = (output.Items ?? []).reduce((sum, item) => sum + itemSize(item), 0);
          tally.readUnits += readUnits(bytes, input.ConsistentRead === true);
        }
        return result;
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
          tally.conditionalFailures++;
          if (meter.sizing && input.Item) recordWrite(input.Item, true);
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'benchMeter' },
  );
  return meter;
}
