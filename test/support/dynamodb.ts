import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createDynamoDbStore, ensureTable } from '../../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient } from '../../shared/adapters/embedded-dynamodb.ts';
import type { WatchdogStore } from '../../shared/app/ports.ts';

/**
 * The DynamoDB implementation this test project runs against: dynalite, or moto for the
 * project that runs the store's suites a second time (vitest.config.ts).
 */
export function testDynamoDbEndpoint(): string {
  return process.env['WATCHDOG_TEST_DYNAMODB'] === 'moto' ? inject('motoEndpoint') : inject('dynaliteEndpoint');
}

/**
 * A store over a fresh table in the run's DynamoDB (started by test/global-setup.ts): tests
 * never share state and never mock the DynamoDB client.
 *
 * @example
 * const { store } = await freshStore();
 */
export async function freshStore(): Promise<{ store: WatchdogStore; tableName: string; client: ReturnType<typeof localDynamoDbClient> }> {
  const client = localDynamoDbClient(testDynamoDbEndpoint());
  const tableName = `watchdog-test-${randomUUID()}`;
  await ensureTable(client, tableName);
  return { store: createDynamoDbStore({ client, tableName }), tableName, client };
}
