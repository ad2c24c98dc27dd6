import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createDeflateRaw } from 'node:zlib';
import { mergeRecords } from '../../../src/engines/vuln/matcher.js';
import { parseOsvRecord, type OsvRecord } from '../../../src/engines/vuln/osv-schema.js';
import { readOsvSource, type OsvSourceItem } from '../../../src/engines/vuln/osv-source.js';
import { deflatedEntry, osv, OSV_DATA, rawZip, storedEntry, type RawZipEntry } from './vuln-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'gp-osv-source-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(path: string, options: Parameters<typeof readOsvSource>[1] = {}) {
  const records: OsvRecord[] = [];
  const errors: Array<Extract<OsvSourceItem, { error: string }>> = [];
  for await (const item of readOsvSource(path, options)) {
    if ('record' in item) records.push(item.record);
    else errors.push(item);
  }
  return { records, errors };
}

/** `size` bytes of zeros deflated as a stream (1 GiB → ≈ 4.5 MB in about half a second). */
async function deflatedZeros(size: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 1 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const zero = Buffer.alloc(1 << 20);
  for (let left = size; left > 0; left -= zero.length) {
    if (!deflate.write(left >= zero.length ? zero : zero.subarray(0, left))) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  return Buffer.concat(chunks);
}

const json = (id: string) => JSON.stringify(osv(id, { affected: [{ package: { ecosystem: 'PyPI', name: 'x' }, versions: ['1.0'] }] }));

describe('parseOsvRecord', () => {
  test('valid, invalid JSON, wrong shape, oversized', () => {
    assert.ok('record' in parseOsvRecord(json('A-1')));
    assert.match(String((parseOsvRecord('{"id": ') as { error: string }).error), /^invalid JSON/);
    assert.match(String((parseOsvRecord('{"id": "A"}') as { error: string }).error), /^not an OSV record: .*modified/);
    const event = JSON.stringify(osv('A', { affected: [{ package: { ecosystem: 'PyPI', name: 'x' }, ranges: [{ type: 'ECOSYSTEM', events: [{ bogus: '1' }] }] }] }));
    assert.match(String((parseOsvRecord(event) as { error: string }).error), /^not an OSV record/);
    assert.match(String((parseOsvRecord(JSON.stringify(osv('A', { details: 'x'.repeat(5 << 20) }))) as { error: string }).error), /larger than/);
  });
});

describe('readOsvSource: the shipped osv.dev exports', () => {
  test('AlmaLinux.zip: 5,680 valid records in subfolders, none withdrawn, 5,637 distinct ids (37 advisories are exported once per release folder); progress reaches the total', async () => {
    let last: [number, number] = [0, 0];
    const { records, errors } = await collect(join(OSV_DATA, 'AlmaLinux.zip'), { progress: (_o, done, total) => { last = [done, total]; } });
    assert.deepEqual(errors, []);
    assert.equal(records.length, 5680);
    assert.equal(records.filter((r) => r.withdrawn).length, 0);
    assert.equal(mergeRecords(records).length, 5637);
    assert.deepEqual(last, [5680, 5680]);
  });

  test('PyPI.zip: 2,661 valid records, 10 withdrawn', async () => {
    const { records, errors } = await collect(join(OSV_DATA, 'PyPI.zip'));
    assert.deepEqual(errors, []);
    assert.equal(records.length, 2661);
    assert.equal(records.filter((r) => r.withdrawn).length, 10);
    assert.equal(mergeRecords(records).length, 2651);
  });

  test('the directory holding both zips reads both', async () => {
    const { records, errors } = await collect(OSV_DATA);
    assert.deepEqual(errors, []);
    assert.equal(records.length, 5680 + 2661);
  });
});

describe('readOsvSource: hostile archives', () => {
  test('traversal names, bombs, a lying size, bad JSON and a 100 MB record are each refused; the rest is read', async () => {
    // Claims 1,000 bytes but inflates to 64 MiB: inflation must stop at the declared size.
    const liar: RawZipEntry = { name: 'liar.json', data: await deflatedZeros(64 << 20), method: 8, crc: 0, uncompressedSize: 1000 };
    const huge = `{"id":"HUGE","modified":"2024-01-01T00:00:00Z","details":"${'A'.repeat(100 << 20)}"}`;
    const path = join(tmp, 'hostile.zip');
    writeFileSync(path, rawZip([
      storedEntry('good/one.json', json('GOOD-1')),
      storedEntry('../escape.json', json('EVIL-1')),
      storedEntry('/etc/absolute.json', json('EVIL-2')),
      storedEntry('a/../../deep.json', json('EVIL-3')),
      storedEntry('win\\name.json', json('EVIL-4')),
      storedEntry('broken.json', '{"id": "X", '),
      storedEntry('not-osv.json', '[1, 2, 3]'),
      { name: 'bomb.json', data: await deflatedZeros(1 << 30), method: 8, crc: 0, uncompressedSize: 1 << 30 },
      { ...deflatedEntry('ratio.json', Buffer.alloc(2 << 20)), name: 'ratio.json' },
      liar,
      deflatedEntry('huge.json', huge),
      storedEntry('README.txt', 'not json, ignored'),
      deflatedEntry('almalinux9/ALSA-1.json', json('GOOD-2')),
    ]));
    const { records, errors } = await collect(path);
    assert.deepEqual(records.map((r) => r.id), ['GOOD-1', 'GOOD-2']);
    const byName = Object.fromEntries(errors.map((e) => [e.origin.slice(path.length + 1), e.error]));
    assert.deepEqual(Object.keys(byName), ['../escape.json', '/etc/absolute.json', 'a/../../deep.json', 'win\\name.json', 'broken.json',
      'not-osv.json', 'bomb.json', 'ratio.json', 'liar.json', 'huge.json']);
    assert.match(byName['../escape.json']!, /path traversal/);
    assert.match(byName['/etc/absolute.json']!, /absolute path/);
    assert.match(byName['a/../../deep.json']!, /path traversal/);
    assert.match(byName['win\\name.json']!, /backslash/);
    assert.match(byName['broken.json']!, /^invalid JSON/);
    assert.match(byName['not-osv.json']!, /^not an OSV record/);
    assert.match(byName['bomb.json']!, /1073741824 bytes, over the 4194304-byte limit/);
    assert.match(byName['ratio.json']!, /compression ratio/);
    assert.match(byName['liar.json']!, /too many bytes in the stream\. expected 1000\./);
    assert.match(byName['huge.json']!, /over the 4194304-byte limit/);
    assert.ok(errors.every((e) => !e.fatal));
  });

  test('a file that is not a zip, and an archive with too many entries, are fatal errors', async () => {
    const garbage = join(tmp, 'garbage.zip');
    writeFileSync(garbage, Buffer.from('PK\u0003\u0004 this is not really a zip file at all'));
    const bad = await collect(garbage);
    assert.deepEqual(bad.records, []);
    assert.equal(bad.errors.length, 1);
    assert.ok(bad.errors[0]?.fatal);
    assert.match(bad.errors[0]!.error, /^not a readable zip/);

    const many = join(tmp, 'many.zip');
    writeFileSync(many, rawZip(Array.from({ length: 20 }, (_, i) => storedEntry(`r${i}.json`, json(`R-${i}`)))));
    const limited = await collect(many, { zip: { maxEntries: 10, maxEntryBytes: 1 << 20, maxTotalBytes: 1 << 30, maxRatio: 100, ratioFloorBytes: 65536 } });
    assert.deepEqual(limited.records, []);
    assert.match(limited.errors[0]!.error, /20 entries, over the 10-entry limit/);
    assert.ok(limited.errors[0]!.fatal);
  });

  test('an archive inflating past the total limit stops with a fatal error after the records that fit', async () => {
    const path = join(tmp, 'total.zip');
    writeFileSync(path, rawZip(Array.from({ length: 5 }, (_, i) => storedEntry(`r${i}.json`, json(`R-${i}`)))));
    const size = json('R-0').length;
    const { records, errors } = await collect(path, { zip: { maxEntries: 100, maxEntryBytes: 1 << 20, maxTotalBytes: size * 2 + 1, maxRatio: 100, ratioFloorBytes: 65536 } });
    assert.deepEqual(records.map((r) => r.id), ['R-0', 'R-1']);
    assert.match(errors[0]!.error, /inflates to more than/);
    assert.ok(errors[0]!.fatal);
  });
});

describe('readOsvSource: directories and single files', () => {
  test('a bounded walk: nested JSON and zips read, symlinks and other files skipped, bad files reported', async () => {
    const root = join(tmp, 'tree');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'top.json'), json('D-1'));
    writeFileSync(join(root, 'a', 'b', 'deep.json'), json('D-2'));
    writeFileSync(join(root, 'a', 'bad.json'), 'nope');
    writeFileSync(join(root, 'a', 'notes.md'), '# not an advisory');
    writeFileSync(join(root, 'a', 'inner.zip'), rawZip([storedEntry('x/D-3.json', json('D-3'))]));
    const outside = join(tmp, 'outside.json');
    writeFileSync(outside, json('OUTSIDE'));
    symlinkSync(outside, join(root, 'link.json'));
    symlinkSync(join(root, 'a'), join(root, 'loop'));
    const { records, errors } = await collect(root);
    assert.deepEqual(records.map((r) => r.id).sort(), ['D-1', 'D-2', 'D-3']);
    assert.deepEqual(errors.map((e) => [e.origin.slice(root.length), e.error.slice(0, 12)]), [['/a/bad.json', 'invalid JSON']]);

    const shallow = await collect(root, { maxDepth: 1 });
    assert.deepEqual(shallow.records.map((r) => r.id).sort(), ['D-1', 'D-3']);
    assert.match(shallow.errors.map((e) => e.error).join(' '), /deeper than 1 levels/);

    const huge = join(tmp, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 100 << 20); // 100 MB, sparse: refused from its size, never read
    const big = await collect(huge);
    assert.deepEqual(big.records, []);
    assert.match(big.errors[0]!.error, /104857600 bytes, over the 4194304-byte record limit/);

    const single = await collect(join(root, 'top.json'));
    assert.deepEqual(single.records.map((r) => r.id), ['D-1']);
    const linked = await collect(join(root, 'link.json'));
    assert.match(linked.errors[0]!.error, /symbolic link/);
  });
});
