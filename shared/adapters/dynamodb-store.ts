/**
 * The DynamoDB store: one table, readable keys, four access patterns (DESIGN.md); the items and
 * their validation are in store-items.ts. Writers of a stack's, a service's or a window's item
 * use conditional puts on its `version`; nothing spans two items, so it runs unchanged on
 * dynalite and moto, and nothing depends on TTL expiry.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as delay } from 'node:timers/promises';
import type { FoldedPage } from '../domain/compaction.ts';
import { emptyServiceState } from '../domain/service-walk.ts';
import { emptyStackState, type FoldedPageRef, type StackState } from '../domain/stack-state.ts';
import { formatInstant, type Instant } from '../domain/time.ts';
import type { ServiceKey } from '../domain/service.ts';
import {
  FoldedPageMissingError,
  type HistoryEvent,
  type ServiceWindow,
  type WatchdogStore,
  type WindowQuery,
} from '../app/ports.ts';
import type { PlainItem } from './item-size.ts';
import { createDynamoDbTable, type ItemTable } from './item-table.ts';
import {
  fromMutedItem,
  fromPageItem,
  fromServiceItem,
  fromStackItem,
  fromHeartbeatItem,
  fromSelfCheckItem,
  fromWalkItem,
  fromWindowItem,
  MUTED_PARTITION,
  mutedSk,
  servicePk,
  serviceKeyOfPk,
  stackSk,
  SELF_CHECK_SK,
  STATE_SK,
  StoreDataError,
  SWEEP_HEARTBEAT_SK,
  toHeartbeatItem,
  toSelfCheckItem,
  toMutedItem,
  toPageItem,
  toServiceItem,
  toStackItem,
  toWalkItem,
  toWindowItem,
  walkSk,
  WATCHDOG_PK,
  windowSk,
} from './store-items.ts';
import {
  BY_NAME_INDEX,
  createTableInput,
  SWEEP_PARTITION,
  TO_SWEEP_INDEX,
  WINDOW_PARTITION,
  WINDOWS_BY_END_INDEX,
} from './table.ts';

export { StoreDataError } from './store-items.ts';

const DAY_MS = 86_400_000;
export const DEFAULT_HISTORY_RETENTION_MS = 90 * DAY_MS;
/**
 * How long a deleted stack's state is kept after its DELETE_COMPLETE: past the late-event horizon
 * (7 days), after which no event can change what it did; then its service stops reading it.
 */
export const DEFAULT_DELETED_STACK_RETENTION_MS = 8 * DAY_MS;
/** How long a walk point is kept: a late event up to the horizon (7 days) late walks again from one. */
const WALK_POINT_RETENTION_MS = 9 * DAY_MS;

const stackPk = (stackId: string): string => `STACK#${stackId}`;

function parseTime(text: string, field: string): Instant {
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new StoreDataError(`stored item: ${field} is not an ISO time: '${text}'`);
  return at;
}

interface StoredSynthetic {
  basis: { time: string; status: string } | null;
  askedAt: string;
}

function historySortKey(event: HistoryEvent): string {
  const time = formatInstant(event.time);
  if (event.kind === 'resource-status') return `${time}#RESOURCE#${event.logicalResourceId}#${event.status}`;
  // Never in the real event's place: a sweeper reconciling as the real event lands must not overwrite it.
  return event.synthetic ? `${time}#STACK#${event.status}#RECONCILED` : `${time}#STACK#${event.status}`;
}

type HistoryItem = Omit<HistoryEvent, 'time' | 'synthetic'> & {
  PK: string;
  SK: string;
  namePK: string;
  nameSK: string;
  time: string;
  expiresAt: number;
  synthetic?: StoredSynthetic;
};

export interface StoreOptions {
  /** How long raw per-stack history is kept (DynamoDB TTL), counted from the event's time. */
  readonly historyRetentionMs?: number;
  /** How long a deleted stack's state is kept after its deletion (DynamoDB TTL). */
  readonly deletedStackRetentionMs?: number;
  /**
   * Keep up to this many stack states as read, and answer a read of the same item version from
   * there instead of validating it again. Only for a table nothing else writes (replay's own):
   * an item changed behind the store's back without a new version would not be seen.
   */
  readonly stackCacheSize?: number;
}

export interface DynamoDbStoreOptions extends StoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/**
 * Creates the store over an existing DynamoDB table.
 *
 * @example
 * const store = createDynamoDbStore({ client: new DynamoDBClient({}), tableName: process.env.WATCHDOG_TABLE_NAME });
 */
export function createDynamoDbStore(options: DynamoDbStoreOptions): WatchdogStore {
  return createStore(createDynamoDbTable(options), options);
}

/**
 * Creates the store over any {@link ItemTable}: DynamoDB's, or the in-process one replay uses.
 *
 * @example
 * const store = createStore(createMemoryTable());
 */
export function createStore(table: ItemTable, options: StoreOptions = {}): WatchdogStore {
  const retentionMs = options.historyRetentionMs ?? DEFAULT_HISTORY_RETENTION_MS;
  const deletedRetentionMs = options.deletedStackRetentionMs ?? DEFAULT_DELETED_STACK_RETENTION_MS;
  const readStack = stackReader(options.stackCacheSize ?? 0);

  return {
    async recordEvent(event) {
      const { time, ...fields } = event;
      const { synthetic: _synthetic, ...rest } =
        fields.kind === 'stack-status' ? fields : { ...fields, synthetic: undefined };
      const item: HistoryItem = {
        ...rest,
        ...(event.kind === 'stack-status' && event.synthetic
          ? {
              synthetic: {
                basis:
                  event.synthetic.basis === null
                    ? null
                    : { time: formatInstant(event.synthetic.basis.time), status: event.synthetic.basis.status },
                askedAt: formatInstant(event.synthetic.askedAt),
              },
            }
          : {}),
        PK: stackPk(event.stackId),
        SK: historySortKey(event),
        namePK: `STACK#${event.stackName}`,
        nameSK: historySortKey(event),
        time: formatInstant(time),
        expiresAt: Math.floor((time + retentionMs) / 1000),
      };
      await table.put(item);
    },

    async stacksWithHistory() {
      const prefix = stackPk('');
      return (await table.partitionsIn(BY_NAME_INDEX, prefix)).map((pk) => pk.slice(prefix.length));
    },

    async stackHistory(stackId, from) {
      const items = await table.query({
        partition: stackPk(stackId),
        ...(from === undefined ? {} : { from: formatInstant(from) }),
      });
      return items.map((item) => {
        const {
          PK: _pk,
          SK: _sk,
          namePK: _namePk,
          nameSK: _nameSk,
          expiresAt: _expires,
          time,
          synthetic,
          ...rest
        } = item as HistoryItem;
        const event = { ...rest, time: parseTime(time, 'time') } as HistoryEvent;
        if (!synthetic || event.kind !== 'stack-status') return event;
        return {
          ...event,
          synthetic: {
            basis:
              synthetic.basis === null
                ? null
                : { time: parseTime(synthetic.basis.time, 'synthetic.basis.time'), status: synthetic.basis.status },
            askedAt: parseTime(synthetic.askedAt, 'synthetic.askedAt'),
          },
        };
      });
    },

    async stacksNamed(stackName, { from, to }) {
      // Sort keys start with the event's ISO time; '~' sorts after every '#…' suffix of `to`'s second.
      const items = await table.query({
        index: BY_NAME_INDEX,
        partition: `STACK#${stackName}`,
        from: formatInstant(from),
        to: `${formatInstant(to)}~`,
      });
      return [...new Set(items.map((item) => String(item.PK).slice('STACK#'.length)))];
    },

    async servicesNamed(service) {
      const items = await table.query({ index: BY_NAME_INDEX, partition: `SERVICE#${service}` });
      return items.map((item) => {
        const [account = '', region = ''] = String(item.nameSK).split('#');
        return { account, region, service };
      });
    },

    async loadStack(key, stack) {
      const item = await table.get(servicePk(key), stackSk(stack.stackId));
      return item ? readStack(item) : emptyStackState(key, stack.stackId, stack.stackName);
    },

    async saveStack(state, now) {
      const item = toStackItem(state, state.version + 1, now, deletedRetentionMs);
      return (await table.put(item, state.version)) ? readStack(item) : null;
    },

    async loadService(key) {
      // 'STACK#…' sorts before 'STATE': one range holds every stack's item and the service's own.
      const items = await table.query({ partition: servicePk(key), from: 'STACK#', to: STATE_SK });
      const own = items.find((item) => item.SK === STATE_SK);
      return {
        service: own ? fromServiceItem(own) : emptyServiceState(key),
        stacks: items.filter((item) => item !== own).map(readStack),
      };
    },

    async saveService(state, now) {
      const item = toServiceItem(state, state.version + 1, now);
      return (await table.put(item, state.version)) ? fromServiceItem(item) : null;
    },

    async servicesToSweep() {
      const items = await table.query({ index: TO_SWEEP_INDEX, partition: SWEEP_PARTITION });
      const targets = new Map<string, { key: ServiceKey; windowIds: Instant[] }>();
      for (const item of items) {
        const pk = String(item.PK);
        const sk = String(item.SK);
        const target = targets.get(pk) ?? { key: serviceKeyOfPk(pk), windowIds: [] };
        targets.set(pk, target);
        if (sk.startsWith('WINDOW#')) target.windowIds.push(parseTime(sk.slice('WINDOW#'.length), 'SK'));
      }
      return [...targets.values()];
    },

    async windowEntries(key, from, exclusive = false) {
      // Window sort keys sort by id; 'WINDOW$' sorts after every one of them.
      const items = await table.query({
        partition: servicePk(key),
        from: `${windowSk(from)}${exclusive ? '~' : ''}`,
        to: 'WINDOW$',
      });
      return items.map(fromWindowItem);
    },

    async loadWindowEntry(key, id) {
      const item = await table.get(servicePk(key), windowSk(id));
      return item ? fromWindowItem(item) : null;
    },

    async saveWindowEntry(entry, now) {
      const item = toWindowItem(entry, entry.version + 1, now);
      return (await table.put(item, entry.version)) ? fromWindowItem(item) : null;
    },

    async windowsOverlapping(query: WindowQuery) {
      // A window ending before `from` cannot overlap; open ones sort last (their end is 'OPEN').
      const items = await table.query({
        index: WINDOWS_BY_END_INDEX,
        partition: WINDOW_PARTITION,
        from: formatInstant(query.from),
      });
      const found: ServiceWindow[] = [];
      for (const item of items) {
        if (query.service !== undefined && item.service !== query.service) continue;
        const entry = fromWindowItem(item);
        const { window } = entry;
        if (window === null) continue;
        if (window.start <= query.to && (window.end === null || window.end >= query.from))
          found.push({ ...window, key: entry.key });
      }
      return found.sort((a, b) => a.start - b.start);
    },

    async saveFoldedPages(stack, pages) {
      const refs: FoldedPageRef[] = [];
      for (const page of pages) {
        // A page is needed for a horizon after its cut at most; TTL removes one no state names
        // (written by an attempt that lost its race), long after that.
        const item = toPageItem(stack, page, Math.floor((page.cut + retentionMs) / 1000));
        await table.put(item);
        refs.push({ id: String(item.SK), from: page.since?.asOf ?? null, cut: page.cut });
      }
      return refs;
    },

    async loadFoldedPages(stack, refs) {
      const pages: FoldedPage[] = [];
      for (const ref of refs) {
        const item = await table.get(servicePk(stack.key), ref.id);
        if (!item)
          throw new FoldedPageMissingError(
            `stack ${stack.stackId}: the page of folded history ${ref.id} its state names is missing`,
          );
        pages.push(fromPageItem(item, stack));
      }
      return pages;
    },

    async deleteFoldedPages(stack, refs) {
      for (const ref of refs) await table.delete(servicePk(stack.key), ref.id);
    },

    async keepWalkPoint(key, point) {
      await table.put(toWalkItem(key, point, Math.floor((point.asOf + WALK_POINT_RETENTION_MS) / 1000)));
    },

    async walkPointBefore(key, time) {
      const [item] = await table.query({
        partition: servicePk(key),
        from: 'WALK#',
        to: walkSk(time - 1),
        reverse: true,
        limit: 1,
      });
      return item ? fromWalkItem(item) : null;
    },

    async dropWalkPoints(key, time) {
      const items = await table.query({ partition: servicePk(key), from: walkSk(time), to: 'WALK$' });
      for (const item of items) await table.delete(String(item.PK), String(item.SK));
    },

    async recordSweepHeartbeat(at) {
      // Unconditional: sweeps that overlap may land out of order, and a heartbeat a few seconds
      // older says the same thing (a sweep completes); a condition would cost a read.
      await table.put(toHeartbeatItem(at));
    },

    async lastSweepHeartbeat() {
      const item = await table.get(WATCHDOG_PK, SWEEP_HEARTBEAT_SK);
      return item ? fromHeartbeatItem(item) : null;
    },

    async lastSelfCheck() {
      const item = await table.get(WATCHDOG_PK, SELF_CHECK_SK);
      return item ? fromSelfCheckItem(item) : null;
    },

    async recordSelfCheck(memory) {
      await table.put(toSelfCheckItem(memory));
    },

    async stacksMutedByTag() {
      return (await table.query({ partition: MUTED_PARTITION })).map(fromMutedItem);
    },

    async keepMutedByTag(stack) {
      await table.put(toMutedItem(stack));
    },

    async dropMutedByTag(stackId) {
      await table.delete(MUTED_PARTITION, mutedSk(stackId));
    },
  };
}

/** What a table holds, told from its items: what `replay --db` says of a store before adding to it. */
export interface StoredItemsSummary {
  readonly stacks: number;
  /** Windows recorded (a withdrawn one, which the derivation took back, is not counted). */
  readonly windows: number;
  /** The earliest and latest CloudFormation event in the stacks' timelines; `null` with none. */
  readonly firstEvent: Instant | null;
  readonly lastEvent: Instant | null;
  /**
   * The latest `updatedAt` of a state: the writer's clock had reached it, and nothing the writer
   * did after it changed a state, so a writer going on from there misses nothing.
   */
  readonly writtenUntil: Instant | null;
  /** Each nested stack's root, as the stacks' states keep it. */
  readonly roots: ReadonlyMap<string, string>;
}

/**
 * Summarises ITEMS, a whole table's (scanned, or an in-process table's `items()`).
 *
 * @example
 * summarizeItems(await createDynamoDbTable({ client, tableName }).scanAll()); // { stacks: 3, windows: 1, … }
 */
export function summarizeItems(items: Iterable<PlainItem>): StoredItemsSummary {
  let stacks = 0;
  let windows = 0;
  let firstEvent: Instant | null = null;
  let lastEvent: Instant | null = null;
  let writtenUntil: Instant | null = null;
  const roots = new Map<string, string>();
  const later = (a: Instant | null, b: Instant): Instant => (a === null ? b : Math.max(a, b));
  for (const item of items) {
    if (String(item.PK).startsWith(stackPk(''))) {
      const at = parseTime(String(item.time), 'time');
      firstEvent = firstEvent === null ? at : Math.min(firstEvent, at);
      lastEvent = later(lastEvent, at);
      continue;
    }
    if (typeof item.updatedAt === 'string') writtenUntil = later(writtenUntil, parseTime(item.updatedAt, 'updatedAt'));
    if (item.type === 'window' && item.window !== null) windows++;
    if (item.type === 'stack') {
      stacks++;
      if (typeof item.rootStackId === 'string') roots.set(String(item.stackId), item.rootStackId);
    }
  }
  return { stacks, windows, firstEvent, lastEvent, writtenUntil, roots };
}

/**
 * Reads stack items, through a cache of `capacity` states (least recently read out first) keyed
 * by the item and its version and write time: a sweeper replayed every virtual minute reads the
 * same unchanged stacks again and again, and validating them was most of a replay's time.
 */
function stackReader(capacity: number): (item: PlainItem) => StackState {
  if (capacity === 0) return fromStackItem;
  const cache = new Map<
    string,
    { readonly version: unknown; readonly updatedAt: unknown; readonly state: StackState }
  >();
  return (item) => {
    const id = `${String(item.PK)}\n${String(item.SK)}`;
    const known = cache.get(id);
    cache.delete(id);
    const state =
      known && known.version === item.version && known.updatedAt === item.updatedAt ? known.state : fromStackItem(item);
    cache.set(id, { version: item.version, updatedAt: item.updatedAt, state });
    if (cache.size > capacity) cache.delete(cache.keys().next().value ?? id);
    return state;
  };
}

/**
 * Creates the table if it does not exist and waits until it and its indexes are ACTIVE (the
 * replay's embedded DynamoDB and the tests; deployed tables come from the SAM template).
 * CreateTable answers while the table is still CREATING, and requests in between fail.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < TABLE_READY_ATTEMPTS; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await delay(TABLE_READY_POLL_MS);
  }
  throw new StoreDataError(`table ${tableName} did not become ACTIVE`);
}

const TABLE_READY_ATTEMPTS = 600;
const TABLE_READY_POLL_MS = 5;
