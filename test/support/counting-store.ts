import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createDynamoDbStore, ensureTable } from '../../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient } from '../../shared/adapters/embedded-dynamodb.ts';
import type { WatchdogStore } from '../../shared/app/ports.ts';

/**
 * A store over a fresh table in the run's dynalite whose client notes the name of every command
 * it sends (a middleware on the real client: nothing is mocked), to check request budgets.
 */
export async function countingStore(): Promise<{ store: WatchdogStore; requests: string[] }> {
  const client = localDynamoDbClient(inject('dynaliteEndpoint'));
  const tableName = `watchdog-test-${randomUUID()}`;
  await ensureTable(client, tableName);
  const requests: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { store: createDynamoDbStore({ client, tableName }), requests };
}
