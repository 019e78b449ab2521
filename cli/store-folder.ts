/**
 * The folder of `--db DIR`: the read commands open a store that `replay --db` kept there and never
 * create one, so that a mistyped path cannot read as "nothing happened".
 */
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { EmbeddedDbOpenError, startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../shared/adapters/embedded-dynamodb.ts';

/** The table the embedded stores (replay, `--db`) use. */
export const EMBEDDED_TABLE = 'cfn-watchdog';

/** DIR is not what the command needs (nothing there, a file, a folder without a store): exit status 2. */
export class StoreFolderError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreFolderError';
  }
}

const noStore = (dir: string): string => `no store at ${dir} (replay --db ${dir} creates one)`;
const isAFile = (dir: string): string => `${dir} is a file, not a store folder`;

/**
 * Opens the store that `replay --db DIR` kept, for reading; what is no store (nothing there, a
 * file, a folder without one, a LevelDB without the watchdog's table) is refused and left as it was.
 *
 * @throws {StoreFolderError} when DIR holds no store
 */
export async function openStoreFolder(dir: string): Promise<EmbeddedDynamoDb> {
  let db: EmbeddedDynamoDb;
  try {
    db = await startEmbeddedDynamoDb({ path: dir, create: false });
  } catch (error) {
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
