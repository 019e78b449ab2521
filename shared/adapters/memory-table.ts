/**
 * The table in this process, for `replay`: the same items, keys, indexes and conditions as
 * DynamoDB, without HTTP, signing and marshalling (which were most of a replay's time). It is
 * held to DynamoDB's behaviour by the store's contract suite, which runs on dynalite, moto and
 * this; what DynamoDB refuses (an empty key, an item over 400 KB) it refuses too.
 */
import { itemSize, type PlainItem } from './item-size.ts';
import { keyAttributes, type ItemTable, type TableQuery } from './item-table.ts';
import { BY_NAME_INDEX, createTableInput, TO_SWEEP_INDEX, WINDOWS_BY_END_INDEX, type IndexName } from './table.ts';
import { WatchdogError } from '../errors.ts';

/** DynamoDB's item size limit. */
const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;

/**
 * What DynamoDB answers a request it refuses with, named the same (`ValidationException`). A
 * WatchdogError: the request is the store's own making, as DynamoDB's own answer would be no input error.
 */
export class MemoryTableValidationError extends WatchdogError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ValidationException';
  }
}

/**
 * DynamoDB orders string keys by their UTF-8 bytes, which is code point order; JavaScript's `<`
 * compares UTF-16 units, which differs only where a surrogate meets U+E000–U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  // Where either has no unit at or above U+D800, the first difference is the same either way.
  if (!WIDE.test(a) || !WIDE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

const WIDE = /[\uD800-\uFFFF]/;

const codePointRank = (unit: number): number =>
  unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit;

/**
 * An index row: its sort key, then the table key that makes it unique (DynamoDB leaves ties unordered; this fixes one
 * order).
 */
type Row = readonly [sort: string, pk: string, sk: string];

const compareRows = (a: Row, b: Row): number =>
  compareKeys(a[0], b[0]) || compareKeys(a[1], b[1]) || compareKeys(a[2], b[2]);

/** Rows kept sorted, found by binary search: a partition of the table (its sort keys) or of an index. */
class SortedRows<T> {
  readonly rows: T[] = [];

  constructor(
    private readonly compare: (a: T, b: T) => number,
    private readonly sortKeyOf: (row: T) => string,
    private readonly lowest: (sortKey: string) => T,
  ) {}

  /** The first position whose row is not before `row`. */
  private lowerBound(row: T): number {
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.rows[middle] as T, row) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  insert(row: T): void {
    const at = this.lowerBound(row);
    if (at < this.rows.length && this.compare(this.rows[at] as T, row) === 0) return;
    this.rows.splice(at, 0, row);
  }

  remove(row: T): void {
    const at = this.lowerBound(row);
    if (at < this.rows.length && this.compare(this.rows[at] as T, row) === 0) this.rows.splice(at, 1);
  }

  /** The rows whose sort key is within [from, to], in order. */
  range(from: string | undefined, to: string | undefined): T[] {
    const start = from === undefined ? 0 : this.lowerBound(this.lowest(from));
    const selected: T[] = [];
    for (let at = start; at < this.rows.length; at++) {
      const row = this.rows[at] as T;
      if (to !== undefined && compareKeys(this.sortKeyOf(row), to) > 0) break;
      selected.push(row);
    }
    return selected;
  }
}

/** A table partition's sort keys; an index partition's rows (sort key, then the item's key). */
const tableRows = (): SortedRows<string> =>
  new SortedRows<string>(
    compareKeys,
    (sk) => sk,
    (sk) => sk,
  );
const indexRows = (): SortedRows<Row> =>
  new SortedRows<Row>(
    compareRows,
    (row) => row[0],
    (sort) => [sort, '', ''],
  );

interface IndexDefinition {
  readonly name: IndexName;
  readonly partition: string;
  readonly sort: string;
  readonly keysOnly: boolean;
  readonly partitions: Map<string, SortedRows<Row>>;
}

interface IndexEntry {
  readonly index: IndexDefinition;
  readonly partition: string;
  readonly row: Row;
}

interface Stored {
  readonly text: string;
  readonly version: unknown;
  readonly indexed: readonly IndexEntry[];
}

export interface MemoryTable extends ItemTable {
  /** Every item, for copying the table elsewhere (`replay --db`). */
  items(): IterableIterator<PlainItem>;
  /** How many items it holds. */
  readonly size: number;
}

/**
 * An empty table of template.yaml's shape (table.ts), in this process.
 *
 * @example
 * const store = createStore(createMemoryTable());
 */
export function createMemoryTable(): MemoryTable {
  const tableKeys = keyAttributes();
  const projections = new Map(
    (createTableInput('').GlobalSecondaryIndexes ?? []).map((index) => [
      index.IndexName,
      index.Projection?.ProjectionType,
    ]),
  );
  const indexNames: readonly IndexName[] = [TO_SWEEP_INDEX, WINDOWS_BY_END_INDEX, BY_NAME_INDEX];
  const indexes: IndexDefinition[] = indexNames.map((name) => ({
    name,
    ...keyAttributes(name),
    keysOnly: projections.get(name) === 'KEYS_ONLY',
    partitions: new Map<string, SortedRows<Row>>(),
  }));
  // Items are kept as their JSON text: a copy no caller can change, and one flat string per item
  // for the garbage collector instead of an object graph (a month of history is 100,000s of items).
  // Beside it, what a put needs without parsing it: its version and its index entries.
  const partitions = new Map<
    string,
    { readonly pk: string; readonly keys: SortedRows<string>; readonly items: Map<string, Stored> }
  >();
  const read = (pk: string, sk: string): PlainItem | undefined => {
    const stored = partitions.get(pk)?.items.get(sk);
    return stored === undefined ? undefined : (JSON.parse(stored.text) as PlainItem);
  };
  let size = 0;

  const indexEntries = (item: PlainItem, pk: string, sk: string): IndexEntry[] => {
    const entries: IndexEntry[] = [];
    for (const index of indexes) {
      const partition = item[index.partition];
      const sort = item[index.sort];
      // Sparse: an item is in an index only when it has both of the index's key attributes.
      if (typeof partition === 'string' && typeof sort === 'string')
        entries.push({ index, partition, row: [sort === sk ? sk : sort, pk, sk] });
    }
    return entries;
  };

  function validate(item: PlainItem): void {
    for (const name of [tableKeys.partition, tableKeys.sort]) {
      const key = item[name];
      if (typeof key !== 'string' || key === '')
        throw new MemoryTableValidationError(`One or more parameter values were invalid: missing or empty key ${name}`);
    }
    for (const index of indexes) {
      for (const name of [index.partition, index.sort]) {
        const value = item[name];
        if (value !== undefined && (typeof value !== 'string' || value === '')) {
          throw new MemoryTableValidationError(
            `One or more parameter values are not valid: key ${name} of index ${index.name} must be a non-empty string`,
          );
        }
      }
    }
  }

  return {
    get size() {
      return size;
    },

    async get(pk, sk) {
      return read(pk, sk);
    },

    async put(item, expectedVersion) {
      validate(item);
      // JSON keeps what DynamoDB keeps: undefined attributes are dropped.
      const text = JSON.stringify(item);
      if (Buffer.byteLength(text) > DYNAMODB_ITEM_LIMIT_BYTES && itemSize(item) > DYNAMODB_ITEM_LIMIT_BYTES) {
        throw new MemoryTableValidationError('Item size has exceeded the maximum allowed size');
      }
      const pk = String(item[tableKeys.partition]);
      const sk = String(item[tableKeys.sort]);
      let partition = partitions.get(pk);
      const existing = partition?.items.get(sk);
      if (
        expectedVersion !== undefined &&
        (expectedVersion === 0 ? existing !== undefined : existing?.version !== expectedVersion)
      )
        return false;
      if (!partition) {
        partition = { pk, keys: tableRows(), items: new Map() };
        partitions.set(pk, partition);
      }
      // One copy of each key string for the item, its rows and its index entries (a month of history is many).
      const indexed = indexEntries(item, partition.pk, sk);
      // Most writes leave an item's index entries as they were: only those that change move.
      const kept = (entry: IndexEntry, among: readonly IndexEntry[]): boolean =>
        among.some(
          (other) =>
            other.index === entry.index && other.partition === entry.partition && other.row[0] === entry.row[0],
        );
      if (existing) {
        for (const entry of existing.indexed)
          if (!kept(entry, indexed)) entry.index.partitions.get(entry.partition)?.remove(entry.row);
      } else {
        partition.keys.insert(sk);
        size++;
      }
      partition.items.set(sk, { text, version: item.version, indexed });
      for (const entry of indexed) {
        if (existing && kept(entry, existing.indexed)) continue;
        let rows = entry.index.partitions.get(entry.partition);
        if (!rows) {
          rows = indexRows();
          entry.index.partitions.set(entry.partition, rows);
        }
        rows.insert(entry.row);
      }
      return true;
    },

    async delete(pk, sk) {
      const partition = partitions.get(pk);
      const existing = partition?.items.get(sk);
      if (!partition || !existing) return;
      for (const entry of existing.indexed) entry.index.partitions.get(entry.partition)?.remove(entry.row);
      partition.items.delete(sk);
      partition.keys.remove(sk);
      size--;
      if (partition.items.size === 0) partitions.delete(pk);
    },

    async query(query: TableQuery) {
      const limit = <T>(rows: T[]): T[] => {
        if (query.reverse) rows.reverse();
        return query.limit === undefined ? rows : rows.slice(0, query.limit);
      };
      const index = query.index === undefined ? undefined : indexes.find((candidate) => candidate.name === query.index);
      if (!index) {
        const sortKeys = limit(partitions.get(query.partition)?.keys.range(query.from, query.to) ?? []);
        return sortKeys.flatMap((sk): PlainItem[] => {
          const item = read(query.partition, sk);
          return item ? [item] : [];
        });
      }
      const rows = limit(index.partitions.get(query.partition)?.range(query.from, query.to) ?? []);
      return rows.flatMap(([sort, pk, sk]): PlainItem[] => {
        if (index.keysOnly)
          return [
            { [tableKeys.partition]: pk, [tableKeys.sort]: sk, [index.partition]: query.partition, [index.sort]: sort },
          ];
        const item = read(pk, sk);
        return item ? [item] : [];
      });
    },

    async partitionsIn(indexName, prefix) {
      const index = indexes.find((candidate) => candidate.name === indexName);
      const found = new Set<string>();
      for (const partition of index?.partitions.values() ?? [])
        for (const [, pk] of partition.range(undefined, undefined)) if (pk.startsWith(prefix)) found.add(pk);
      return [...found].sort();
    },

    *items() {
      for (const partition of partitions.values())
        for (const stored of partition.items.values()) yield JSON.parse(stored.text) as PlainItem;
    },
  };
}
