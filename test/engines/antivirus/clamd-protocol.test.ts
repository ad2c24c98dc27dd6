import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildClamdConfig, DEFAULT_LIMITS } from '../../../src/engines/antivirus/clamd-config.js';
import { chunkHeader, commandBytes, parseScanReply } from '../../../src/engines/antivirus/clamd-protocol.js';
import { fileTypeFilter, fileTypeOf } from '../../../src/engines/antivirus/file-types.js';

describe('clamd protocol', () => {
  it('parses clean, found, size-limit and error replies (with and without session ids)', () => {
    assert.deepEqual(parseScanReply('stream: OK\0'), { kind: 'clean' });
    assert.deepEqual(parseScanReply('stream: Eicar-Signature FOUND\0'), { kind: 'found', signature: 'Eicar-Signature' });
    assert.deepEqual(parseScanReply('7: stream: YARA.Guardpost_Test_Marker.UNOFFICIAL FOUND\0'), { kind: 'found', signature: 'YARA.Guardpost_Test_Marker.UNOFFICIAL' });
    assert.deepEqual(parseScanReply('INSTREAM size limit exceeded. ERROR\0'), { kind: 'size-limit', message: 'INSTREAM size limit exceeded. ERROR' });
    assert.deepEqual(parseScanReply('stream: Can\'t create temporary file ERROR\0'), { kind: 'error', message: 'stream: Can\'t create temporary file' });
    assert.equal(parseScanReply('PONG\0').kind, 'error');
    assert.equal(parseScanReply('').kind, 'error');
  });

  it('frames commands and chunks', () => {
    assert.deepEqual(commandBytes('INSTREAM'), Buffer.from('zINSTREAM\0'));
    assert.throws(() => commandBytes('PING\0SHUTDOWN'));
    assert.deepEqual(chunkHeader(258), Buffer.from([0, 0, 1, 2]));
  });

  it('generates a unix-socket-only config with the limits and refuses unsafe paths', () => {
    const text = buildClamdConfig({ socketPath: '/w/clamd.sock', databaseDir: '/w/db', tempDir: '/w/tmp', limits: { ...DEFAULT_LIMITS, maxFileSize: 1024 } });
    const lines = text.trim().split('\n');
    assert.ok(lines.includes('Foreground yes'));
    assert.ok(lines.includes('LocalSocket /w/clamd.sock'));
    assert.ok(lines.includes('LocalSocketMode 600'));
    assert.ok(lines.includes('MaxFileSize 1024') && lines.includes('StreamMaxLength 1024'));
    assert.ok(lines.includes('MaxRecursion 16'));
    assert.ok(!/TCPSocket|TCPAddr/.test(text));
    assert.throws(() => buildClamdConfig({ socketPath: '/w/a b', databaseDir: '/w/db', tempDir: '/w/tmp', limits: DEFAULT_LIMITS }), /absolute without whitespace/);
    assert.throws(() => buildClamdConfig({ socketPath: '/w/s\nTCPSocket 3310', databaseDir: '/w/db', tempDir: '/w/tmp', limits: DEFAULT_LIMITS }));
    assert.throws(() => buildClamdConfig({ socketPath: '/w/s', databaseDir: '/w/db', tempDir: '/w/tmp', limits: { ...DEFAULT_LIMITS, maxRecursion: 0 } }), /positive/);
  });
});

describe('file types (file_types 0-6)', () => {
  const none = Buffer.alloc(0);
  it('classifies by magic, extension and execute bit', () => {
    assert.equal(fileTypeOf('x', 0o644, Buffer.from([0x7f, 0x45, 0x4c, 0x46])), 1);
    assert.equal(fileTypeOf('setup.dat', 0o644, Buffer.from('MZ\x90\x00', 'latin1')), 1);
    assert.equal(fileTypeOf('run', 0o644, Buffer.from('#!/bin/sh')), 3);
    assert.equal(fileTypeOf('a.tar.gz', 0o644, none), 2);
    assert.equal(fileTypeOf('shell.PHP', 0o644, none), 3);
    assert.equal(fileTypeOf('report.pdf', 0o644, none), 4);
    assert.equal(fileTypeOf('x.png', 0o644, none), 5);
    assert.equal(fileTypeOf('x.mp4', 0o644, none), 6);
    assert.equal(fileTypeOf('tool', 0o755, none), 1);
    assert.equal(fileTypeOf('notes', 0o644, none), null);
  });

  it('0 or an empty list means all; unknown codes are refused', () => {
    assert.equal(fileTypeFilter([0, 1]), null);
    assert.equal(fileTypeFilter([]), null);
    const scripts = fileTypeFilter([3]);
    assert.ok(scripts);
    assert.equal(scripts('a.sh', 0o644, none), true);
    assert.equal(scripts('a.zip', 0o644, none), false);
    assert.throws(() => fileTypeFilter([7]), /unknown file type 7/);
  });
});
