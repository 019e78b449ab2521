/**
 * The single table's shape. The SAM template declares the same table; `createTableInput` is
 * what the replay's embedded DynamoDB and the tests create, so both stay in one place.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const TO_SWEEP_INDEX = 'ToSweep';
export const WINDOWS_BY_END_INDEX = 'WindowsByEnd';
export const BY_NAME_INDEX = 'ByName';
export type IndexName = typeof TO_SWEEP_INDEX | typeof WINDOWS_BY_END_INDEX | typeof BY_NAME_INDEX;

/** Constant partition of the sparse indexes: few items, all wanted at once. */
export const SWEEP_PARTITION = 'SWEEP';
export const WINDOW_PARTITION = 'WINDOW';

export function createTableInput(tableName: string): CreateTableCommandInput {
  const stringKeys = ['PK', 'SK', 'sweepPK', 'sweepSK', 'windowPK', 'windowSK', 'namePK', 'nameSK'];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: stringKeys.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TO_SWEEP_INDEX,
        KeySchema: [
          { AttributeName: 'sweepPK', KeyType: 'HASH' },
          { AttributeName: 'sweepSK', KeyType: 'RANGE' },
        ],
        // Keys only: the sweeper reads what it sweeps consistently from the table, and an item's
        // entry is written only when it joins or leaves the index, not at every event.
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: WINDOWS_BY_END_INDEX,
        KeySchema: [
          { AttributeName: 'windowPK', KeyType: 'HASH' },
          { AttributeName: 'windowSK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: BY_NAME_INDEX,
        KeySchema: [
          { AttributeName: 'namePK', KeyType: 'HASH' },
          { AttributeName: 'nameSK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}
