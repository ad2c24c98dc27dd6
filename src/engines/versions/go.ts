import { compareParsedOrText } from './compare-helpers.js';
import { compareSemverParts, type SemverParts } from './semver.js';
import type { VersionComparator } from './types.js';

/**
 * Go module versions as golang.org/x/mod/semver orders them: `vMAJOR[.MINOR[.PATCH[-pre][+build]]]`, `v1` and
 * `v1.2` as shorthands for `v1.0.0` / `v1.2.0`, pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`) ordered as
 * the pre-releases they are, `+incompatible` ignored like all build metadata. OSV writes Go versions without the
 * `v`, so it is optional here.
 */

const NUMBER = '0|[1-9][0-9]*';
const IDENT = '[0-9A-Za-z-]+';
const GO_SEMVER = new RegExp(
  `^v?(${NUMBER})(?:\\.(${NUMBER})(?:\\.(${NUMBER})(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+${IDENT}(?:\\.${IDENT})*)?)?)?$`,
);

function parse(version: string): SemverParts | undefined {
  if (version.length > 1024) return undefined;
  const m = GO_SEMVER.exec(version);
  if (m === null) return undefined;
  const prerelease = m[4] === undefined ? [] : m[4].split('.');
  // x/mod rejects numeric pre-release identifiers with leading zeros.
  if (prerelease.some((id) => /^0[0-9]+$/.test(id))) return undefined;
  return { core: [m[1] ?? '0', m[2] ?? '0', m[3] ?? '0'], prerelease };
}

export const goComparator: VersionComparator = {
  name: 'go',
  ecosystems: ['Go'],
  compare: (a, b) => compareParsedOrText(a, b, parse, compareSemverParts),
  isValid: (version) => parse(version) !== undefined,
};
