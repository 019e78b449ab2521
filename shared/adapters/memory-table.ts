/**
 * The table in this process, for `replay`: the same items, keys, indexes and conditions as
 * DynamoDB, without HTTP, signing and marshalling (which were most of a replay's time). It is
 * held to DynamoDB's behaviour by the store's contract suite, which runs on dynalite, moto and
 * this; what DynamoDB refuses (an empty key, an item over 400 KB) it refuses too.
 */
import { itemSize, type PlainItem } from './item-size.ts';
import { keyAttributes, type ItemTable, type TableQuery } from './item-table.ts';
import { BY_NAME_INDEX, createTableInput, TO_SWEEP_INDEX, WINDOWS_BY_END_INDEX, type IndexName } from './table.ts';

/** DynamoDB's item size limit. */
const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;

/** What DynamoDB answers a request it refuses with, named the same (`ValidationException`). */
export class MemoryTableValidationError extends Error {
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
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

const codePointRank = (unit: number): number => (unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit);

/** An index row: its sort key, then the table key that makes it unique (DynamoDB leaves ties unordered; this fixes one order). */
type Row = readonly [sort: string, pk: string, sk: string];

const compareRows = (a: Row, b: Row): number => compareKeys(a[0], b[0]) || compareKeys(a[1], b[1]) || compareKeys(a[2], b[2]);

/** Rows kept sorted, found by binary search: a partition of the table or of an index. */
class SortedRows {
  readonly rows: Row[] = [];

  /** The first position whose row is not before `row`. */
  private lowerBound(row: Row): number {
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const candidate = this.rows[middle];
      if (candidate !== undefined && compareRows(candidate, row) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  insert(row: Row): void {
    const at = this.lowerBound(row);
    const found = this.rows[at];
    if (found !== undefined && compareRows(found, row) === 0) return;
    this.rows.splice(at, 0, row);
  }

  remove(row: Row): void {
    const at = this.lowerBound(row);
    const found = this.rows[at];
    if (found !== undefined && compareRows(found, row) === 0) this.rows.splice(at, 1);
  }

  /** The rows whose sort key is within [from, to], in order. */
  range(from: string | undefined, to: string | undefined): Row[] {
    const start = from === undefined ? 0 : this.lowerBound([from, '', '']);
    const selected: Row[] = [];
    for (let at = start; at < this.rows.length; at++) {
      const row = this.rows[at];
      if (row === undefined || (to !== undefined && compareKeys(row[0], to) > 0)) break;
      selected.push(row);
    }
    return selected;
  }
}

interface IndexDefinition {
  readonly name: IndexName;
  readonly partition: string;
  readonly sort: string;
  readonly keysOnly: boolean;
  readonly partitions: Map<string, SortedRows>;
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
  const projections = new Map((createTableInput('').GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index.Projection?.ProjectionType]));
  const indexNames: readonly IndexName[] = [TO_SWEEP_INDEX, WINDOWS_BY_END_INDEX, BY_NAME_INDEX];
  const indexes: IndexDefinition[] = indexNames.map((name) => ({
    name,
    ...keyAttributes(name),
    keysOnly: projections.get(name) === 'KEYS_ONLY',
    partitions: new Map<string, SortedRows>(),
  }));
  // Items are kept as their JSON text: a copy no caller can change, and one flat string per item
  // for the garbage collector instead of an object graph (a month of history is 100,000s of items).
  // Beside it, what a put needs without parsing it: its version and its index entries.
  const partitions = new Map<string, { readonly keys: SortedRows; readonly items: Map<string, Stored> }>();
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
      if (typeof partition === 'string' && typeof sort === 'string') entries.push({ index, partition, row: [sort, pk, sk] });
    }
    return entries;
  };

  function validate(item: PlainItem): void {
    for (const name of [tableKeys.partition, tableKeys.sort]) {
      const key = item[name];
      if (typeof key !== 'string' || key === '') throw new MemoryTableValidationError(`One or more parameter values were invalid: missing or empty key ${name}`);
    }
    for (const index of indexes) {
      for (const name of [index.partition, index.sort]) {
        const value = item[name];
        if (value !== undefined && (typeof value !== 'string' || value === '')) {
          throw new MemoryTableValidationError(`One or more parameter values are not valid: key ${name} of index ${index.name} must be a non-empty string`);
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
      if (expectedVersion !== undefined && (expectedVersion === 0 ? existing !== undefined : existing?.version !== expectedVersion)) return false;
      if (!partition) {
        partition = { keys: new SortedRows(), items: new Map() };
        partitions.set(pk, partition);
      }
      if (existing) for (const entry of existing.indexed) entry.index.partitions.get(entry.partition)?.remove(entry.row);
      else {
        partition.keys.insert([sk, pk, sk]);
        size++;
      }
      const indexed = indexEntries(item, pk, sk);
      partition.items.set(sk, { text, version: item['version'], indexed });
      for (const entry of indexed) {
        let rows = entry.index.partitions.get(entry.partition);
        if (!rows) {
          rows = new SortedRows();
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
      partition.keys.remove([sk, pk, sk]);
      size--;
      if (partition.items.size === 0) partitions.delete(pk);
    },

    async query(query: TableQuery) {
      const index = query.index === undefined ? undefined : indexes.find((candidate) => candidate.name === query.index);
      const rows = index ? index.partitions.get(query.partition) : partitions.get(query.partition)?.keys;
      const selected = rows?.range(query.from, query.to) ?? [];
      if (query.reverse) selected.reverse();
      const limited = query.limit === undefined ? selected : selected.slice(0, query.limit);
      return limited.flatMap(([sort, pk, sk]) => {
        if (index?.keysOnly) return [{ [tableKeys.partition]: pk, [tableKeys.sort]: sk, [index.partition]: query.partition, [index.sort]: sort }];
        const item = read(pk, sk);
        return item ? [item] : [];
      });
    },

    *items() {
      for (const partition of partitions.values()) for (const stored of partition.items.values()) yield JSON.parse(stored.text) as PlainItem;
    },
  };
}
