/**
 * Where a read command finds the watchdog's data: an embedded store on disk (`--db DIR`, what
 * `replay --db DIR` wrote), any DynamoDB endpoint (`--endpoint URL`), or the deployed table
 * (`--table NAME`, with the normal AWS credential chain, `--region` and `--profile`).
 */
import { DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { createDynamoDbStore, ensureTable } from '../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient, startEmbeddedDynamoDb } from '../shared/adapters/embedded-dynamodb.ts';
import type { WatchdogStore } from '../shared/app/ports.ts';

/** The table name the embedded stores (replay, `--db`) use. */
export const EMBEDDED_TABLE = 'cfn-watchdog';

export interface DataSourceFlags {
  db?: string;
  endpoint?: string;
  table?: string;
  region?: string;
  profile?: string;
}

export class DataSourceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DataSourceError';
  }
}

export interface OpenStore {
  readonly store: WatchdogStore;
  /** Says what a failed read means in terms of the flags: which table, where, which action. */
  explain(error: unknown): Error;
  close(): Promise<void>;
}

/**
 * Opens the store the flags name; exactly one of `--db`, `--endpoint` and `--table`.
 *
 * @example
 * const source = await openStore({ db: './incident-db' });
 * try { await source.store.windowsOverlapping(query); } catch (error) { throw source.explain(error); } finally { await source.close(); }
 */
export async function openStore(flags: DataSourceFlags): Promise<OpenStore> {
  const chosen = [flags.db, flags.endpoint, flags.table].filter((value) => value !== undefined);
  if (chosen.length !== 1 && !(flags.endpoint !== undefined && flags.table !== undefined && flags.db === undefined)) {
    throw new DataSourceError('say where the data is: one of --db DIR (what replay --db wrote), --endpoint URL [--table NAME], or --table NAME (the deployed table)');
  }
  if (flags.db !== undefined) {
    const db = await startEmbeddedDynamoDb({ path: flags.db });
    const client = db.client();
    await ensureTable(client, EMBEDDED_TABLE);
    return { store: createDynamoDbStore({ client, tableName: EMBEDDED_TABLE }), explain: (error) => explainError(error, EMBEDDED_TABLE, flags.db ?? ''), close: () => db.close() };
  }
  if (flags.endpoint !== undefined) {
    const client = localDynamoDbClient(flags.endpoint);
    const tableName = flags.table ?? EMBEDDED_TABLE;
    return { store: createDynamoDbStore({ client, tableName }), explain: (error) => explainError(error, tableName, flags.endpoint ?? ''), close: async () => client.destroy() };
  }
  const tableName = flags.table as string;
  const client = new DynamoDBClient({ ...(flags.region ? { region: flags.region } : {}), ...(flags.profile ? { profile: flags.profile } : {}) });
  const region = await client.config.region().catch(() => undefined);
  if (!region) throw new DataSourceError('no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)');
  return { store: createDynamoDbStore({ client, tableName }), explain: (error) => explainError(error, tableName, region), close: async () => client.destroy() };
}

function explainError(error: unknown, tableName: string, where: string): Error {
  if (error instanceof ResourceNotFoundException) return new DataSourceError(`table '${tableName}' not found in ${where}`, { cause: error });
  if (!(error instanceof Error)) return new Error(String(error));
  if (error.name === 'CredentialsProviderError') return new DataSourceError(`no AWS credentials: ${error.message}`, { cause: error });
  if (error.name === 'AccessDeniedException') return new DataSourceError(`access denied reading '${tableName}' in ${where}: ${error.message}`, { cause: error });
  return error;
}
