import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deniedLicenseMatcher, isLicenseDenied, normalizeLicense } from '../../../src/engines/licence/index.js';

describe('normalizeLicense', () => {
  const cases: Array<[string, string]> = [
    ['MIT', 'MIT'],
    ['mit', 'MIT'],
    ['(MIT OR Apache-2.0)', 'MIT OR Apache-2.0'],
    ['MIT AND (BSD-3-Clause OR Apache-2.0)', 'MIT AND (BSD-3-Clause OR Apache-2.0)'],
    ['(MIT AND BSD-2-Clause) OR ISC', '(MIT AND BSD-2-Clause) OR ISC'],
    ['GPL-2.0+', 'GPL-2.0-or-later'],
    ['GPL-2.0', 'GPL-2.0-only'],
    ['GPLv2', 'GPL-2.0-only'],
    ['GPLv2+ and LGPLv2+', 'GPL-2.0-or-later AND LGPL-2.0-or-later'],
    ['LGPL-2.1+', 'LGPL-2.1-or-later'],
    ['GPL-3+', 'GPL-3.0-or-later'],
    ['GPL', 'GPL-1.0-or-later'],
    ['GNU General Public License v3 or later (GPLv3+)', 'GPL-3.0-or-later'],
    ['GNU Lesser General Public License v2.1', 'LGPL-2.1-only'],
    ['AGPL-3.0', 'AGPL-3.0-only'],
    ['GPL-2.0-or-later WITH Classpath-exception-2.0', 'GPL-2.0-or-later WITH Classpath-exception-2.0'],
    ['GPL-2+ with OpenSSL exception', 'GPL-2.0-or-later WITH LicenseRef-OpenSSL-exception'],
    ['GPL-3.0-with-GCC-exception', 'GPL-3.0-only WITH GCC-exception-3.1'],
    ['MIT/X11', 'MIT'],
    ['Expat', 'MIT'],
    ['Apache 2.0', 'Apache-2.0'],
    ['Apache License, Version 2.0', 'Apache-2.0'],
    ['ASL 2.0', 'Apache-2.0'],
    ['MIT or ASL 2.0', 'MIT OR Apache-2.0'],
    ['BSD-3-Clause', 'BSD-3-Clause'],
    ['bsd-3-clause', 'BSD-3-Clause'],
    ['New BSD License', 'BSD-3-Clause'],
    ['Apache-2.0+', 'Apache-2.0+'],
    ['MIT BSD GPL2+', 'MIT AND LicenseRef-BSD AND GPL-2.0-or-later'],
    ['GPL/BSD', 'GPL-1.0-or-later OR LicenseRef-BSD'],
    ['Perl', 'Artistic-1.0-Perl OR GPL-1.0-or-later'],
    ['GPL-2+ or Artistic-2.0, and BSD-3-clause', '(GPL-2.0-or-later OR Artistic-2.0) AND BSD-3-Clause'],
    ['MIT AND MIT', 'MIT'],
    ['BSD License', 'LicenseRef-BSD-License'],
    ['Public Domain', 'LicenseRef-Public-Domain'],
    ['LicenseRef-Acme-EULA', 'LicenseRef-Acme-EULA'],
    ['My Weird License v1', 'LicenseRef-My-Weird-License-v1'],
    ['(MIT OR', 'LicenseRef-MIT-OR'],
    ['UNKNOWN', ''],
    ['', ''],
    ['Copyright (c) 2020 Someone\n'.repeat(100), ''],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw.slice(0, 50))} → ${expected || "''"}`, () => assert.equal(normalizeLicense(raw), expected));
  }
});

describe('denied licences', () => {
  const matcher = deniedLicenseMatcher(['AGPL-3.0', 'SSPL-1.0']);
  const denied = (raw: string) => isLicenseDenied(normalizeLicense(raw), matcher);

  it('denies a licence listed without -only/-or-later in both variants, and in any AND', () => {
    assert.equal(denied('AGPL-3.0-only'), true);
    assert.equal(denied('AGPL-3.0-or-later'), true);
    assert.equal(denied('GNU Affero General Public License v3'), true);
    assert.equal(denied('MIT AND AGPL-3.0-or-later'), true);
    assert.equal(denied('AGPL-3.0-only WITH LicenseRef-linking-exception'), true);
  });

  it('does not deny when some OR alternative is free of denied licences', () => {
    assert.equal(denied('AGPL-3.0-only OR MIT'), false);
    assert.equal(denied('(AGPL-3.0-only AND MIT) OR Apache-2.0'), false);
    assert.equal(denied('(AGPL-3.0-only OR SSPL-1.0) AND MIT'), true);
    assert.equal(denied('GPL-3.0-or-later'), false);
    assert.equal(denied(''), false);
  });

  it('an -only entry does not deny the -or-later variant', () => {
    const only = deniedLicenseMatcher(['GPL-3.0-only']);
    assert.equal(isLicenseDenied('GPL-3.0-only', only), true);
    assert.equal(isLicenseDenied('GPL-3.0-or-later', only), false);
  });
});
