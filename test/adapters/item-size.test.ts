import { describe, expect, it } from 'vitest';
import { itemSize, readUnits, writeUnits } from '../../shared/adapters/item-size.ts';

describe('itemSize counts as DynamoDB does', () => {
  it.each([
    // name bytes + value bytes, each worked out by hand from the Developer Guide's rules
    ['an ASCII string', { PK: 'abc' }, 2 + 3],
    ['a string in UTF-8 bytes, not UTF-16 units', { r: 'Überprüfung' }, 1 + 13],
    ['an emoji: 4 UTF-8 bytes, 2 UTF-16 units', { r: '🚀' }, 1 + 4],
    ['a non-ASCII attribute name', { größe: 'x' }, 7 + 1],
    ['a number: one byte per two significant digits, plus one', { n: 12345 }, 1 + 4],
    ['a number with trailing zeros trimmed', { n: 1000 }, 1 + 2],
    ['a boolean and a null', { b: true, z: null }, 2 + 2],
    ['an empty list and an empty map', { l: [], m: {} }, 1 + 3 + 1 + 3],
    ['a list: 3 bytes, 1 per element, the elements', { l: ['ab', 'c'] }, 1 + 3 + (1 + 2) + (1 + 1)],
    ['a map: 3 bytes, 1 per element, names and values', { m: { ab: 'cd' } }, 1 + 3 + 1 + 2 + 2],
    ['undefined attributes are not stored', { a: 'x', b: undefined }, 2],
  ])('%s', (_, item, bytes) => {
    expect(itemSize(item)).toBe(bytes);
  });

  it('tells apart an item that dynalite would measure as below 400 KB but DynamoDB as above', () => {
    // Prepare: 150,000 three-byte characters: 150,000 UTF-16 units, 450,000 UTF-8 bytes.
    const item = { PK: 'x', reason: 'ü€'.repeat(75_000) };

    // Act / Assess
    expect(item.reason.length).toBe(150_000);
    expect(itemSize(item)).toBe(2 + 1 + 6 + 75_000 * 5);
  });
});

describe('request units', () => {
  it.each([
    [1, 1],
    [1024, 1],
    [1025, 2],
    [64 * 1024, 64],
  ])('a write of %i bytes costs %i units', (bytes, units) => {
    expect(writeUnits(bytes)).toBe(units);
  });

  it.each([
    [4096, true, 1],
    [4097, true, 2],
    [4097, false, 1],
    [0, false, 0.5],
  ])('a read of %i bytes (consistent: %s) costs %f units', (bytes, consistent, units) => {
    expect(readUnits(bytes, consistent)).toBe(units);
  });
});
