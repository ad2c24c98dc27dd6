/**
 * AlmaLinux.zip against a real rpm database with known old versions: tiny packages named like AlmaLinux 9 packages
 * are built with Debian's rpmbuild and installed --justdb into a sqlite rpmdb under a root with an AlmaLinux 9
 * os-release; the inventory engine reads that root and the matcher's findings must equal an independent naive
 * evaluation of every advisory (`isAffected` over all records), and include the advisories picked for each package.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { collectInventory } from '../../../src/engines/inventory/walk.js';
import { comparatorFor } from '../../../src/engines/versions/index.js';
import { buildAdvisoryIndex, matchInventory, mergeRecords } from '../../../src/engines/vuln/matcher.js';
import type { OsvRecord } from '../../../src/engines/vuln/osv-schema.js';
import { readOsvSource } from '../../../src/engines/vuln/osv-source.js';
import { isAffected } from '../../../src/engines/vuln/ranges.js';
import { put, run, tempRoot } from '../inventory/inventory-helpers.js';
import { OSV_DATA } from './vuln-helpers.js';

interface Built { name: string; version: string; release: string; epoch: number; advisory: string }

let records: OsvRecord[] = [];
const work = tempRoot('gp-alma-');
after(() => work.cleanup());

/** Distinct AlmaLinux:9 package names with a fix from 0, and the epoch of that fix. */
function pickPackages(count: number): Array<{ name: string; epoch: number; advisory: string }> {
  const picked = new Map<string, { name: string; epoch: number; advisory: string }>();
  for (const record of records) {
    for (const affected of record.affected ?? []) {
      if (affected.package.ecosystem !== 'AlmaLinux:9' || picked.has(affected.package.name)) continue;
      if (!/^[a-z][a-z0-9-]{2,30}$/.test(affected.package.name)) continue;
      const range = affected.ranges?.find((r) => r.type === 'ECOSYSTEM' && r.events.some((e) => 'introduced' in e && e.introduced === '0'));
      const fixed = range?.events.find((e) => 'fixed' in e);
      if (!fixed || !('fixed' in fixed)) continue;
      const epoch = /^(\d+):/.exec(fixed.fixed)?.[1];
      picked.set(affected.package.name, { name: affected.package.name, epoch: Number(epoch ?? 0), advisory: record.id });
      if (picked.size >= count) return [...picked.values()];
    }
  }
  return [...picked.values()];
}

function spec(p: Built): string {
  return [`Name: ${p.name}`, `Version: ${p.version}`, `Release: ${p.release}`, ...(p.epoch ? [`Epoch: ${p.epoch}`] : []),
    'Summary: Guardpost matching test package', 'License: MIT', 'BuildArch: noarch', '%description', 'Empty.', '%files', ''].join('\n');
}

let built: Built[] = [];

before(async () => {
  const read: OsvRecord[] = [];
  for await (const item of readOsvSource(path.join(OSV_DATA, 'AlmaLinux.zip'))) if ('record' in item) read.push(item.record);
  records = mergeRecords(read);
  built = pickPackages(6).map((p) => ({ ...p, version: '0.0.1', release: '1.el9' }));
  assert.equal(built.length, 6);
  const topdir = path.join(work.root, 'rpmbuild');
  const common = ['--define', `_topdir ${topdir}`, '--define', '_db_backend sqlite'];
  for (const p of built) run(['rpmbuild', ...common, '--quiet', '-bb', put(work.root, `specs/${p.name}.spec`, spec(p))]);
  const rpmsDir = path.join(topdir, 'RPMS', 'noarch');
  const root = path.join(work.root, 'host');
  const dbpath = path.join(root, 'var/lib/rpm');
  put(root, 'etc/os-release', 'NAME="AlmaLinux"\nVERSION="9.3 (Shamrock Pampas Cat)"\nID="almalinux"\nVERSION_ID="9.3"\nPRETTY_NAME="AlmaLinux 9.3"\n');
  run(['rpm', '--define', '_db_backend sqlite', '--initdb', '--dbpath', dbpath]);
  run(['rpm', '--define', '_db_backend sqlite', '--dbpath', dbpath, '-i', '--justdb', '--nodeps', '--nosignature',
    ...readdirSync(rpmsDir).map((f) => path.join(rpmsDir, f))]);
});

test('the rpmdb read by the inventory engine matches AlmaLinux.zip exactly as a naive scan of every advisory', async () => {
  const inventory = await collectInventory(path.join(work.root, 'host'));
  assert.equal(inventory.os?.ecosystem, 'AlmaLinux:9');
  const packages = inventory.packages.filter((p) => p.kind === 'os');
  assert.deepEqual(packages.map((p) => p.name).sort(), built.map((p) => p.name).sort());
  const { findings, uncomparable } = matchInventory(packages, buildAdvisoryIndex(records, comparatorFor), comparatorFor);
  assert.deepEqual(uncomparable, []);
  const actual = [...new Set(findings.map((f) => `${f.package.name} ${f.vulnId}`))].sort();

  const rpm = comparatorFor('AlmaLinux:9')!;
  const expected = new Set<string>();
  for (const p of packages) {
    const evr = p.version.includes(":") || !p.epoch ? p.version : `${p.epoch}:${p.version}`;
    for (const record of records) {
      for (const affected of record.affected ?? []) {
        if (affected.package.ecosystem === 'AlmaLinux:9' && affected.package.name === p.name && isAffected(evr, affected, rpm)) {
          expected.add(`${p.name} ${record.id}`);
        }
      }
    }
  }
  assert.deepEqual(actual, [...expected].sort());
  for (const p of built) assert.ok(actual.includes(`${p.name} ${p.advisory}`), `${p.name} 0.0.1 must match ${p.advisory}`);
});
