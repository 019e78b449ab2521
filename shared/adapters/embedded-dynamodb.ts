/**
 * An embedded DynamoDB (dynalite, in memory) on a free loopback port: what `replay` runs
 * against, and what the tests start. The store code talks to it exactly as to DynamoDB.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface EmbeddedDynamoDb {
  readonly endpoint: string;
  /** A client for the embedded endpoint, with throwaway credentials. */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

export function localDynamoDbClient(endpoint: string, region = 'us-east-1'): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * Starts dynalite in this process on 127.0.0.1 and a port the OS picks; in memory, or kept in
 * the folder `path` (LevelDB) so that a later command reads what an earlier one wrote.
 *
 * @example
 * const db = await startEmbeddedDynamoDb();
 * try { await ensureTable(db.client(), 'watchdog'); } finally { await db.close(); }
 */
export async function startEmbeddedDynamoDb(options: { path?: string } = {}): Promise<EmbeddedDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  return {
    endpoint,
    client() {
      const client = localDynamoDbClient(endpoint);
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
