/**
 * The one element of a list a test expects exactly one of: fails naming what was expected and how many there were,
 * and gives the element its type without a non-null assertion.
 */
export function only<T>(items: readonly T[], what: string): T {
  const [one] = items;
  if (items.length !== 1 || one === undefined) throw new Error(`expected exactly one ${what}, got ${items.length}`);
  return one;
}
