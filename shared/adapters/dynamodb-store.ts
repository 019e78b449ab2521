/**
 * The DynamoDB store: one table, readable keys, four access patterns (DESIGN.md); the items and
 * their validation are in store-items.ts. Writers of a stack's, a service's or a window's item
 * use conditional puts on its `version`; nothing spans two items, so it runs unchanged on
 * dynalite and moto, and nothing depends on TTL expiry.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as delay } from 'node:timers/promises';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { FoldedPage } from '../domain/compaction.ts';
import { emptyServiceState } from '../domain/service-walk.ts';
import { emptyStackState, type FoldedPageRef } from '../domain/stack-state.ts';
import { formatInstant, type Instant } from '../domain/time.ts';
import type { ServiceKey } from '../domain/service.ts';
import { FoldedPageMissingError, type HistoryEvent, type ServiceWindow, type WatchdogStore, type WindowQuery } from '../app/ports.ts';
import type { PlainItem } from './item-size.ts';
import {
  fromPageItem,
  fromServiceItem,
  fromStackItem,
  fromWalkItem,
  fromWindowItem,
  servicePk,
  serviceKeyOfPk,
  stackSk,
  STATE_SK,
  StoreDataError,
  toPageItem,
  toServiceItem,
  toStackItem,
  toWalkItem,
  toWindowItem,
  walkSk,
  windowSk,
} from './store-items.ts';
import { BY_NAME_INDEX, createTableInput, SWEEP_PARTITION, TO_SWEEP_INDEX, WINDOW_PARTITION, WINDOWS_BY_END_INDEX } from './table.ts';

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

export interface DynamoDbStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long raw per-stack history is kept (DynamoDB TTL), counted from the event's time. */
  readonly historyRetentionMs?: number;
  /** How long a deleted stack's state is kept after its deletion (DynamoDB TTL). */
  readonly deletedStackRetentionMs?: number;
}

/**
 * Creates the store over an existing table.
 *
 * @example
 * const store = createDynamoDbStore({ client: new DynamoDBClient({}), tableName: process.env.WATCHDOG_TABLE_NAME });
 */
export function createDynamoDbStore(options: DynamoDbStoreOptions): WatchdogStore {
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const TableName = options.tableName;
  const retentionMs = options.historyRetentionMs ?? DEFAULT_HISTORY_RETENTION_MS;
  const deletedRetentionMs = options.deletedStackRetentionMs ?? DEFAULT_DELETED_STACK_RETENTION_MS;

  async function queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(new QueryCommand({ ...input, TableName, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  /** Puts `item` if the stored one still has version `expected` (none stored for 0); `false` when another writer came first. */
  async function putVersioned(item: PlainItem, expected: number): Promise<boolean> {
    try {
      await documents.send(
        new PutCommand({
          TableName,
          Item: item,
          ...(expected === 0
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expected } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  return {
    async recordEvent(event) {
      const { time, ...fields } = event;
      const { synthetic: _synthetic, ...rest } = fields.kind === 'stack-status' ? fields : { ...fields, synthetic: undefined };
      const item: HistoryItem = {
        ...rest,
        ...(event.kind === 'stack-status' && event.synthetic
          ? {
              synthetic: {
                basis: event.synthetic.basis === null ? null : { time: formatInstant(event.synthetic.basis.time), status: event.synthetic.basis.status },
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
      await documents.send(new PutCommand({ TableName, Item: item }));
    },

    async stackHistory(stackId, from) {
      const items = await queryAll({
        KeyConditionExpression: from === undefined ? 'PK = :pk' : 'PK = :pk AND SK >= :from',
        ExpressionAttributeValues: { ':pk': stackPk(stackId), ...(from === undefined ? {} : { ':from': formatInstant(from) }) },
      });
      return items.map((item) => {
        const { PK: _pk, SK: _sk, namePK: _namePk, nameSK: _nameSk, expiresAt: _expires, time, synthetic, ...rest } = item as HistoryItem;
        const event = { ...rest, time: parseTime(time, 'time') } as HistoryEvent;
        if (!synthetic || event.kind !== 'stack-status') return event;
        return {
          ...event,
          synthetic: {
            basis: synthetic.basis === null ? null : { time: parseTime(synthetic.basis.time, 'synthetic.basis.time'), status: synthetic.basis.status },
            askedAt: parseTime(synthetic.askedAt, 'synthetic.askedAt'),
          },
        };
      });
    },

    async stacksNamed(stackName, { from, to }) {
      const items = await queryAll({
        IndexName: BY_NAME_INDEX,
        // Sort keys start with the event's ISO time; '~' sorts after every '#…' suffix of `to`'s second.
        KeyConditionExpression: 'namePK = :name AND nameSK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':name': `STACK#${stackName}`, ':from': formatInstant(from), ':to': `${formatInstant(to)}~` },
      });
      return [...new Set(items.map((item) => String(item['PK']).slice('STACK#'.length)))];
    },

    async servicesNamed(service) {
      const items = await queryAll({
        IndexName: BY_NAME_INDEX,
        KeyConditionExpression: 'namePK = :name',
        ExpressionAttributeValues: { ':name': `SERVICE#${service}` },
      });
      return items.map((item) => {
        const [account = '', region = ''] = String(item['nameSK']).split('#');
        return { account, region, service };
      });
    },

    async loadStack(key, stack) {
      const { Item } = await documents.send(new GetCommand({ TableName, Key: { PK: servicePk(key), SK: stackSk(stack.stackId) }, ConsistentRead: true }));
      return Item ? fromStackItem(Item) : emptyStackState(key, stack.stackId, stack.stackName);
    },

    async saveStack(state, now) {
      const item = toStackItem(state, state.version + 1, now, deletedRetentionMs);
      return (await putVersioned(item, state.version)) ? fromStackItem(item) : null;
    },

    async loadService(key) {
      // 'STACK#…' sorts before 'STATE': one range holds every stack's item and the service's own.
      const items = await queryAll({
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :first AND :state',
        ExpressionAttributeValues: { ':pk': servicePk(key), ':first': 'STACK#', ':state': STATE_SK },
        ConsistentRead: true,
      });
      const own = items.find((item) => item['SK'] === STATE_SK);
      return {
        service: own ? fromServiceItem(own) : emptyServiceState(key),
        stacks: items.filter((item) => item !== own).map(fromStackItem),
      };
    },

    async saveService(state, now) {
      const item = toServiceItem(state, state.version + 1, now);
      return (await putVersioned(item, state.version)) ? fromServiceItem(item) : null;
    },

    async servicesToSweep() {
      const items = await queryAll({
        IndexName: TO_SWEEP_INDEX,
        KeyConditionExpression: 'sweepPK = :sweep',
        ExpressionAttributeValues: { ':sweep': SWEEP_PARTITION },
      });
      const targets = new Map<string, { key: ServiceKey; windowIds: Instant[] }>();
      for (const item of items) {
        const pk = String(item['PK']);
        const sk = String(item['SK']);
        const target = targets.get(pk) ?? { key: serviceKeyOfPk(pk), windowIds: [] };
        targets.set(pk, target);
        if (sk.startsWith('WINDOW#')) target.windowIds.push(parseTime(sk.slice('WINDOW#'.length), 'SK'));
      }
      return [...targets.values()];
    },

    async windowEntries(key, from, exclusive = false) {
      const items = await queryAll({
        // Window sort keys sort by id; 'WINDOW$' sorts after every one of them.
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :last',
        ExpressionAttributeValues: { ':pk': servicePk(key), ':from': `${windowSk(from)}${exclusive ? '~' : ''}`, ':last': 'WINDOW$' },
        ConsistentRead: true,
      });
      return items.map(fromWindowItem);
    },

    async loadWindowEntry(key, id) {
      const { Item } = await documents.send(new GetCommand({ TableName, Key: { PK: servicePk(key), SK: windowSk(id) }, ConsistentRead: true }));
      return Item ? fromWindowItem(Item) : null;
    },

    async saveWindowEntry(entry, now) {
      const item = toWindowItem(entry, entry.version + 1, now);
      return (await putVersioned(item, entry.version)) ? fromWindowItem(item) : null;
    },

    async windowsOverlapping(query: WindowQuery) {
      const items = await queryAll({
        IndexName: WINDOWS_BY_END_INDEX,
        KeyConditionExpression: 'windowPK = :window AND windowSK >= :from',
        ExpressionAttributeValues: {
          ':window': WINDOW_PARTITION,
          ':from': formatInstant(query.from),
          ...(query.service === undefined ? {} : { ':service': query.service }),
        },
        ...(query.service === undefined ? {} : { FilterExpression: 'service = :service' }),
      });
      const found: ServiceWindow[] = [];
      for (const item of items) {
        const entry = fromWindowItem(item);
        const { window } = entry;
        if (window === null) continue;
        if (window.start <= query.to && (window.end === null || window.end >= query.from)) found.push({ ...window, key: entry.key });
      }
      return found.sort((a, b) => a.start - b.start);
    },

    async saveFoldedPages(stack, pages) {
      const refs: FoldedPageRef[] = [];
      for (const page of pages) {
        // A page is needed for a horizon after its cut at most; TTL removes one no state names
        // (written by an attempt that lost its race), long after that.
        const item = toPageItem(stack, page, Math.floor((page.cut + retentionMs) / 1000));
        await documents.send(new PutCommand({ TableName, Item: item }));
        refs.push({ id: String(item['SK']), from: page.since?.asOf ?? null, cut: page.cut });
      }
      return refs;
    },

    async loadFoldedPages(stack, refs) {
      const pages: FoldedPage[] = [];
      for (const ref of refs) {
        const { Item } = await documents.send(new GetCommand({ TableName, Key: { PK: servicePk(stack.key), SK: ref.id }, ConsistentRead: true }));
        if (!Item) throw new FoldedPageMissingError(`stack ${stack.stackId}: the page of folded history ${ref.id} its state names is missing`);
        pages.push(fromPageItem(Item, stack));
      }
      return pages;
    },

    async deleteFoldedPages(stack, refs) {
      for (const ref of refs) await documents.send(new DeleteCommand({ TableName, Key: { PK: servicePk(stack.key), SK: ref.id } }));
    },

    async keepWalkPoint(key, point) {
      await documents.send(new PutCommand({ TableName, Item: toWalkItem(key, point, Math.floor((point.asOf + WALK_POINT_RETENTION_MS) / 1000)) }));
    },

    async walkPointBefore(key, time) {
      const { Items } = await documents.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :first AND :before',
          ExpressionAttributeValues: { ':pk': servicePk(key), ':first': 'WALK#', ':before': walkSk(time - 1) },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const item = Items?.[0];
      return item ? fromWalkItem(item) : null;
    },

    async dropWalkPoints(key, time) {
      const items = await queryAll({
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :last',
        ExpressionAttributeValues: { ':pk': servicePk(key), ':from': walkSk(time), ':last': 'WALK$' },
        ProjectionExpression: 'PK, SK',
        ConsistentRead: true,
      });
      for (const item of items) await documents.send(new DeleteCommand({ TableName, Key: { PK: item['PK'], SK: item['SK'] } }));
    },
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
