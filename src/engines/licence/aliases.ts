/**
 * Common non-SPDX spellings (lower-case, single-spaced) → SPDX expression: Debian DEP-5 short names, Fedora's
 * legacy names, PyPI trove names, npm and free-text variants. GNU licences are handled by `gnuLicense`.
 */
export const LICENSE_ALIASES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    'mit license': 'MIT', 'the mit license': 'MIT', 'mit/x11': 'MIT', 'x11/mit': 'MIT', expat: 'MIT', 'expat license': 'MIT', 'mit-style': 'MIT',
    'apache 2.0': 'Apache-2.0', 'apache 2': 'Apache-2.0', 'apache-2': 'Apache-2.0', apache2: 'Apache-2.0', 'apache license 2.0': 'Apache-2.0',
    'apache license, version 2.0': 'Apache-2.0', 'apache license version 2.0': 'Apache-2.0', 'apache software license': 'Apache-2.0',
    'apache software license 2.0': 'Apache-2.0', 'apache license (2.0)': 'Apache-2.0', 'apache-2.0 license': 'Apache-2.0', 'asl 2.0': 'Apache-2.0',
    'asl-2.0': 'Apache-2.0', 'asl2.0': 'Apache-2.0', 'apache license': 'Apache-2.0', 'asl 1.1': 'Apache-1.1',
    'bsd-3': 'BSD-3-Clause', bsd3: 'BSD-3-Clause', 'bsd 3-clause': 'BSD-3-Clause', '3-clause bsd': 'BSD-3-Clause', 'new bsd': 'BSD-3-Clause',
    'new bsd license': 'BSD-3-Clause', 'modified bsd': 'BSD-3-Clause', 'bsd-3-clause license': 'BSD-3-Clause', 'bsd 3-clause license': 'BSD-3-Clause',
    'bsd-2': 'BSD-2-Clause', bsd2: 'BSD-2-Clause', 'bsd 2-clause': 'BSD-2-Clause', '2-clause bsd': 'BSD-2-Clause', 'simplified bsd': 'BSD-2-Clause',
    freebsd: 'BSD-2-Clause', 'bsd-2-clause license': 'BSD-2-Clause', 'bsd-4': 'BSD-4-Clause', 'bsd-4-clause-uc': 'BSD-4-Clause-UC',
    'isc license': 'ISC', 'isc license (iscl)': 'ISC', 'zlib license': 'Zlib', 'zlib/libpng': 'Zlib', 'boost software license': 'BSL-1.0', boost: 'BSL-1.0',
    'mpl 2.0': 'MPL-2.0', mpl2: 'MPL-2.0', 'mpl-2': 'MPL-2.0', 'mpl 1.1': 'MPL-1.1', 'mozilla public license 2.0': 'MPL-2.0', 'mozilla public license 2.0 (mpl 2.0)': 'MPL-2.0',
    psf: 'PSF-2.0', psfl: 'PSF-2.0', 'python software foundation license': 'PSF-2.0', python: 'Python-2.0', 'python license': 'Python-2.0',
    artistic: 'Artistic-1.0-Perl', 'artistic license': 'Artistic-1.0-Perl', 'artistic 2.0': 'Artistic-2.0', perl: 'Artistic-1.0-Perl OR GPL-1.0-or-later',
    cc0: 'CC0-1.0', 'cc0 1.0': 'CC0-1.0', 'cc0 1.0 universal': 'CC0-1.0', 'cc0-1.0 universal': 'CC0-1.0', 'the unlicense': 'Unlicense',
    'unlicense license': 'Unlicense', 'eclipse public license 1.0': 'EPL-1.0', 'eclipse public license 2.0': 'EPL-2.0', 'epl 2.0': 'EPL-2.0',
    cddl: 'CDDL-1.0', 'openssl license': 'OpenSSL', ofl: 'OFL-1.1', 'sil open font license 1.1': 'OFL-1.1', 'ruby license': 'Ruby',
    'php license': 'PHP-3.01', 'postgresql license': 'PostgreSQL', 'public domain': 'LicenseRef-Public-Domain', 'public-domain': 'LicenseRef-Public-Domain',
    'gpl-2.0-with-classpath-exception': 'GPL-2.0-only WITH Classpath-exception-2.0', 'gpl-2.0-with-gcc-exception': 'GPL-2.0-only WITH GCC-exception-2.0',
    'gpl-3.0-with-gcc-exception': 'GPL-3.0-only WITH GCC-exception-3.1', 'gpl-2.0-with-autoconf-exception': 'GPL-2.0-only WITH Autoconf-exception-2.0',
    'gpl-3.0-with-autoconf-exception': 'GPL-3.0-only WITH Autoconf-exception-3.0', 'apache-2.0 with llvm-exception': 'Apache-2.0 WITH LLVM-exception',
  }),
);

const GNU_LONG_NAMES: ReadonlyArray<[RegExp, string]> = [
  [/gnu (?:lesser|library) general public licen[cs]e/g, 'lgpl'],
  [/gnu affero general public licen[cs]e/g, 'agpl'],
  [/gnu general public licen[cs]e/g, 'gpl'],
  [/gnu free documentation licen[cs]e/g, 'gfdl'],
  [/\bgnu\s+(?=(?:a|l)?gpl|gfdl)/g, ''],
  [/\s*\((?:a|l)?gplv\d\+?\)$/, ''],
];

const GNU_VERSIONS: Readonly<Record<string, { versions: readonly string[]; default: string; defaultLater: boolean }>> = {
  GPL: { versions: ['1.0', '2.0', '3.0'], default: '1.0', defaultLater: true },
  LGPL: { versions: ['2.0', '2.1', '3.0'], default: '2.0', defaultLater: true },
  AGPL: { versions: ['1.0', '3.0'], default: '3.0', defaultLater: false },
  GFDL: { versions: ['1.1', '1.2', '1.3'], default: '1.1', defaultLater: true },
};

/**
 * GNU licences in any common spelling → SPDX 3 ids: `GPL-2`, `GPLv2+`, `GPL-2.0+`, `gpl2`, `LGPL-2.1+`,
 * `GNU General Public License v3 or later`, `GPL (>= 2)`, `AGPL-3.0`, `GPL-2.0-only`. Null when not a GNU licence.
 */
export function gnuLicense(term: string): string | null {
  let s = term.toLowerCase().trim();
  for (const [re, short] of GNU_LONG_NAMES) s = s.replace(re, short);
  const m = /^(agpl|lgpl|gpl|gfdl)(?:[\s-]*(?:v(?:ersion)?\.?\s*)?(\d+(?:\.\d+)?))?\s*(\+|-?or-later|\(?\s*or\s+(?:any\s+)?later(?:\s+version)?\s*\)?|\(\s*>=\s*(\d+(?:\.\d+)?)\s*\)|-only|\s+only)?(?:\s+licen[cs]e)?$/.exec(s);
  if (!m) return null;
  const family = (m[1] ?? '').toUpperCase();
  const spec = GNU_VERSIONS[family];
  if (!spec) return null;
  const rawVersion = m[2] ?? m[4];
  const version = rawVersion === undefined ? spec.default : rawVersion.includes('.') ? rawVersion : `${rawVersion}.0`;
  if (!spec.versions.includes(version)) return null;
  const later = m[3] ? !/only/.test(m[3]) : rawVersion === undefined && spec.defaultLater;
  return `${family}-${version}-${later ? 'or-later' : 'only'}`;
}
