import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import {
  createDynamoDbStore,
  createStore,
  ensureTable,
  type StoreOptions,
} from '../../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient } from '../../shared/adapters/embedded-dynamodb.ts';
import type { PlainItem } from '../../shared/adapters/item-size.ts';
import { createDynamoDbTable, type ItemTable } from '../../shared/adapters/item-table.ts';
import { createMemoryTable } from '../../shared/adapters/memory-table.ts';
import type { WatchdogStore } from '../../shared/app/ports.ts';

/** Which table implementation this test project runs the store's suites on (vitest.config.ts). */
export const implementation = (): 'dynalite' | 'moto' | 'memory' => {
  const chosen = process.env.WATCHDOG_TEST_DYNAMODB;
  return chosen === 'moto' || chosen === 'memory' ? chosen : 'dynalite';
};

/**
 * The DynamoDB implementation this test project runs against: dynalite, or moto for the
 * project that runs the store's suites a second time (vitest.config.ts).
 */
export function testDynamoDbEndpoint(): string {
  return implementation() === 'moto' ? inject('motoEndpoint') : inject('dynaliteEndpoint');
}

/**
 * A store over a fresh table in the run's DynamoDB (started by test/global-setup.ts): tests
 * never share state and never mock the DynamoDB client.
 *
 * @example
 * const { store } = await freshStore();
 */
export async function freshStore(): Promise<{
  store: WatchdogStore;
  tableName: string;
  client: ReturnType<typeof localDynamoDbClient>;
}> {
  const client = localDynamoDbClient(testDynamoDbEndpoint());
  const tableName = `watchdog-test-${randomUUID()}`;
  await ensureTable(client, tableName);
  return { store: createDynamoDbStore({ client, tableName }), tableName, client };
}

/** A fresh table of the store contract suite's implementation, and the means to look beneath the store. */
export interface FreshTable {
  readonly store: WatchdogStore;
  /** The table itself: items exactly as stored, for reading and for planting malformed ones. */
  readonly table: ItemTable;
  /** Every item in the table. */
  scan(): Promise<PlainItem[]>;
  /** Another store over the same table, with other options. */
  storeWith(options: StoreOptions): WatchdogStore;
}

/**
 * A fresh table on dynalite, moto or the in-process table, as the project running the store's
 * contract suite says: one suite, three implementations held to the same behaviour.
 *
 * @example
 * const { store, table } = await freshTable();
 */
export async function freshTable(): Promise<FreshTable> {
  if (implementation() === 'memory') {
    const table = createMemoryTable();
    return {
      store: createStore(table),
      table,
      scan: async () => [...table.items()],
      storeWith: (options) => createStore(table, options),
    };
  }
  const { store, tableName, client } = await freshStore();
  const table = createDynamoDbTable({ client, tableName });
  return {
    store,
    table,
    scan: () => table.scanAll(),
    storeWith: (options) => createDynamoDbStore({ client, tableName, ...options }),
  };
}
