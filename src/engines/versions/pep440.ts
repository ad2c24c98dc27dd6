import { compareDigitRuns, compareParsedOrText, compareStrings } from './compare-helpers.js';
import type { VersionComparator } from './types.js';

/** Python package versions, parsed and ordered as `packaging.version.Version` (PEP 440) does. */

const PATTERN = new RegExp(
  '^\\s*v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?' +
    '\\s*$',
  'i',
);

/** A part that may be absent; absent sorts below (`-1`) or above (`1`) every present value, as packaging's key does. */
type Slot = { absent: -1 | 1 } | { value: string };

interface Pep440Version {
  epoch: string;
  release: string[];
  pre: { absent: -1 | 1 } | { letter: string; number: string };
  post: Slot;
  dev: Slot;
  local: string[] | undefined;
}

const PRE_LETTER: Record<string, string> = { alpha: 'a', a: 'a', beta: 'b', b: 'b', c: 'rc', pre: 'rc', preview: 'rc', rc: 'rc' };

function parse(input: string): Pep440Version | undefined {
  if (input.length > 1024) return undefined;
  const g = PATTERN.exec(input)?.groups;
  if (g === undefined || g.release === undefined) return undefined;
  const release = g.release.split('.');
  while (release.length > 1 && /^0+$/.test(release[release.length - 1] ?? '')) release.pop();
  const hasPost = g.post !== undefined;
  const hasDev = g.dev !== undefined;
  const preLetter = g.pre_l === undefined ? undefined : PRE_LETTER[g.pre_l.toLowerCase()];
  return {
    epoch: g.epoch ?? '0',
    release,
    // A dev release of a final version (1.0.dev1) sorts before its pre-releases.
    pre:
      preLetter !== undefined
        ? { letter: preLetter, number: g.pre_n ?? '0' }
        : { absent: !hasPost && hasDev ? -1 : 1 },
    post: hasPost ? { value: g.post_n1 ?? g.post_n2 ?? '0' } : { absent: -1 },
    dev: hasDev ? { value: g.dev_n ?? '0' } : { absent: 1 },
    local: g.local === undefined ? undefined : g.local.toLowerCase().split(/[-_.]/),
  };
}

function compareSlots(a: Slot, b: Slot): number {
  if ('value' in a && 'value' in b) return compareDigitRuns(a.value, b.value);
  const x = 'absent' in a ? a.absent : 0;
  const y = 'absent' in b ? b.absent : 0;
  return x === y ? 0 : x < y ? -1 : 1;
}

function compareRelease(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = compareDigitRuns(a[i] ?? '0', b[i] ?? '0');
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Local segments: numbers beat strings, numbers numerically, strings lexically, a longer label wins a tie. */
function compareLocal(a: string[] | undefined, b: string[] | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    const xNum = /^[0-9]+$/.test(x);
    const yNum = /^[0-9]+$/.test(y);
    const diff = xNum && yNum ? compareDigitRuns(x, y) : xNum !== yNum ? (xNum ? 1 : -1) : compareStrings(x, y);
    if (diff !== 0) return diff;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareParsed(a: Pep440Version, b: Pep440Version): number {
  const byEpoch = compareDigitRuns(a.epoch, b.epoch);
  if (byEpoch !== 0) return byEpoch;
  const byRelease = compareRelease(a.release, b.release);
  if (byRelease !== 0) return byRelease;
  const byPre =
    'letter' in a.pre && 'letter' in b.pre
      ? compareStrings(a.pre.letter, b.pre.letter) || compareDigitRuns(a.pre.number, b.pre.number)
      : compareSlots('letter' in a.pre ? { value: '' } : a.pre, 'letter' in b.pre ? { value: '' } : b.pre);
  if (byPre !== 0) return byPre;
  return compareSlots(a.post, b.post) || compareSlots(a.dev, b.dev) || compareLocal(a.local, b.local);
}

export const pep440Comparator: VersionComparator = {
  name: 'pep440',
  ecosystems: ['PyPI'],
  // Invalid versions sort before every valid one, and among themselves by their text.
  compare: (a, b) => compareParsedOrText(a, b, parse, compareParsed),
  isValid: (version) => parse(version) !== undefined,
};
