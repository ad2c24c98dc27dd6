/**
 * The SPDX licence and exception identifiers the normaliser recognises (the ones seen in package metadata of
 * Linux distributions and language registries), in canonical spelling. An id not listed is still accepted when
 * it is written exactly in SPDX form by the package (`isSpdxShaped`), other spellings become `LicenseRef-…`.
 */
export const SPDX_LICENSE_IDS: readonly string[] = [
  '0BSD', 'AFL-2.1', 'AFL-3.0', 'AGPL-1.0-only', 'AGPL-1.0-or-later', 'AGPL-3.0-only', 'AGPL-3.0-or-later', 'Apache-1.0', 'Apache-1.1', 'Apache-2.0',
  'APSL-2.0', 'Artistic-1.0', 'Artistic-1.0-Perl', 'Artistic-2.0', 'Beerware', 'BitTorrent-1.1', 'BlueOak-1.0.0', 'BSD-1-Clause', 'BSD-2-Clause',
  'BSD-2-Clause-Patent', 'BSD-3-Clause', 'BSD-3-Clause-Clear', 'BSD-4-Clause', 'BSD-4-Clause-UC', 'BSD-Source-Code', 'BSL-1.0', 'bzip2-1.0.6',
  'CC-BY-3.0', 'CC-BY-4.0', 'CC-BY-SA-3.0', 'CC-BY-SA-4.0', 'CC-BY-NC-4.0', 'CC0-1.0', 'CDDL-1.0', 'CDDL-1.1', 'CECILL-2.1', 'ClArtistic', 'CPL-1.0',
  'curl', 'ECL-2.0', 'EFL-2.0', 'EPL-1.0', 'EPL-2.0', 'EUPL-1.1', 'EUPL-1.2', 'FSFAP', 'FSFUL', 'FSFULLR', 'FTL', 'GFDL-1.1-only', 'GFDL-1.1-or-later',
  'GFDL-1.2-only', 'GFDL-1.2-or-later', 'GFDL-1.3-only', 'GFDL-1.3-or-later', 'GPL-1.0-only', 'GPL-1.0-or-later', 'GPL-2.0-only', 'GPL-2.0-or-later',
  'GPL-3.0-only', 'GPL-3.0-or-later', 'HPND', 'ICU', 'IJG', 'ImageMagick', 'Info-ZIP', 'IPA', 'ISC', 'JSON', 'LGPL-2.0-only', 'LGPL-2.0-or-later',
  'LGPL-2.1-only', 'LGPL-2.1-or-later', 'LGPL-3.0-only', 'LGPL-3.0-or-later', 'Libpng', 'libpng-2.0', 'libtiff', 'LPL-1.02', 'LPPL-1.3c', 'MirOS',
  'MIT', 'MIT-0', 'MIT-CMU', 'MIT-Modern-Variant', 'MPL-1.0', 'MPL-1.1', 'MPL-2.0', 'MPL-2.0-no-copyleft-exception', 'MS-PL', 'MS-RL', 'NCSA', 'Net-SNMP',
  'NTP', 'OFL-1.0', 'OFL-1.1', 'OLDAP-2.8', 'OpenSSL', 'OSL-3.0', 'PHP-3.0', 'PHP-3.01', 'PostgreSQL', 'PSF-2.0', 'Python-2.0', 'Python-2.0.1', 'Qhull',
  'Ruby', 'SGI-B-2.0', 'Sleepycat', 'SMLNJ', 'SSPL-1.0', 'TCL', 'Unicode-3.0', 'Unicode-DFS-2016', 'Unlicense', 'UPL-1.0', 'Vim', 'W3C', 'W3C-20150513',
  'WTFPL', 'X11', 'XFree86-1.1', 'Zed', 'Zlib', 'zlib-acknowledgement', 'ZPL-2.0', 'ZPL-2.1',
];

export const SPDX_EXCEPTION_IDS: readonly string[] = [
  'Autoconf-exception-2.0', 'Autoconf-exception-3.0', 'Bison-exception-2.2', 'Bootloader-exception', 'Classpath-exception-2.0', 'CLISP-exception-2.0',
  'eCos-exception-2.0', 'Font-exception-2.0', 'GCC-exception-2.0', 'GCC-exception-3.1', 'GPL-3.0-linking-exception', 'GPL-CC-1.0', 'LGPL-3.0-linking-exception',
  'Libtool-exception', 'Linux-syscall-note', 'LLVM-exception', 'OCaml-LGPL-linking-exception', 'openvpn-openssl-exception', 'Qt-GPL-exception-1.0',
  'Qt-LGPL-exception-1.1', 'u-boot-exception-2.0', 'WxWindows-exception-3.1',
];

const byLower = (ids: readonly string[]) => new Map(ids.map((id) => [id.toLowerCase(), id]));
export const LICENSE_BY_LOWER = byLower(SPDX_LICENSE_IDS);
export const EXCEPTION_BY_LOWER = byLower(SPDX_EXCEPTION_IDS);

/** Written like an SPDX id (`Foo-1.0`): letters, digits, `.` and `-`, starting with a letter or digit. */
export const isSpdxShaped = (id: string): boolean => /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(id) && /[-.0-9]/.test(id) && /[A-Z]/.test(id) && !/^[A-Z]+$/.test(id);
