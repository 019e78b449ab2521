/**
 * Reading the text of an input file whatever wrote it: UTF-8 with or without a byte-order mark,
 * or UTF-16 with one, as Windows PowerShell's `>` writes (`aws … > events.json` there is UTF-16
 * LE with a BOM). The one place the commands decide how bytes become text.
 */
import { UserInputError } from '../shared/errors.ts';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export class TextEncodingError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TextEncodingError';
  }
}

/**
 * The encoding the first bytes of a file announce, and how many of them the byte-order mark
 * takes; UTF-8 without a mark otherwise (UTF-16 without a mark cannot be told from binary).
 *
 * @example
 * detectEncoding(Buffer.from([0xff, 0xfe, 0x7b, 0x00])); // { encoding: 'utf-16le', bomLength: 2 }
 */
export function detectEncoding(head: Uint8Array): { readonly encoding: TextEncoding; readonly bomLength: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  return { encoding: 'utf-8', bomLength: 0 };
}

/**
 * The text of a whole file, its byte-order mark dropped; a {@link TextEncodingError} when the
 * bytes are not valid in the encoding found, rather than text with U+FFFD where they were.
 *
 * @example
 * const text = decodeText(readFileSync('stack-events.json'));
 */
export function decodeText(bytes: Uint8Array): string {
  const { encoding, bomLength } = detectEncoding(bytes);
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(bomLength));
  } catch (error) {
    const what =
      encoding === 'utf-8'
        ? 'UTF-8 text (nor UTF-16 with a byte-order mark)'
        : `valid ${encoding === 'utf-16le' ? 'UTF-16 LE' : 'UTF-16 BE'} text`;
    throw new TextEncodingError(`not ${what}`, { cause: error });
  }
}
