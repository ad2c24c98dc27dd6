import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { goBinaryExtractor } from '../../../../src/engines/inventory/apps/go-binary.js';
import { fileInfo, ids, inputFromBytes, inputFromFile } from './helpers.js';

/** The 16-byte frames `cmd/go` writes around the module info (src/cmd/go/internal/modload/build.go). */
const INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

function uvarint(n: number): Buffer {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/**
 * No Go toolchain is installed here, so the test builds the bytes `cmd/link` would emit: an ELF header, then at
 * a 16-aligned offset the `.go.buildinfo` header (magic, pointer size 8, flags = inline strings) followed by
 * the uvarint-prefixed Go version and the sentinel-framed module info.
 */
function syntheticGoBinary(goVersion: string, modInfo: string, flags = 0x2): Buffer {
  const elf = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(elf);
  const decoy = Buffer.from('\xff Go buildinf:', 'latin1'); // the same magic as a string constant, unaligned
  const header = Buffer.alloc(32);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(header);
  header[14] = 8;
  header[15] = flags;
  const mod = Buffer.concat([INFO_START, Buffer.from(modInfo), INFO_END]);
  const body = Buffer.concat([header, uvarint(goVersion.length), Buffer.from(goVersion), uvarint(mod.length), mod]);
  const padding = Buffer.alloc(2048 - 64 - 1 - decoy.length);
  return Buffer.concat([elf, Buffer.from([0]), decoy, padding, body, Buffer.alloc(1024)]);
}

const MOD_INFO = [
  'path\texample.com/agent/cmd/agent',
  'mod\texample.com/agent\tv1.4.2\th1:abc=',
  'dep\tgithub.com/spf13/cobra\tv1.8.0\th1:7aJaZx1B85qltLMc546zn58BxxfZdR/W22ej9CFoEf0=',
  'dep\tgolang.org/x/net\tv0.17.0\th1:old=',
  '=>\tgolang.org/x/net\tv0.23.0\th1:new=',
  'dep\tgithub.com/hashicorp/terraform/internal/legacy\tv0.0.0-00010101000000-000000000000\t',
  '=>\t./internal/legacy\t(devel)\t',
  'dep\tgithub.com/spf13/pflag\tv1.0.5\th1:iy+VFUOCP1a+8yFto/drg2CJ5u0yRoB7fZw3DKv/JXA=',
  'build\t-compiler=gc',
  'build\tGOOS=linux',
  '',
].join('\n');

describe('Go binary build-info extractor', () => {
  it('decodes inline (Go ≥ 1.18) build info: deps, replacements (local ones dropped), the main module and stdlib', async () => {
    const packages = await goBinaryExtractor.extract(inputFromBytes('usr/local/bin/agent', syntheticGoBinary('go1.22.1', MOD_INFO)));
    assert.deepEqual(ids(packages), [
      'example.com/agent@1.4.2',
      'github.com/spf13/cobra@1.8.0',
      'github.com/spf13/pflag@1.0.5',
      'golang.org/x/net@0.23.0',
      'stdlib@1.22.1',
    ]);
    assert.ok(packages.every((p) => p.ecosystem === 'Go' && p.kind === 'app' && p.location === 'usr/local/bin/agent' && p.extractor === 'go/binary'));
  });

  it('a (devel) main module is not a package; go1.20 is stdlib 1.20.0', async () => {
    const mod = 'path\tx/cmd\nmod\tx\t(devel)\t\ndep\tgithub.com/a/b\tv0.1.0\th1:x=\n';
    assert.deepEqual(ids(await goBinaryExtractor.extract(inputFromBytes('bin/x', syntheticGoBinary('go1.20', mod)))), ['github.com/a/b@0.1.0', 'stdlib@1.20.0']);
  });

  const docker = '/usr/local/bin/docker';
  it('reads a real Go binary (the docker CLI, a GOPATH build: stdlib only) and agrees with its own Go version', { skip: existsSync(docker) ? false : 'no docker binary here' }, async (t) => {
    const reported = (spawnSync(docker, ['version', '--format', '{{.Client.GoVersion}}'], { encoding: 'utf8', timeout: 20_000 }).stdout ?? '').trim();
    if (!/^go\d+\.\d+/.test(reported)) return t.skip(`docker did not report its Go version (${reported})`);
    const packages = await goBinaryExtractor.extract(inputFromFile('/', docker));
    assert.deepEqual(ids(packages), [`stdlib@${reported.slice(2)}`]);
  });

  const terraform = '/usr/local/bin/terraform';
  it('reads a real module-mode Go binary (terraform): its dependencies, local replacements dropped', { skip: existsSync(terraform) ? false : 'no terraform binary here' }, async () => {
    const packages = await goBinaryExtractor.extract(inputFromFile('/', terraform));
    const names = new Set(packages.map((p) => p.name));
    for (const name of ['stdlib', 'github.com/hashicorp/hcl/v2', 'github.com/zclconf/go-cty']) assert.ok(names.has(name), name);
    assert.ok(packages.length > 100);
    assert.ok(packages.every((p) => /^\d/.test(p.version)), 'versions without the v prefix');
  });

  it('non-ELF files yield nothing; pre-1.18 pointer format and truncated info are refused clearly', async () => {
    assert.deepEqual(await goBinaryExtractor.extract(inputFromBytes('usr/bin/script', '#!/bin/sh\necho hi\n'.padEnd(4096))), []);
    assert.deepEqual(await goBinaryExtractor.extract(inputFromBytes('usr/bin/c-tool', Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(8192)]))), []);
    await assert.rejects(goBinaryExtractor.extract(inputFromBytes('usr/bin/old', syntheticGoBinary('go1.16', MOD_INFO, 0x0))), /usr\/bin\/old: Go build info in the pre-1.18 pointer format is not supported/);
    const truncated = syntheticGoBinary('go1.22.1', MOD_INFO).subarray(0, 2048 + 32 + 20);
    await assert.rejects(goBinaryExtractor.extract(inputFromBytes('usr/bin/cut', truncated)), /usr\/bin\/cut: Go build info string runs past the end of the file/);
  });

  it('wants files in bin directories and extensionless files outside data trees, not small or data files', () => {
    for (const path of ['usr/bin/kubectl', 'usr/local/sbin/x', 'opt/app/bin/server', 'app/server', 'root/go/bin/tool.v2']) {
      assert.equal(goBinaryExtractor.fileRequired(fileInfo(path, 5_000_000)), true, path);
    }
    for (const path of ['usr/share/doc/x/copyright', 'etc/hostname', 'app/config.json', 'usr/lib/libx.so.1', 'app/node_modules/esbuild/esbuild', 'usr/bin/tiny', 'app/LICENSE', 'app/Makefile', 'x.dist-info/entry']) {
      assert.equal(goBinaryExtractor.fileRequired(fileInfo(path, path.endsWith('tiny') ? 100 : 5_000_000)), false, path);
    }
  });
});
