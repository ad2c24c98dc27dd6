import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { countCapturePackets } from '../../../src/engines/capture/packet-count.js';
import { craftPcap, FIXTURES } from './capture-helpers.js';

/** Counting a stored (possibly partial or damaged) pcap, as the server does for a lost agent's upload. */

const frame = readFileSync(`${FIXTURES}lo-usec.pcap`).subarray(24 + 16, 24 + 16 + 98);
const pcapOf = (n: number) => craftPcap(1, Array.from({ length: n }, (_, i) => ({ sec: 1_700_000_000 + i, frac: 0, data: frame })));
/** The bytes in small chunks, so records straddle chunk boundaries. */
const chunked = (data: Buffer) => Readable.from(Array.from({ length: Math.ceil(data.length / 7) }, (_, i) => data.subarray(i * 7, i * 7 + 7)));

describe('countCapturePackets', () => {
  test('a complete file: every packet', async () => {
    assert.deepEqual(await countCapturePackets(chunked(pcapOf(5))), { packets: 5, truncated: false, corrupt: null });
  });

  test('a file cut inside a record: the complete packets, truncated', async () => {
    const data = pcapOf(5);
    assert.deepEqual(await countCapturePackets(chunked(data.subarray(0, data.length - 10))), { packets: 4, truncated: true, corrupt: null });
  });

  test('a corrupt record: the packets before it, with the reason', async () => {
    const data = pcapOf(5);
    data.writeUInt32LE(0x7fffffff, 24 + 3 * (16 + frame.length) + 8); // 4th record claims 2 GiB
    const count = await countCapturePackets(chunked(data));
    assert.equal(count.packets, 3);
    assert.match(count.corrupt ?? '', /record length 2147483647/);
  });

  test('not a capture at all: 0 packets, corrupt', async () => {
    const count = await countCapturePackets(Readable.from([Buffer.from('GET / HTTP/1.1\r\n\r\n')]));
    assert.equal(count.packets, 0);
    assert.match(count.corrupt ?? '', /not a pcap or pcapng/);
  });
});
