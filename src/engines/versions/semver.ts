import { compareDigitRuns, compareParsedOrText, compareStrings } from './compare-helpers.js';
import type { VersionComparator } from './types.js';

/** SemVer 2.0.0 as npm's `semver` package parses (strict mode) and orders it; build metadata is ignored. */

const NUMBER = '0|[1-9][0-9]*';
const PRERELEASE_ID = `(?:${NUMBER}|[0-9]*[a-zA-Z-][a-zA-Z0-9-]*)`;
const SEMVER = new RegExp(
  `^v?(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})(?:-(${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*))?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`,
);
/** npm semver refuses longer strings and numbers above Number.MAX_SAFE_INTEGER. */
const MAX_LENGTH = 256;
const MAX_SAFE = String(Number.MAX_SAFE_INTEGER);

export interface SemverParts {
  core: [string, string, string];
  prerelease: string[];
}

function parse(input: string): SemverParts | undefined {
  const version = input.trim();
  if (version.length > MAX_LENGTH) return undefined;
  const m = SEMVER.exec(version);
  if (m === null) return undefined;
  const core: [string, string, string] = [m[1] ?? '0', m[2] ?? '0', m[3] ?? '0'];
  if (core.some((n) => compareDigitRuns(n, MAX_SAFE) > 0)) return undefined;
  return { core, prerelease: m[4] === undefined ? [] : m[4].split('.') };
}

/** SemVer §11: no pre-release beats any; numeric ids below alphanumeric ones; a longer list wins a tie. */
export function comparePrerelease(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    const xNum = /^[0-9]+$/.test(x);
    const yNum = /^[0-9]+$/.test(y);
    const diff = xNum && yNum ? compareDigitRuns(x, y) : xNum !== yNum ? (xNum ? -1 : 1) : compareStrings(x, y);
    if (diff !== 0) return diff;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function compareSemverParts(a: SemverParts, b: SemverParts): number {
  for (let i = 0; i < 3; i++) {
    const diff = compareDigitRuns(a.core[i] ?? '0', b.core[i] ?? '0');
    if (diff !== 0) return diff;
  }
  return comparePrerelease(a.prerelease, b.prerelease);
}

export const semverComparator: VersionComparator = {
  name: 'semver',
  ecosystems: ['npm', 'crates.io'],
  compare: (a, b) => compareParsedOrText(a, b, parse, compareSemverParts),
  isValid: (version) => parse(version) !== undefined,
};
