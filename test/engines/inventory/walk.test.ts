import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { dpkgExtractor } from '../../../src/engines/inventory/os/dpkg.js';
import type { Extractor, InventoryPackage } from '../../../src/engines/inventory/types.js';
import { collectInventory } from '../../../src/engines/inventory/walk.js';
import { put, run, tempRoot } from './inventory-helpers.js';

const DPKG_STATUS = 'Package: bash\nStatus: install ok installed\nVersion: 5.2-1\n';

/** An extractor that wants every file matching `wants` and reports one package per file (its size as version). */
function probe(name: string, wants: (p: string) => boolean, hooks: Partial<Pick<Extractor, 'maxFileBytes' | 'extract' | 'fileRequired'>> = {}): Extractor & { seen: string[] } {
  const seen: string[] = [];
  return {
    name,
    version: 1,
    maxFileBytes: hooks.maxFileBytes ?? 1024 * 1024,
    seen,
    fileRequired: hooks.fileRequired ?? ((f) => wants(f.path)),
    extract:
      hooks.extract ??
      (async (input): Promise<InventoryPackage[]> => {
        seen.push(input.path);
        const bytes = await input.read();
        return [{ name: input.path, version: String(bytes.length), ecosystem: 'test', kind: 'app', location: input.path, extractor: name }];
      }),
  };
}

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const { root, cleanup } = tempRoot('gp-walk-');
  try {
    await fn(root);
  } finally {
    cleanup();
  }
}

describe('inventory walk safety', () => {
  it('terminates on symlink loops and never follows a directory symlink', () =>
    withRoot(async (root) => {
      put(root, 'a/b/file.txt', 'x');
      symlinkSync('..', path.join(root, 'a/b/up'));
      symlinkSync('loop', path.join(root, 'a/loop'));
      symlinkSync('/', path.join(root, 'a/host-root'));
      const all = probe('all', () => true);
      const result = await collectInventory(root, { extractors: [all] });
      assert.deepEqual(all.seen, ['a/b/file.txt']);
      assert.equal(result.stats.truncated, false);
    }));

  it('does not follow symlinks to the host /etc and /var (os-release and dpkg status stay unseen)', () =>
    withRoot(async (root) => {
      symlinkSync('/etc', path.join(root, 'etc'));
      symlinkSync('/var', path.join(root, 'var'));
      mkdirSync(path.join(root, 'usr/lib'), { recursive: true });
      symlinkSync('/etc/os-release', path.join(root, 'usr/lib/os-release'));
      const result = await collectInventory(root, { extractors: [dpkgExtractor] });
      assert.equal(result.os, null);
      assert.deepEqual(result.packages, []);
      assert.equal(result.extractors[0]?.files, 0);
    }));

  it('does not follow a file symlink at a wanted path', () =>
    withRoot(async (root) => {
      mkdirSync(path.join(root, 'var/lib/dpkg'), { recursive: true });
      symlinkSync('/var/lib/dpkg/status', path.join(root, 'var/lib/dpkg/status'));
      const result = await collectInventory(root, { extractors: [dpkgExtractor] });
      assert.deepEqual(result.packages, []);
    }));

  it('skips a FIFO without blocking', () =>
    withRoot(async (root) => {
      mkdirSync(path.join(root, 'var/lib/dpkg'), { recursive: true });
      run(['mkfifo', path.join(root, 'var/lib/dpkg/status')]);
      const all = probe('all', () => true);
      const result = await collectInventory(root, { extractors: [all, dpkgExtractor] });
      assert.deepEqual(all.seen, []);
      assert.deepEqual(result.packages, []);
    }));

  it('a file swapped for a symlink or a FIFO after the walk saw it is not followed: skipped and counted unreadable', () =>
    withRoot(async (root) => {
      put(root, 'to-symlink', 'secret-free');
      put(root, 'to-fifo', 'x');
      const swapper = probe('swapper', () => true, {
        fileRequired(file) {
          file.size();
          const target = path.join(root, file.path);
          rmSync(target);
          if (file.path === 'to-symlink') symlinkSync('/etc/hostname', target);
          else run(['mkfifo', target]);
          return true;
        },
      });
      const result = await collectInventory(root, { extractors: [swapper] });
      assert.deepEqual(swapper.seen.sort(), ['to-fifo', 'to-symlink']);
      assert.deepEqual(result.packages, []);
      assert.equal(result.stats.unreadable, 2);
      assert.equal(result.stats.bytesRead, 0);
      assert.deepEqual(result.extractors[0]?.errors, []);
    }));

  it('skips a file over the extractor size limit and counts it', () =>
    withRoot(async (root) => {
      put(root, 'big', Buffer.alloc(100));
      put(root, 'small', Buffer.alloc(10));
      const small = probe('small', () => true, { maxFileBytes: 50 });
      const result = await collectInventory(root, { extractors: [small] });
      assert.deepEqual(small.seen, ['small']);
      assert.equal(result.stats.skippedLarge, 1);
      assert.equal(result.stats.bytesRead, 10);
    }));

  it('reads a file wanted by two extractors once', () =>
    withRoot(async (root) => {
      put(root, 'shared', Buffer.alloc(64));
      const result = await collectInventory(root, { extractors: [probe('one', () => true), probe('two', () => true)] });
      assert.equal(result.packages.length, 2);
      assert.equal(result.stats.bytesRead, 64);
    }));

  it('stops at the entry limit, truncated', () =>
    withRoot(async (root) => {
      for (let i = 0; i < 20; i++) put(root, `f${i}`, 'x');
      const result = await collectInventory(root, { extractors: [probe('all', () => true)], limits: { maxEntries: 5 } });
      assert.equal(result.stats.entries, 5);
      assert.equal(result.packages.length, 5);
      assert.deepEqual([result.stats.truncated, result.stats.truncatedReason], [true, 'maxEntries']);
    }));

  it('stops at the byte budget, truncated', () =>
    withRoot(async (root) => {
      for (let i = 0; i < 3; i++) put(root, `f${i}`, Buffer.alloc(100));
      const result = await collectInventory(root, { extractors: [probe('all', () => true)], limits: { maxBytes: 150 } });
      assert.equal(result.stats.bytesRead, 100);
      assert.equal(result.packages.length, 1);
      assert.deepEqual([result.stats.truncated, result.stats.truncatedReason], [true, 'maxBytes']);
    }));

  it('stops at the time limit, truncated', () =>
    withRoot(async (root) => {
      for (let i = 0; i < 5; i++) put(root, `f${i}`, 'x');
      const slow = probe('slow', () => true, {
        async extract() {
          await sleep(30);
          return [];
        },
      });
      const result = await collectInventory(root, { extractors: [slow], limits: { maxMs: 10 } });
      assert.equal(result.extractors[0]?.files, 1);
      assert.deepEqual([result.stats.truncated, result.stats.truncatedReason], [true, 'maxMs']);
    }));

  it('does not descend past the depth limit, truncated', () =>
    withRoot(async (root) => {
      put(root, 'd1/shallow', 'x');
      put(root, 'd1/d2/d3/deep', 'x');
      const all = probe('all', () => true);
      const result = await collectInventory(root, { extractors: [all], limits: { maxDepth: 2 } });
      assert.deepEqual(all.seen, ['d1/shallow']);
      assert.deepEqual([result.stats.truncated, result.stats.truncatedReason], [true, 'maxDepth']);
    }));

  it('skips the default pseudo-filesystem dirs and the caller’s own', () =>
    withRoot(async (root) => {
      for (const rel of ['proc/1/status', 'var/cache/x', 'tmp/x', 'opt/private/x', 'opt/public/x']) put(root, rel, 'x');
      const all = probe('all', () => true);
      await collectInventory(root, { extractors: [all], limits: { skipDirs: ['/opt/private/'] } });
      assert.deepEqual(all.seen, ['opt/public/x']);
    }));

  it('records a throwing extractor in its status and the others carry on', () =>
    withRoot(async (root) => {
      put(root, 'var/lib/dpkg/status', DPKG_STATUS);
      const broken = probe('broken', () => true, {
        extract() {
          return Promise.reject(new Error('parser exploded'));
        },
      });
      const picky = probe('picky', () => true, {
        fileRequired() {
          throw new Error('cannot decide');
        },
      });
      const result = await collectInventory(root, { extractors: [broken, picky, dpkgExtractor] });
      assert.deepEqual(result.extractors[0]?.errors, [{ path: 'var/lib/dpkg/status', message: 'parser exploded' }]);
      assert.match(result.extractors[1]?.errors[0]?.message ?? '', /cannot decide/);
      assert.deepEqual(result.packages.map((p) => p.name), ['bash']);
      assert.equal(result.extractors[2]?.packages, 1);
    }));

  it('rejects when aborted, before or during the walk', () =>
    withRoot(async (root) => {
      for (let i = 0; i < 5; i++) put(root, `f${i}`, 'x');
      await assert.rejects(collectInventory(root, { signal: AbortSignal.abort() }), { name: 'AbortError' });
      const controller = new AbortController();
      const aborting = probe('aborting', () => true, {
        extract() {
          controller.abort();
          return Promise.resolve([]);
        },
      });
      await assert.rejects(collectInventory(root, { extractors: [aborting], signal: controller.signal }), { name: 'AbortError' });
    }));

  it('rejects a root that is missing or not a directory', () =>
    withRoot(async (root) => {
      const file = put(root, 'plain', 'x');
      await assert.rejects(collectInventory(file), /is not a directory/);
      await assert.rejects(collectInventory(path.join(root, 'missing')), { code: 'ENOENT' });
    }));

  it('returns packages sorted deterministically', () =>
    withRoot(async (root) => {
      for (const name of ['zz', 'aa', 'mm']) put(root, `d/${name}`, 'x');
      const result = await collectInventory(root, { extractors: [probe('all', () => true)] });
      assert.deepEqual(result.packages.map((p) => p.name), ['d/aa', 'd/mm', 'd/zz']);
    }));
});
