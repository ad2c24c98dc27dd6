/** Shared helpers for the version comparators: arbitrary-length digit runs and sign normalisation. */

/** Compares two runs of ASCII digits numerically without overflow (`007` equals `7`; empty is zero). */
export function compareDigitRuns(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** -1, 0 or 1 for any number. */
export function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Plain code-unit comparison, the tie-break for strings a comparator cannot parse. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
