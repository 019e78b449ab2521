/**
 * The table operations the store is built on, as DynamoDB answers them: run on dynalite, moto
 * and the in-process table (vitest.config.ts), so that replay's table cannot drift from the others.
 */
import { describe, expect, it } from 'vitest';
import { TO_SWEEP_INDEX } from '../../shared/adapters/table.ts';
import { freshTable, implementation } from '../support/dynamodb.ts';

const item = (SK: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ PK: 'P', SK, ...extra });

describe('the table under the store', () => {
  it('puts with a version condition: 0 only when absent, n only when the stored version is n', async () => {
    // Prepare
    const { table } = await freshTable();

    // Act
    const created = await table.put(item('A', { version: 1 }), 0);
    const createdAgain = await table.put(item('A', { version: 1 }), 0);
    const stale = await table.put(item('A', { version: 2, note: 'stale' }), 7);
    const next = await table.put(item('A', { version: 2, note: 'next' }), 1);

    // Assess
    expect([created, createdAgain, stale, next]).toEqual([true, false, false, true]);
    expect(await table.get('P', 'A')).toEqual(item('A', { version: 2, note: 'next' }));
  });

  it('answers a key range in sort-key order, reversed and limited on request', async () => {
    // Prepare
    const { table } = await freshTable();
    for (const sk of ['WALK#3', 'WALK#1', 'STATE', 'WALK#2', 'WINDOW#1']) await table.put(item(sk));

    // Act
    const forward = await table.query({ partition: 'P', from: 'WALK#', to: 'WALK$' });
    const latestBefore3 = await table.query({ partition: 'P', from: 'WALK#', to: 'WALK#2', reverse: true, limit: 1 });
    const from = await table.query({ partition: 'P', from: 'WALK#2' });

    // Assess
    expect(forward.map((found) => found.SK)).toEqual(['WALK#1', 'WALK#2', 'WALK#3']);
    expect(latestBefore3.map((found) => found.SK)).toEqual(['WALK#2']);
    expect(from.map((found) => found.SK)).toEqual(['WALK#2', 'WALK#3', 'WINDOW#1']);
  });

  it('orders sort keys by their UTF-8 bytes, not by UTF-16 units', async () => {
    // Prepare: U+FF01 is EF BC 81 in UTF-8, U+1F600 is F0 9F 98 80; in UTF-16 the emoji's
    // surrogate D83D sorts first.
    const { table } = await freshTable();
    await table.put(item('x\u{1F600}'));
    await table.put(item('x\uFF01'));

    // Act
    const found = await table.query({ partition: 'P' });

    // Assess
    expect(found.map((entry) => entry.SK)).toEqual(['x\uFF01', 'x\u{1F600}']);
  });

  it('lists an item in a sparse keys-only index only while it has the index keys, with only the keys', async () => {
    // Prepare
    const { table } = await freshTable();
    await table.put(item('STACK#a', { sweepPK: 'SWEEP', sweepSK: 'P#STACK#a', body: 'x' }));
    await table.put(item('STACK#b', { body: 'y' }));
    await table.put(item('STACK#c', { sweepPK: 'SWEEP', sweepSK: 'P#STACK#c' }));

    // Act: c leaves the index, b joins it.
    await table.put(item('STACK#c', { body: 'z' }));
    await table.put(item('STACK#b', { sweepPK: 'SWEEP', sweepSK: 'P#STACK#b' }));
    const listed = await table.query({ index: TO_SWEEP_INDEX, partition: 'SWEEP' });

    // Assess
    expect(listed.sort((a, b) => String(a.SK).localeCompare(String(b.SK)))).toEqual([
      { PK: 'P', SK: 'STACK#a', sweepPK: 'SWEEP', sweepSK: 'P#STACK#a' },
      { PK: 'P', SK: 'STACK#b', sweepPK: 'SWEEP', sweepSK: 'P#STACK#b' },
    ]);
  });

  it('deletes idempotently, from the table and its indexes', async () => {
    // Prepare
    const { table } = await freshTable();
    await table.put(item('STACK#a', { sweepPK: 'SWEEP', sweepSK: 'P#STACK#a' }));

    // Act
    await table.delete('P', 'STACK#a');
    await table.delete('P', 'STACK#a');

    // Assess
    expect(await table.get('P', 'STACK#a')).toBeUndefined();
    expect(await table.query({ index: TO_SWEEP_INDEX, partition: 'SWEEP' })).toEqual([]);
  });

  it.each([
    { refused: 'an item over 400 KB', put: item('BIG', { body: 'x'.repeat(410 * 1024) }) },
    { refused: 'an empty sort key', put: item('') },
  ])('refuses $refused as DynamoDB does', async ({ put }) => {
    // Prepare
    const { table } = await freshTable();

    // Act
    const attempt = table.put(put);

    // Assess
    await expect(attempt).rejects.toThrow(expect.objectContaining({ name: 'ValidationException' }));
    expect(await table.query({ partition: 'P' })).toEqual([]);
  });

  // dynalite 4.0 stores it; DynamoDB and moto refuse it ("The AttributeValue for a key attribute
  // cannot contain an empty string value"), so the in-process table does too.
  it.skipIf(implementation() === 'dynalite')('refuses an empty secondary index key as DynamoDB does', async () => {
    // Prepare
    const { table } = await freshTable();

    // Act
    const attempt = table.put(item('S', { sweepPK: '', sweepSK: 'x' }));

    // Assess
    await expect(attempt).rejects.toThrow(expect.objectContaining({ name: 'ValidationException' }));
  });
});
