/**
 * An item's size as DynamoDB counts it, for its 400 KB limit and for capacity: attribute names
 * plus values, strings and names in UTF-8 bytes. dynalite counts UTF-16 code units instead and
 * accepts items far past the limit, so the store measures what it writes with this, not by trial.
 *
 * Rules (DynamoDB Developer Guide, "Item sizes and formats"): a string is its UTF-8 bytes; a
 * number about one byte per two significant digits plus one; a boolean or null one byte; binary
 * its raw bytes; a list or map 3 bytes, plus 1 per element, plus its elements (a map's element
 * names too). Attributes left `undefined` are not stored.
 */

/** An item as the document client takes and returns it (plain values, not AttributeValues). */
export type PlainItem = Record<string, unknown>;

function numberSize(value: number): number {
  const digits = String(Math.abs(value))
    .replace('.', '')
    .replace(/e.*$/, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '').length;
  return Math.max(1, 1 + Math.ceil(digits / 2));
}

function valueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return numberSize(value);
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set)
    return [...(value as Set<unknown>)].reduce<number>((sum, element) => sum + valueSize(element), 0);
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + 1 + valueSize(element), 0);
  if (typeof value === 'object') {
    return (
      3 +
      Object.entries(value as PlainItem).reduce(
        (sum, [name, element]) =>
          element === undefined ? sum : sum + 1 + Buffer.byteLength(name, 'utf8') + valueSize(element),
        0,
      )
    );
  }
  return 0;
}

/**
 * The item's size in bytes as DynamoDB counts it.
 *
 * @example
 * itemSize({ PK: 'SERVICE#…', reason: 'Überprüfung fehlgeschlagen' }); // UTF-8 bytes, not string length
 */
export function itemSize(item: PlainItem): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => (value === undefined ? sum : sum + Buffer.byteLength(name, 'utf8') + valueSize(value)),
    0,
  );
}

/** Write request units of writing (or failing a conditional write on) an item of `bytes`: 1 per KB. */
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));

/** Read request units of reading `bytes`: 1 per 4 KB strongly consistent, half that otherwise. */
export const readUnits = (bytes: number, consistent: boolean): number =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
