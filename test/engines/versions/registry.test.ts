import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparatorFor, comparators } from '../../../src/engines/versions/index.js';

describe('version comparator registry', () => {
  it('lists the seven comparators once each', () => {
    assert.deepEqual(comparators.map((c) => c.name), ['dpkg', 'rpm', 'apk', 'pep440', 'semver', 'maven', 'go']);
    const ecosystems = comparators.flatMap((c) => c.ecosystems);
    assert.equal(new Set(ecosystems).size, ecosystems.length, 'an ecosystem is claimed twice');
  });

  it('picks the comparator by the OSV ecosystem before the first colon', () => {
    const cases: [string, string | undefined][] = [
      ['Debian:12', 'dpkg'], ['Ubuntu:22.04:LTS', 'dpkg'], ['AlmaLinux:9', 'rpm'], ['Rocky Linux:8', 'rpm'], ['Red Hat:enterprise_linux:9', 'rpm'],
      ['openSUSE:Leap 15.5', 'rpm'], ['SUSE:Linux Enterprise Server 15', 'rpm'], ['Mageia:9', 'rpm'], ['openEuler:22.03-LTS', 'rpm'], ['Photon OS:5.0', 'rpm'],
      ['Alpine:v3.18', 'apk'], ['Chainguard', 'apk'], ['Wolfi', 'apk'], ['PyPI', 'pep440'], ['npm', 'semver'], ['crates.io', 'semver'],
      ['Maven', 'maven'], ['Go', 'go'], ['NuGet', undefined], ['debian', undefined],
    ];
    for (const [ecosystem, name] of cases) assert.equal(comparatorFor(ecosystem)?.name, name, ecosystem);
  });

  it('never throws and stays antisymmetric on odd input', () => {
    const odd = ['', ' ', ':', '-', '~', '^', '+', '.', '0', 'v', '1:', ':1', '-1', '1-', '1..', 'ü', '\u0000', '9'.repeat(400), '1.0-'.repeat(50)];
    for (const c of comparators) {
      for (const a of odd) {
        for (const b of odd) {
          const ab = c.compare(a, b);
          const ba = c.compare(b, a);
          assert.equal(Math.sign(ab) + Math.sign(ba), 0, `${c.name}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
        }
        assert.equal(typeof c.isValid(a), 'boolean');
      }
    }
  });
});
