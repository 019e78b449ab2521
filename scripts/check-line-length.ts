/**
 * `npm run lint`'s second half: lines of at most 120 characters (code points, as an editor counts
 * them) in every tracked TypeScript and JavaScript file. Biome wraps code at 120 columns but leaves
 * a string or a comment it cannot break; this names each such line, for a person to break. A line
 * long only by a URL passes (a URL cannot be broken, and a citation should stay whole).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const MAX_LINE_LENGTH = 120;

const URL = /https?:\/\/\S+/g;

/**
 * The lines of `text` longer than {@link MAX_LINE_LENGTH}, by 1-based number; a line within the
 * limit once its URLs count as one character each is not one of them.
 *
 * @example
 * longLines('short\n' + 'x'.repeat(121)); // [{ line: 2, length: 121 }]
 */
export function longLines(text: string): { readonly line: number; readonly length: number }[] {
  return text
    .split('\n')
    .map((line, index) => ({
      line: index + 1,
      length: [...line].length,
      withoutUrls: [...line.replace(URL, 'u')].length,
    }))
    .filter(({ withoutUrls }) => withoutUrls > MAX_LINE_LENGTH)
    .map(({ line, length }) => ({ line, length }));
}

function main(): void {
  const files = execFileSync('git', ['ls-files', '*.ts', '*.js', '*.mjs'], { encoding: 'utf8' })
    .split('\n')
    .filter((file) => file !== '');
  const found = files.flatMap((file) => longLines(readFileSync(file, 'utf8')).map((long) => ({ file, ...long })));
  for (const { file, line, length } of found) {
    console.error(`${file}:${line}: ${length} characters, more than ${MAX_LINE_LENGTH}`);
  }
  if (found.length > 0) {
    console.error(`${found.length} line(s) too long: break the string or the comment (Biome breaks code itself)`);
    process.exit(1);
  }
}

if (process.argv[1]?.endsWith('check-line-length.ts')) main();
