import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildImage, dockerArchive, type EntrySpec } from './image-builder.js';

const run = promisify(execFile);
const CHILD = new URL('./scan-child.js', import.meta.url).pathname;
const MiB = 1024 * 1024;
const MAX_RSS_KB = 200 * 1024;
const PACKAGES = 20_000;

/** A dpkg status of PACKAGES paragraphs (a few MiB: over the capture budget the test sets). */
const status = Array.from({ length: PACKAGES }, (_, i) => `Package: pkg${i}\nStatus: install ok installed\nVersion: 1.${i}\nDescription: ${'d'.repeat(120)}\n`).join('\n');

describe('scanImage memory: a 320 MiB image in a child process', () => {
  let dir: string;
  let archive: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gp-img-mem-'));
    const small: EntrySpec[] = Array.from({ length: 4000 }, (_, i) => ({ name: `srv/d${i % 50}/f${i}.txt`, content: `file ${i} `.repeat(50) }));
    const big = (n: number, fill: string): EntrySpec => ({ name: `opt/big${n}.bin`, content: Buffer.alloc(64 * MiB, fill) });
    const built = await buildImage([
      { entries: [{ name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' }, { name: 'var/lib/dpkg/status', content: status }, ...small, big(0, 'a')] },
      { entries: [big(1, 'b'), big(2, 'c')] },
      { entries: [big(3, 'd'), big(4, 'e'), { name: 'opt/.wh.big0.bin' }] },
    ]);
    archive = path.join(dir, 'image.tar');
    await dockerArchive(built, archive);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stays bounded in peak RSS, and what misses the capture budget is read in pass 2 (the packages are all there)', async () => {
    const temp = mkdtempSync(path.join(dir, 'tmp-'));
    const options = { captureBudgetBytes: 256 * 1024, largeFileBytes: 32 * MiB, tempDir: temp };
    const { stdout } = await run(process.execPath, [CHILD, archive, JSON.stringify(options)], { timeout: 300_000, maxBuffer: 64 * MiB });
    const outcome = JSON.parse(stdout.trim()) as { apps?: string[]; files?: number; bytes?: number; maxRssKb: number; crash?: string; code?: string };
    assert.equal(outcome.crash, undefined, outcome.crash);
    assert.equal(outcome.code, undefined);
    assert.ok((outcome.bytes ?? 0) > 320 * MiB, `${outcome.bytes} bytes`);
    assert.equal(outcome.apps?.length, PACKAGES);
    assert.equal(outcome.apps?.[0], 'pkg0 1.0');
    assert.equal(outcome.files, 4000 + 1 + 4, 'os-release, the small files and the four big files left');
    assert.ok(outcome.maxRssKb < MAX_RSS_KB, `peak RSS ${outcome.maxRssKb} KiB`);
    assert.deepEqual(readdirSync(temp), []);
  });
});
