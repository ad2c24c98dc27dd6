import type { VersionComparator } from './types.js';

/** RPM versions (`[epoch:]version[-release]`), ordered as rpm 4.18's rpmvercmp / rpmverCmp order them. */

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlnum = (c: string): boolean => isDigit(c) || isAlpha(c);

/** rpm's rpmvercmp on one field: alternating digit / letter segments, `~` before anything, `^` after end only. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a.charAt(i)) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b.charAt(j)) && b[j] !== '~' && b[j] !== '^') j++;
    const ca = a[i];
    const cb = b[j];
    if (ca === '~' || cb === '~') {
      if (ca !== '~') return 1;
      if (cb !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === '^' || cb === '^') {
      if (ca === undefined) return -1;
      if (cb === undefined) return 1;
      if (ca !== '^') return 1;
      if (cb !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === undefined || cb === undefined) break;
    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAlpha;
    const startA = i;
    const startB = j;
    while (i < a.length && inSegment(a.charAt(i))) i++;
    while (j < b.length && inSegment(b.charAt(j))) j++;
    // A numeric segment beats an alphabetic one.
    if (j === startB) return numeric ? 1 : -1;
    let segA = a.slice(startA, i);
    let segB = b.slice(startB, j);
    if (numeric) {
      segA = segA.replace(/^0+/, '');
      segB = segB.replace(/^0+/, '');
      if (segA.length !== segB.length) return segA.length < segB.length ? -1 : 1;
    }
    if (segA !== segB) return segA < segB ? -1 : 1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

interface Evr {
  epoch: string;
  version: string;
  release: string | undefined;
}

/** rpm's parseEVR: leading digits then `:` are the epoch (missing = 0); the last `-` after them starts the release. */
function parseEvr(evr: string): Evr {
  let s = 0;
  while (s < evr.length && isDigit(evr.charAt(s))) s++;
  const hyphen = evr.lastIndexOf('-');
  const releaseAt = hyphen >= s ? hyphen : -1;
  let epoch = '0';
  let versionStart = 0;
  if (evr[s] === ':') {
    epoch = s === 0 ? '0' : evr.slice(0, s);
    versionStart = s + 1;
  }
  if (releaseAt < 0) return { epoch, version: evr.slice(versionStart), release: undefined };
  return { epoch, version: evr.slice(versionStart, releaseAt), release: evr.slice(releaseAt + 1) };
}

/** Full EVR order (rpm.vercmp / rpmverCmp): epoch, version, then release; a missing release sorts below any. */
function compare(a: string, b: string): number {
  const x = parseEvr(a);
  const y = parseEvr(b);
  const byEpoch = rpmvercmp(x.epoch, y.epoch);
  if (byEpoch !== 0) return byEpoch;
  const byVersion = rpmvercmp(x.version, y.version);
  if (byVersion !== 0) return byVersion;
  if (x.release === undefined || y.release === undefined) {
    return x.release === y.release ? 0 : x.release === undefined ? -1 : 1;
  }
  return rpmvercmp(x.release, y.release);
}

const FIELD = /^[A-Za-z0-9._+~^]+$/;

/** What rpm accepts in a package EVR: optional numeric epoch, a version and an optional release without `-`. */
function isValid(evr: string): boolean {
  const { epoch, version, release } = parseEvr(evr);
  if (!/^[0-9]+$/.test(epoch) || !FIELD.test(version)) return false;
  return release === undefined || FIELD.test(release);
}

export const rpmComparator: VersionComparator = {
  name: 'rpm',
  // The RPM-based OSV ecosystems.
  ecosystems: ['AlmaLinux', 'Rocky Linux', 'Red Hat', 'openSUSE', 'SUSE', 'Mageia', 'openEuler', 'Photon OS', 'Azure Linux'],
  compare,
  isValid,
};
