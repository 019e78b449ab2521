/**
 * The folder of `--db DIR`: the read commands open a store that `replay --db` kept there and never
 * create one, so that a mistyped path cannot read as "nothing happened"; `replay --db` checks DIR
 * before it replays, writes into a new or empty folder, and goes on from a store it kept only
 * when told to (`--append`), so that two histories are never mixed unawares. Each command holds
 * the folder for as long as it runs: LevelDB lets one process open it at a time.
 */
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureTable, summarizeItems, type StoredItemsSummary } from '../shared/adapters/dynamodb-store.ts';
import {
  EmbeddedDbLockedError,
  EmbeddedDbOpenError,
  levelDbFolder,
  startEmbeddedDynamoDb,
  type EmbeddedDynamoDb,
} from '../shared/adapters/embedded-dynamodb.ts';
import type { PlainItem } from '../shared/adapters/item-size.ts';
import { createDynamoDbTable } from '../shared/adapters/item-table.ts';
import { formatInstant, type Instant } from '../shared/domain/time.ts';
import { plural } from './text.ts';
import { UserInputError, WatchdogError } from '../shared/errors.ts';

/** The table the embedded stores (replay, `--db`) use. */
export const EMBEDDED_TABLE = 'cfn-watchdog';

/**
 * DIR is not what the command needs (nothing there, a file, a folder without a store, a store to add to without
 * --append): exit status 2.
 */
export class StoreFolderError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreFolderError';
  }
}

/** Another command holds the store: the same command succeeds once it ends, so exit status 3, not a usage error. */
export class StoreInUseError extends WatchdogError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreInUseError';
  }
}

const noStore = (dir: string): string => `no store at ${dir} (replay --db ${dir} creates one)`;
const isAFile = (dir: string): string => `${dir} is a file, not a store folder`;

function inUse(dir: string, error: EmbeddedDbLockedError): StoreInUseError {
  return new StoreInUseError(`the store in ${dir} is in use by another cfn-watchdog command; try again when it ends`, {
    cause: error,
  });
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

/** Every item of the store in DB; none in a LevelDB without the table (a replay stopped before it kept anything). */
async function scanStore(db: EmbeddedDynamoDb): Promise<PlainItem[]> {
  return createDynamoDbTable({ client: db.client(), tableName: EMBEDDED_TABLE })
    .scanAll()
    .catch((error: unknown) => {
      if (error instanceof ResourceNotFoundException) return [];
      throw error;
    });
}

/**
 * The latest the store in DB knows of, read whole: its last event, or the writer's last change
 * to a state when later (a sweep that escalated after the last event). The read commands take
 * "now" from it, since a replayed history's wall clock is years past its events.
 */
export async function lastChange(db: EmbeddedDynamoDb): Promise<Instant | null> {
  const { lastEvent, writtenUntil } = summarizeItems(await scanStore(db));
  return lastEvent === null || writtenUntil === null ? (lastEvent ?? writtenUntil) : Math.max(lastEvent, writtenUntil);
}

/** `replay --db DIR`'s hold on the folder, from before the replay until it kept what it replayed. */
export interface ReplayFolder {
  /** What the store held (nothing for a new one): with `--append`, the replay goes on from it. */
  readonly items: readonly PlainItem[];
  readonly summary: StoredItemsSummary;
  /** Makes the store hold ITEMS, the whole replayed table: writes them, then removes what the replay removed. */
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

const keyOf = (item: PlainItem): string => `${String(item.PK)}\n${String(item.SK)}`;

/** `3 stacks, 1 window, events 2021-09-21T19:09:00Z–2021-09-21T20:07:00Z`. */
function describeStore(summary: StoredItemsSummary): string {
  const events =
    summary.firstEvent === null || summary.lastEvent === null
      ? ''
      : `, events ${formatInstant(summary.firstEvent)}–${formatInstant(summary.lastEvent)}`;
  return `${plural(summary.stacks, 'stack')}, ${plural(summary.windows, 'window')}${events}`;
}

/**
 * Takes DIR for `replay --db DIR` before anything is replayed, and holds it until closed: a new
 * folder is created (its parent must exist), an empty one taken, a store refused unless `append`
 * (then read whole, for the replay to go on from); anything else refused.
 *
 * @throws {StoreFolderError} when DIR cannot take the store, or holds one and `append` is not set
 * @throws {StoreInUseError} when another command has it open
 */
export async function openReplayFolder(dir: string, options: { readonly append: boolean }): Promise<ReplayFolder> {
  const found = await levelDbFolder(dir);
  if (found === 'not-a-folder') throw new StoreFolderError(isAFile(dir));
  if (found === 'not-a-store')
    throw new StoreFolderError(
      `${dir} holds other files and no store: give replay --db a new or empty folder, or a store it kept`,
    );
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
    if (found === 'empty')
      for (const entry of await readdir(dir)) await rm(path.join(dir, entry), { recursive: true, force: true });
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
  const release = async (): Promise<void> => {
    await db.close();
    if (!kept) await undo();
  };
  try {
    const client = db.client();
    const table = createDynamoDbTable({ client, tableName: EMBEDDED_TABLE });
    const items = found === 'store' ? await scanStore(db) : [];
    const summary = summarizeItems(items);
    if (items.length > 0 && !options.append) {
      throw new StoreFolderError(
        `${dir} already holds a replayed store (${describeStore(summary)}); give --append to add to it, or another ` +
          `--db`,
      );
    }
    return {
      items,
      summary,
      async keep(replayed) {
        await ensureTable(client, EMBEDDED_TABLE);
        const written = new Set<string>();
        await table.putAll(
          (function* () {
            for (const item of replayed) {
              written.add(keyOf(item));
              yield item;
            }
          })(),
        );
        // Folded pages and walk points the replay dropped must not come back when the store is read.
        for (const item of items) if (!written.has(keyOf(item))) await table.delete(String(item.PK), String(item.SK));
        kept = true;
      },
      close: release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}
