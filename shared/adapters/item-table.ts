/**
 * The few table operations the store needs (get, put with a version condition, delete, a key-range
 * query on the table or an index), so that one store runs on DynamoDB (any endpoint: AWS,
 * dynalite, moto) and on the in-process table replay uses (memory-table.ts). Items are plain
 * values, as the document client takes and returns them.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setTimeout as delay } from 'node:timers/promises';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { PlainItem } from './item-size.ts';
import { createTableInput, type IndexName } from './table.ts';

/**
 * A key-range query: the items of one partition of the table (or of `index`) whose sort key is
 * within [from, to] (either bound optional), in sort-key order (`reverse`: descending), at most
 * `limit`. An index answers with what it projects.
 */
export interface TableQuery {
  readonly index?: IndexName;
  readonly partition: string;
  readonly from?: string;
  readonly to?: string;
  readonly reverse?: boolean;
  readonly limit?: number;
}

export interface ItemTable {
  /** The item with this key, read consistently; `undefined` when there is none. */
  get(pk: string, sk: string): Promise<PlainItem | undefined>;
  /**
   * Puts `item`. With `expectedVersion`, only if the stored item's `version` is that (or, for 0,
   * if there is none): `false` when another writer came first.
   */
  put(item: PlainItem, expectedVersion?: number): Promise<boolean>;
  /** Removes the item with this key; idempotent. */
  delete(pk: string, sk: string): Promise<void>;
  /** Every item {@link TableQuery} selects (all pages), read consistently on the table. */
  query(query: TableQuery): Promise<PlainItem[]>;
  /**
   * The table partition keys beginning with `prefix` of the items `index` lists, each once: a
   * scan of that index, page by page (an export's way to every stack with raw events).
   */
  partitionsIn(index: IndexName, prefix: string): Promise<string[]>;
}

const DEFINITION = createTableInput('');

/** The key attributes of the table and of each index, from the one table definition. */
export function keyAttributes(index?: IndexName): { readonly partition: string; readonly sort: string } {
  const definition = DEFINITION;
  const schema =
    index === undefined
      ? definition.KeySchema
      : definition.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === index)?.KeySchema;
  const partition = schema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
  const sort = schema?.find((key) => key.KeyType === 'RANGE')?.AttributeName;
  if (partition === undefined || sort === undefined)
    throw new Error(`table.ts defines no keys for ${index ?? 'the table'}`);
  return { partition, sort };
}

/** DynamoDB's table, and what tools need beyond the store: copying a table in, reading one whole. */
export interface DynamoDbTable extends ItemTable {
  /**
   * Writes items unconditionally, 25 to a BatchWriteItem, retrying what DynamoDB leaves
   * unprocessed with backoff: copying a replayed store into a table. Returns how many.
   */
  putAll(items: Iterable<PlainItem>): Promise<number>;
  /** Every item of the table, read consistently (tests and the bench look beneath the store). */
  scanAll(): Promise<PlainItem[]>;
}

/**
 * The table `tableName` through `client`.
 *
 * @example
 * const table = createDynamoDbTable({ client: new DynamoDBClient({}), tableName: 'cfn-watchdog' });
 */
export function createDynamoDbTable(options: {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}): DynamoDbTable {
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const TableName = options.tableName;

  return {
    async get(PK, SK) {
      const { Item } = await documents.send(new GetCommand({ TableName, Key: { PK, SK }, ConsistentRead: true }));
      return Item;
    },

    async put(item, expectedVersion) {
      try {
        await documents.send(
          new PutCommand({
            TableName,
            Item: item,
            ...(expectedVersion === undefined
              ? {}
              : expectedVersion === 0
                ? { ConditionExpression: 'attribute_not_exists(PK)' }
                : {
                    ConditionExpression: 'version = :expected',
                    ExpressionAttributeValues: { ':expected': expectedVersion },
                  }),
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async delete(PK, SK) {
      await documents.send(new DeleteCommand({ TableName, Key: { PK, SK } }));
    },

    async query(query) {
      const { partition, sort } = keyAttributes(query.index);
      const range =
        query.from !== undefined && query.to !== undefined
          ? ' AND #sort BETWEEN :from AND :to'
          : query.from !== undefined
            ? ' AND #sort >= :from'
            : query.to !== undefined
              ? ' AND #sort <= :to'
              : '';
      const input: Omit<QueryCommandInput, 'ExclusiveStartKey'> = {
        TableName,
        ...(query.index === undefined ? { ConsistentRead: true } : { IndexName: query.index }),
        KeyConditionExpression: `#partition = :partition${range}`,
        ExpressionAttributeNames: { '#partition': partition, ...(range === '' ? {} : { '#sort': sort }) },
        ExpressionAttributeValues: {
          ':partition': query.partition,
          ...(query.from === undefined ? {} : { ':from': query.from }),
          ...(query.to === undefined ? {} : { ':to': query.to }),
        },
        ...(query.reverse ? { ScanIndexForward: false } : {}),
        ...(query.limit === undefined ? {} : { Limit: query.limit }),
      };
      const items: PlainItem[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(new QueryCommand({ ...input, ExclusiveStartKey }));
        items.push(...(page.Items ?? []));
        ExclusiveStartKey =
          query.limit !== undefined && items.length >= query.limit ? undefined : page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return query.limit === undefined ? items : items.slice(0, query.limit);
    },

    async putAll(items) {
      let written = 0;
      let batch: PlainItem[] = [];
      const flush = async (): Promise<void> => {
        let requests = batch.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt > 0) await delay(Math.min(1000, 20 * 2 ** attempt));
          if (attempt >= BATCH_ATTEMPTS)
            throw new Error(
              `table ${TableName}: ${requests.length} items still unprocessed after ${BATCH_ATTEMPTS} attempts`,
            );
          const { UnprocessedItems } = await documents.send(
            new BatchWriteCommand({ RequestItems: { [TableName]: requests } }),
          );
          requests = (UnprocessedItems?.[TableName] ?? []).flatMap((request) =>
            request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
          );
        }
        written += batch.length;
        batch = [];
      };
      for (const item of items) {
        batch.push(item);
        if (batch.length === BATCH_SIZE) await flush();
      }
      if (batch.length > 0) await flush();
      return written;
    },

    async partitionsIn(index, prefix) {
      const found = new Set<string>();
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new ScanCommand({
            TableName,
            IndexName: index,
            ProjectionExpression: '#pk',
            FilterExpression: 'begins_with(#pk, :prefix)',
            ExpressionAttributeNames: { '#pk': keyAttributes().partition },
            ExpressionAttributeValues: { ':prefix': prefix },
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) found.add(String(item.PK));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return [...found].sort();
    },

    async scanAll() {
      const items: PlainItem[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(new ScanCommand({ TableName, ExclusiveStartKey, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return items;
    },
  };
}

/** BatchWriteItem's limit. */
const BATCH_SIZE = 25;
const BATCH_ATTEMPTS = 10;
