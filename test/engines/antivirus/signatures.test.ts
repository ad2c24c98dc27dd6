import assert from 'node:assert/strict';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findExecutable } from '../../../src/engines/capture/tools.js';
import { guardpostSignatureDir, listDatabaseFiles, stageDatabase, validateSignatureDir } from '../../../src/engines/antivirus/signatures.js';
import { put, tempRoot } from './av-helpers.js';

const clamscan = findExecutable('clamscan') as string;

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const { root, cleanup } = tempRoot('gp-avsig-');
  try {
    await fn(root);
  } finally {
    cleanup();
  }
}

describe('antivirus signatures', () => {
  it('clamscan is installed (scripts/deps/clamav.sh)', () => {
    assert.ok(clamscan, 'clamscan not found');
    assert.ok(findExecutable('clamd'), 'clamd not found');
  });

  it("Guardpost's shipped signatures load cleanly", () =>
    withRoot(async (root) => {
      const dir = guardpostSignatureDir();
      assert.deepEqual(await listDatabaseFiles(dir), ['guardpost.hsb', 'guardpost.ndb', 'guardpost.yar']);
      assert.deepEqual(await validateSignatureDir(dir, clamscan, root), { ok: true });
    }));

  for (const [name, file, text, why] of [
    ['a malformed body signature', 'bad.ndb', 'Bad.Sig:0:*:zz12\n', /Malformed database/],
    ['a malformed hash', 'bad.hsb', 'nothex:12:Bad.Hash\n', /Malformed hash|Can't load/],
    // clamscan exits 0 here: the rule is dropped with a warning, which must refuse the directory too.
    ['a YARA rule that does not compile', 'bad.yar', 'rule broken { strings: $a = "q" condition: $b }\n', /undefined string|failed to parse or load/],
  ] as const) {
    it(`refuses ${name} with clamd's own error, and stages nothing`, () =>
      withRoot(async (root) => {
        const sigs = path.join(root, 'sigs');
        for (const f of readdirSync(guardpostSignatureDir())) copyFileSync(path.join(guardpostSignatureDir(), f), path.join((mkdirSync(sigs, { recursive: true }), sigs), f));
        put(sigs, file, text);
        const staging = path.join(root, 'work');
        mkdirSync(staging);
        const result = await stageDatabase({ guardpostDir: sigs, officialDir: null, stagingDir: staging, clamscanPath: clamscan });
        assert.equal(result.ok, false);
        assert.ok(!result.ok && why.test(result.reason), !result.ok ? result.reason : '');
        assert.ok(!result.ok && result.reason.includes('refused by clamscan'));
        assert.deepEqual(readdirSync(staging), []);
      }));
  }

  it('stages copies of Guardpost files and symlinks to the official database files', () =>
    withRoot(async (root) => {
      const official = path.join(root, 'official');
      put(official, 'local.ndb', 'Local.Test:0:*:0102030405060708\n');
      put(official, 'freshclam.dat', 'not a database');
      const staging = path.join(root, 'work');
      mkdirSync(staging);
      const result = await stageDatabase({ guardpostDir: guardpostSignatureDir(), officialDir: official, stagingDir: staging, clamscanPath: clamscan });
      assert.ok(result.ok);
      assert.deepEqual(result.officialFiles, ['local.ndb']);
      const db = path.join(staging, 'db');
      assert.deepEqual(readdirSync(db).sort(), ['guardpost.hsb', 'guardpost.ndb', 'guardpost.yar', 'local.ndb']);
      assert.ok(lstatSync(path.join(db, 'guardpost.ndb')).isFile());
      assert.equal(readlinkSync(path.join(db, 'local.ndb')), path.join(official, 'local.ndb'));
    }));

  it('no database at all is a clear reason', () =>
    withRoot(async (root) => {
      mkdirSync(path.join(root, 'empty'));
      mkdirSync(path.join(root, 'work'));
      const result = await stageDatabase({ guardpostDir: path.join(root, 'empty'), officialDir: path.join(root, 'no-such-dir'), stagingDir: path.join(root, 'work'), clamscanPath: clamscan });
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.reason : '', /^no signature database: .*no-such-dir holds no ClamAV database \(run freshclam\) and .*empty has no signature files$/);
    }));
});
