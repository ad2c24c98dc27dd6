/** Seeded random version strings for the oracle property tests; not a test file itself. */

/** mulberry32: small, fast, reproducible. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Gen {
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** A run of `1..max` characters from `alphabet`. */
  run(alphabet: string, max: number): string;
}

export function gen(seed: number): Gen {
  const next = seeded(seed);
  const int = (max: number): number => Math.floor(next() * max);
  return {
    int,
    pick: (items) => items[int(items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
    run: (alphabet, max) => {
      let out = '';
      const n = 1 + int(max);
      for (let i = 0; i < n; i++) out += alphabet.charAt(int(alphabet.length));
      return out;
    },
  };
}

/** Pairs where `b` is often a small edit of `a`, so equal and near-equal versions are common. */
export function pairs(count: number, g: Gen, make: () => string, mutateChar: () => string): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    const a = make();
    let b: string;
    const mode = g.int(4);
    if (mode === 0) b = make();
    else if (mode === 1) b = a;
    else {
      const at = g.int(a.length + 1);
      const cut = mode === 2 ? 1 : 0;
      b = a.slice(0, at) + mutateChar() + a.slice(at + cut);
    }
    out.push([a, b]);
  }
  return out;
}

export function signOf(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}
