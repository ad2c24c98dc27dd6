import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildMergedView, openImage, type MergedView, type OpenedImage } from '../../../src/engines/image/image.js';
import { collectImageInventory, OS_RELEASE_PATHS } from '../../../src/engines/image/inventory.js';
import { buildImage, dockerArchive, ociArchive, ociLayout, tarOf, type BuiltImage, type LayerSpec } from './image-builder.js';

const apk = (pkgs: Array<[string, string, string]>): string => pkgs.map(([p, v, o]) => `P:${p}\nV:${v}\nA:x86_64\no:${o}\n`).join('\n') + '\n';

/** Three layers: base files; a whiteout and an opaque dir; a replaced binary and apk db. */
export const THREE_LAYERS: LayerSpec[] = [
  {
    createdBy: '/bin/sh -c #(nop) ADD file:base in / ',
    entries: [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n' },
      { name: 'lib/apk/db/installed', content: apk([['musl', '1.2.4-r2', 'musl'], ['busybox', '1.36.1-r15', 'busybox']]) },
      { name: 'bin/busybox', content: 'ELF busybox', mode: 0o755 },
      { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
      { name: 'opt/app/', type: 'directory' },
      { name: 'opt/app/old.txt', content: 'old' },
      { name: 'opt/app/keep/', type: 'directory' },
      { name: 'opt/app/keep/deep.txt', content: 'deep' },
      { name: 'tmp/marker.txt', content: 'X5O!P%@AP-marker' },
      { name: 'usr/bin/tool', content: 'tool v1', mode: 0o4755 },
      { name: 'usr/bin/tool-link', type: 'link', linkname: 'usr/bin/tool' },
    ],
  },
  {
    createdBy: '/bin/sh -c rm /tmp/marker.txt && rm -rf /opt/app && mkdir /opt/app && echo new > /opt/app/new.txt',
    compression: 'zstd',
    entries: [
      { name: 'tmp/.wh.marker.txt' },
      { name: 'opt/app/', type: 'directory' },
      { name: 'opt/app/.wh..wh..opq' },
      { name: 'opt/app/new.txt', content: 'new\n' },
      { name: 'etc/motd', content: 'hi' },
    ],
  },
  {
    createdBy: '/bin/sh -c apk add curl',
    entries: [
      { name: 'usr/bin/tool', content: 'tool v2 longer', mode: 0o755 },
      { name: 'lib/apk/db/installed', content: apk([['musl', '1.2.4-r2', 'musl'], ['busybox', '1.36.1-r15', 'busybox'], ['curl', '8.5.0-r0', 'curl']]) },
    ],
  },
];

const files = (view: MergedView): string[] => [...view.files.values()].map((f) => `${f.path} ${f.type} L${f.layer}`).sort();
const removed = (view: MergedView): string[] => view.removed.map((f) => `${f.path} L${f.layer} ${f.removedBy.reason}@L${f.removedBy.layer}`).sort();
const capture = { paths: new Set(OS_RELEASE_PATHS), maxBytes: 65536 };

describe('image merged view (3 layers, whiteout, opaque dir, zstd layer)', () => {
  let dir: string;
  let built: BuiltImage;
  const forms: Record<string, string> = {};
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gp-img-view-'));
    built = await buildImage(THREE_LAYERS);
    forms.docker = path.join(dir, 'image.docker.tar');
    forms.ociArchive = path.join(dir, 'image.oci.tar');
    forms.ociLayout = path.join(dir, 'layout');
    await dockerArchive(built, forms.docker);
    await ociArchive(built, forms.ociArchive);
    ociLayout(built, forms.ociLayout);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the exact final file list with per-file layer provenance, and keeps what upper layers removed', async () => {
    const image = await openImage(forms.ociArchive as string);
    assert.equal(image.layers[1]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    const view = await buildMergedView(image, capture);
    assert.deepEqual(files(view), [
      'bin/busybox file L0',
      'bin/sh symlink L0',
      'etc dir L0',
      'etc/motd file L1',
      'etc/os-release file L0',
      'lib/apk/db/installed file L2',
      'opt/app dir L1',
      'opt/app/new.txt file L1',
      'usr/bin/tool file L2',
      'usr/bin/tool-link hardlink L0',
    ]);
    assert.deepEqual(removed(view), [
      'lib/apk/db/installed L0 replaced@L2',
      'opt/app/keep L0 opaque@L1',
      'opt/app/keep/deep.txt L0 opaque@L1',
      'opt/app/old.txt L0 opaque@L1',
      'tmp/marker.txt L0 whiteout@L1',
      'usr/bin/tool L0 replaced@L2',
    ]);
    const tool = view.files.get('usr/bin/tool-link');
    assert.equal(tool?.size, 'tool v1'.length, 'a hard link has its target’s bytes as of its own layer');
    assert.equal(view.removed.find((f) => f.path === 'usr/bin/tool')?.mode, 0o4755);
    assert.deepEqual(image.layers.map((l) => [l.index, l.diffId, l.createdBy]), THREE_LAYERS.map((s, i) => [i, built.layers[i]?.diffId, s.createdBy]));
  });

  it('gives identical results and the same image_id from docker-archive, OCI archive and OCI layout', async () => {
    const results: Array<{ id: string; view: string[]; removed: string[]; packages: string[] }> = [];
    for (const source of Object.values(forms)) {
      const image: OpenedImage = await openImage(source);
      const view = await buildMergedView(image, capture);
      const inventory = await collectImageInventory(image, { view });
      results.push({
        id: image.imageId,
        view: files(view),
        removed: removed(view),
        packages: inventory.packages.map((p) => `${p.name} ${p.version} ${p.sourceName} ${p.ecosystem} ${p.location} L${p.layerIndex} ${p.layerDigest} ${p.createdBy}`),
      });
    }
    assert.equal(results[0]?.id, built.configDigest);
    assert.match(results[0]?.id ?? '', /^sha256:[a-f0-9]{64}$/);
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[2], results[0]);
    const diff2 = built.layers[2]?.diffId;
    assert.deepEqual(results[0]?.packages, [
      `busybox 1.36.1-r15 busybox Alpine:v3.19 lib/apk/db/installed L2 ${diff2} /bin/sh -c apk add curl`,
      `curl 8.5.0-r0 curl Alpine:v3.19 lib/apk/db/installed L2 ${diff2} /bin/sh -c apk add curl`,
      `musl 1.2.4-r2 musl Alpine:v3.19 lib/apk/db/installed L2 ${diff2} /bin/sh -c apk add curl`,
    ]);
  });

  it('follows the old layout’s symlinked repeated layer (`<id2>/layer.tar -> ../<id1>/layer.tar`)', async () => {
    const same: LayerSpec = { entries: [{ name: 'etc/motd', content: 'same' }], compression: 'none' };
    const twice = await buildImage([same, same]);
    const hex = twice.configDigest.slice('sha256:'.length);
    const file = path.join(dir, 'repeated.tar');
    writeFileSync(
      file,
      await tarOf([
        { name: 'aaa/layer.tar', content: twice.layers[0]?.tar },
        { name: 'bbb/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
        { name: `${hex}.json`, content: twice.config },
        { name: 'manifest.json', content: JSON.stringify([{ Config: `${hex}.json`, Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }]) },
      ]),
    );
    const image = await openImage(file);
    const view = await buildMergedView(image);
    assert.deepEqual(files(view), ['etc/motd file L1']);
    assert.deepEqual(removed(view), ['etc/motd L0 replaced@L1']);
  });
});
