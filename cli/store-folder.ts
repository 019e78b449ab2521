/**
 * The folder of `--db DIR`: the read commands open a store that `replay --db` kept there and never
 * create one, so that a mistyped path cannot read as "nothing happened"; `replay --db` checks DIR
 * before it replays, and writes into a new or empty folder or a store. Each command holds the
 * folder for as long as it runs: LevelDB lets one process open it at a time.
 */
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureTable } from '../shared/adapters/dynamodb-store.ts';
import { EmbeddedDbLockedError, EmbeddedDbOpenError, levelDbFolder, startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../shared/adapters/embedded-dynamodb.ts';
import type { PlainItem } from '../shared/adapters/item-size.ts';
import { createDynamoDbTable } from '../shared/adapters/item-table.ts';

/** The table the embedded stores (replay, `--db`) use. */
export const EMBEDDED_TABLE = 'cfn-watchdog';

/** DIR is not what the command needs (nothing there, a file, a folder without a store, no way to create one): exit status 2. */
export class StoreFolderError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreFolderError';
  }
}

/** Another command holds the store: the same command succeeds once it ends, so exit status 3, not a usage error. */
export class StoreInUseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreInUseError';
  }
}

const noStore = (dir: string): string => `no store at ${dir} (replay --db ${dir} creates one)`;
const isAFile = (dir: string): string => `${dir} is a file, not a store folder`;

function inUse(dir: string, error: EmbeddedDbLockedError): StoreInUseError {
  return new StoreInUseError(`the store in ${dir} is in use by another cfn-watchdog command; try again when it ends`, { cause: error });
}

/**
 * Opens the store that `replay --db DIR` kept, for reading; what is no store (nothing there, a
 * file, a folder without one, a LevelDB without the watchdog's table) is refused and left as it was.
 *
 * @throws {StoreFolderError} when DIR holds no store
 * @throws {StoreInUseError} when another command has it open
 */
export async function openStoreFolder(dir: string): Promise<EmbeddedDynamoDb> {
  let db: EmbeddedDynamoDb;
  try {
    db = await startEmbeddedDynamoDb({ path: dir, create: false });
  } catch (error) {
    if (error instanceof EmbeddedDbLockedError) throw inUse(dir, error);
    if (error instanceof EmbeddedDbOpenError && error.folder !== 'store') {
      throw new StoreFolderError(error.folder === 'not-a-folder' ? isAFile(dir) : noStore(dir), { cause: error });
    }
    throw error;
  }
  try {
    await db.client().send(new DescribeTableCommand({ TableName: EMBEDDED_TABLE }));
    return db;
  } catch (error) {
    await db.close();
    throw error instanceof ResourceNotFoundException ? new StoreFolderError(noStore(dir), { cause: error }) : error;
  }
}

/** `replay --db DIR`'s hold on the folder, from before the replay until it kept what it replayed. */
export interface ReplayFolder {
  /** Makes the store hold ITEMS, the replayed table. */
  keep(items: Iterable<PlainItem>): Promise<void>;
  /** Lets the folder go; one this replay created and kept nothing in is removed, an empty one emptied again. */
  close(): Promise<void>;
}

const NODE_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'its parent folder does not exist',
  ENOTDIR: 'its parent is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
};

function reasonOf(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  return NODE_REASONS[code] ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Takes DIR for `replay --db DIR` before anything is replayed, and holds it until closed: a new
 * folder is created (its parent must exist), an empty one or a store taken; anything else refused.
 *
 * @throws {StoreFolderError} when DIR cannot take the store
 * @throws {StoreInUseError} when another command has it open
 */
export async function openReplayFolder(dir: string): Promise<ReplayFolder> {
  const found = await levelDbFolder(dir);
  if (found === 'not-a-folder') throw new StoreFolderError(isAFile(dir));
  if (found === 'not-a-store') throw new StoreFolderError(`${dir} holds other files and no store: give replay --db a new or empty folder, or a store it kept`);
  if (found === 'absent') {
    try {
      await mkdir(dir);
    } catch (error) {
      throw new StoreFolderError(`cannot create the store folder ${dir}: ${reasonOf(error)}`, { cause: error });
    }
  }
  // A replay that fails, or is refused, leaves the folder as it found it.
  const undo = async (): Promise<void> => {
    if (found === 'absent') await rm(dir, { recursive: true, force: true });
    if (found === 'empty') for (const entry of await readdir(dir)) await rm(path.join(dir, entry), { recursive: true, force: true });
  };
  let db: EmbeddedDynamoDb;
  try {
    db = await startEmbeddedDynamoDb({ path: dir });
  } catch (error) {
    await undo();
    if (error instanceof EmbeddedDbLockedError) throw inUse(dir, error);
    if (error instanceof EmbeddedDbOpenError) throw new StoreFolderError(error.message, { cause: error });
    throw error;
  }
  let kept = false;
  const client = db.client();
  return {
    async keep(items) {
      await ensureTable(client, EMBEDDED_TABLE);
      await createDynamoDbTable({ client, tableName: EMBEDDED_TABLE }).putAll(items);
      kept = true;
    },
    async close() {
      await db.close();
      if (!kept) await undo();
    },
  };
}
