/**
 * scripts/check-line-length.ts: the line-length half of `npm run lint`, counting characters as an
 * editor does (code points), so that a table's box-drawing characters count once each.
 */
import { describe, expect, it } from 'vitest';
import { longLines, MAX_LINE_LENGTH } from '../scripts/check-line-length.ts';

describe('longLines', () => {
  it.each([
    ['a line of exactly the limit', 'x'.repeat(MAX_LINE_LENGTH), []],
    ['a line one over', 'x'.repeat(MAX_LINE_LENGTH + 1), [{ line: 1, length: MAX_LINE_LENGTH + 1 }]],
    ['box drawing (3 bytes in UTF-8) at the limit', '│'.repeat(MAX_LINE_LENGTH), []],
    ['an astral emoji counted once', `${'x'.repeat(MAX_LINE_LENGTH - 1)}🚨`, []],
    ['only the long one of several, by its number', `short\n${'y'.repeat(130)}\nshort`, [{ line: 2, length: 130 }]],
    ['a comment long only by a URL', ` * (https://docs.aws.amazon.com/${'p'.repeat(130)}.html)`, []],
    [
      'a long line with a URL in it still too long without it',
      `${'z'.repeat(121)} https://example.com/x`,
      [{ line: 1, length: 143 }],
    ],
  ])('%s', (_, text, expected) => {
    expect(longLines(text)).toEqual(expected);
  });
});
