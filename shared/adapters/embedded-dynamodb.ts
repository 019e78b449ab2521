/**
 * An embedded DynamoDB (dynalite, in memory) on a free loopback port: what `replay` runs
 * against, and what the tests start. The store code talks to it exactly as to DynamoDB.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { WatchdogError } from '../errors.ts';

export interface EmbeddedDynamoDb {
  readonly endpoint: string;
  /** A client for the embedded endpoint, with throwaway credentials. */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

/** The LevelDB folder is open elsewhere: LevelDB lets one process (and one handle in it) hold it. */
export class EmbeddedDbLockedError extends WatchdogError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmbeddedDbLockedError';
  }
}

/**
 * The folder cannot be opened as LevelDB: not a folder, not a store (with `create: false`), or damaged.
 * A WatchdogError: the CLI turns a folder the user got wrong into its StoreFolderError; a damaged store is not.
 */
export class EmbeddedDbOpenError extends WatchdogError {
  constructor(
    message: string,
    readonly folder: LevelDbFolder,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'EmbeddedDbOpenError';
  }
}

/**
 * What is at a path dynalite would keep its LevelDB in: nothing; something that is no folder;
 * an empty folder; a folder of other files; or a LevelDB (its CURRENT file names the manifest,
 * and LevelDB writes it when it creates a database, so a folder without one holds none).
 */
export type LevelDbFolder = 'absent' | 'not-a-folder' | 'empty' | 'not-a-store' | 'store';

export async function levelDbFolder(folder: string): Promise<LevelDbFolder> {
  const found = await stat(folder).catch((error: unknown) => {
    // ENOTDIR: a file stands where a parent folder would be, so nothing is there either.
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return null;
    throw error;
  });
  if (found === null) return 'absent';
  if (!found.isDirectory()) return 'not-a-folder';
  const entries = await readdir(folder);
  if (entries.includes('CURRENT')) return 'store';
  return entries.length === 0 ? 'empty' : 'not-a-store';
}

export function localDynamoDbClient(endpoint: string, region = 'us-east-1'): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** The part of `level`'s API the check below uses. */
interface LevelDb {
  open(options: { readonly createIfMissing: boolean }): Promise<void>;
  close(): Promise<void>;
}

// dynalite opens the folder through its own copy of `level`, which this project does not depend
// on: the check must use that very copy, so that it opens the folder as dynalite then will.
const requireFromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const { Level } = requireFromDynalite('level') as { readonly Level: new (location: string) => LevelDb };

/**
 * Opens and closes the LevelDB at `folder` first: dynalite opens it lazily and, when that fails
 * (a lock held by another process, a file in the way, a damaged store), throws from its request
 * handler, which ends the process with a stack trace instead of answering the request.
 */
async function checkLevelDb(folder: string, create: boolean): Promise<void> {
  const found = await levelDbFolder(folder);
  // LevelDB writes its LOCK and LOG files into the folder before it finds there is no database.
  if (!create && found !== 'store') throw new EmbeddedDbOpenError(`no LevelDB store at ${folder}`, found);
  if (found === 'not-a-folder') throw new EmbeddedDbOpenError(`${folder} is not a folder`, found);
  const db = new Level(folder);
  try {
    await db.open({ createIfMissing: create });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const code = cause instanceof Error && 'code' in cause ? cause.code : undefined;
    const message = cause instanceof Error ? cause.message : String(cause);
    if (code === 'LEVEL_LOCKED')
      throw new EmbeddedDbLockedError(`the LevelDB at ${folder} is open elsewhere: ${message}`, { cause: error });
    throw new EmbeddedDbOpenError(`cannot open the LevelDB at ${folder}: ${message}`, found, { cause: error });
  }
  await db.close();
}

/**
 * Starts dynalite in this process on 127.0.0.1 and a port the OS picks; in memory, or kept in
 * the folder `path` (LevelDB) so that a later command reads what an earlier one wrote. With
 * `create: false`, a folder that holds no LevelDB is refused and left as it was.
 *
 * @throws {EmbeddedDbLockedError} when another process (or handle) has the folder open
 * @throws {EmbeddedDbOpenError} when the folder cannot be opened (or holds none, with `create: false`)
 *
 * @example
 * const db = await startEmbeddedDynamoDb();
 * try { await ensureTable(db.client(), 'watchdog'); } finally { await db.close(); }
 */
export async function startEmbeddedDynamoDb(
  options: { path?: string; create?: boolean } = {},
): Promise<EmbeddedDynamoDb> {
  if (options.path) await checkLevelDb(options.path, options.create ?? true);
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
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
