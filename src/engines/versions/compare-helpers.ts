/** Shared helpers for the version comparators: arbitrary-length digit runs, text order, invalid-version order. */

/** Compares two runs of ASCII digits numerically without overflow (`007` equals `7`; empty is zero). */
export function compareDigitRuns(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Plain code-unit comparison, the tie-break for strings a comparator cannot parse. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Invalid versions sort before every valid one, and among themselves by their text. */
export function compareParsedOrText<T>(a: string, b: string, parse: (v: string) => T | undefined, ordered: (x: T, y: T) => number): number {
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined) {
    if (x !== y) return x === undefined ? -1 : 1;
    return compareStrings(a, b);
  }
  return ordered(x, y);
}
