import { compareDigitRuns } from './compare-helpers.js';
import type { VersionComparator } from './types.js';

/** Debian package versions (`[epoch:]upstream[-revision]`), ordered as `dpkg --compare-versions` orders them. */

interface DpkgVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

/** Splits like dpkg's parseversion, leniently: odd input still yields parts (validity is `isValid`'s job). */
function parse(input: string): DpkgVersion {
  const version = input.trim();
  const colon = version.indexOf(':');
  let epoch = '0';
  let rest = version;
  if (colon >= 0 && /^[0-9]*$/.test(version.slice(0, colon))) {
    epoch = version.slice(0, colon);
    rest = version.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  if (hyphen < 0) return { epoch, upstream: rest, revision: '' };
  return { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) };
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** dpkg's character weight in the non-digit part: `~` before end, end before letters, letters before the rest. */
function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: alternating non-digit and digit runs. */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charAt(i))) || (j < b.length && !isDigit(b.charAt(j)))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac < bc ? -1 : 1;
      i++;
      j++;
    }
    const startA = i;
    const startB = j;
    while (i < a.length && isDigit(a.charAt(i))) i++;
    while (j < b.length && isDigit(b.charAt(j))) j++;
    const diff = compareDigitRuns(a.slice(startA, i), b.slice(startB, j));
    if (diff !== 0) return diff;
  }
  return 0;
}

function compare(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  const byEpoch = compareDigitRuns(x.epoch, y.epoch);
  if (byEpoch !== 0) return byEpoch;
  const byUpstream = verrevcmp(x.upstream, y.upstream);
  if (byUpstream !== 0) return byUpstream;
  const byRevision = verrevcmp(x.revision, y.revision);
  return byRevision;
}

const EPOCH_MAX = 2147483647;

/** dpkg's parseversion checks: epoch digits ≤ INT_MAX, non-empty upstream starting with a digit, allowed characters. */
function isValid(input: string): boolean {
  const version = input.trim();
  if (version === '' || /\s/.test(version)) return false;
  const colon = version.indexOf(':');
  let rest = version;
  if (colon >= 0) {
    const epoch = version.slice(0, colon);
    if (!/^[0-9]+$/.test(epoch) || compareDigitRuns(epoch, String(EPOCH_MAX)) > 0) return false;
    rest = version.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen < 0 ? rest : rest.slice(0, hyphen);
  if (upstream === '' || !isDigit(upstream.charAt(0))) return false;
  if (!/^[A-Za-z0-9.+~:-]+$/.test(upstream)) return false;
  if (hyphen < 0) return true;
  const revision = rest.slice(hyphen + 1);
  return /^[A-Za-z0-9.+~]+$/.test(revision);
}

export const dpkgComparator: VersionComparator = {
  name: 'dpkg',
  ecosystems: ['Debian', 'Ubuntu'],
  compare,
  isValid,
};

