import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCompliance } from '../../../../src/engines/image/analyzers/compliance/index.js';

const pkg = (name: string, license?: string) => ({ name, version: '1.0', path: `/usr/lib/node_modules/${name}/package.json`, license });

describe('checkCompliance', () => {
  it('with the default policy: AGPL denied unless an alternative is allowed; miners and hacking tools blocked', () => {
    const rows = checkCompliance([
      pkg('express', 'MIT'),
      pkg('ghostscript', 'AGPL-3.0-or-later'),
      pkg('itext', 'GNU Affero General Public License v3'),
      pkg('dual', '(AGPL-3.0-only OR MIT)'),
      pkg('mixed', 'MIT AND AGPL-3.0'),
      pkg('xmrig', 'GPL-3.0-or-later'),
      pkg('Hashcat'),
      pkg('nmap', 'LicenseRef-Nmap'),
      pkg('no-licence'),
    ]);
    assert.deepEqual(
      rows.map((r) => [r.appName, r.license, r.reason]),
      [
        ['ghostscript', 'AGPL-3.0-or-later', 'denied_license'],
        ['itext', 'AGPL-3.0-only', 'denied_license'],
        ['mixed', 'MIT AND AGPL-3.0-only', 'denied_license'],
        ['xmrig', 'GPL-3.0-or-later', 'blocked_software'],
        ['Hashcat', '', 'blocked_software'],
      ],
    );
    assert.deepEqual(rows[0], { appName: 'ghostscript', appVersion: '1.0', appPath: '/usr/lib/node_modules/ghostscript/package.json', license: 'AGPL-3.0-or-later', reason: 'denied_license' });
  });

  it('a custom policy replaces the lists; a package can be blocked and denied at once', () => {
    const rows = checkCompliance([pkg('nmap', 'GPL-2.0'), pkg('xmrig', 'GPL-3.0+'), pkg('my_miner', 'SSPL-1.0')], {
      deniedLicenses: ['GPL-2.0-only', 'SSPL-1.0'],
      blockedSoftware: ['nmap', 'My.Miner'],
    });
    assert.deepEqual(
      rows.map((r) => [r.appName, r.reason]),
      [
        ['nmap', 'blocked_software'],
        ['nmap', 'denied_license'],
        ['my_miner', 'blocked_software'],
        ['my_miner', 'denied_license'],
      ],
    );
  });

  it('finds nothing in a clean package list or with empty policy lists', () => {
    assert.deepEqual(checkCompliance([pkg('lodash', 'MIT'), pkg('react', 'MIT'), pkg('gpl-thing', 'GPL-3.0-only')]), []);
    assert.deepEqual(checkCompliance([pkg('xmrig', 'AGPL-3.0')], { deniedLicenses: [], blockedSoftware: [] }), []);
  });
});
