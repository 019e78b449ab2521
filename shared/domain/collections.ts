/**
 * Groups items by a key, keeping their order within each group.
 *
 * @example
 * groupBy(records, (record) => record.stackId).get(stackArn); // that stack's records, in order
 */
export function groupBy<T>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
