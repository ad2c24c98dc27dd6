import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodePacket, type DecodedPacket } from '../../../src/engines/capture/packet-decoder.js';
import {
  CaptureFileReader,
  CaptureFormatError,
  CaptureParser,
  LINKTYPE,
  MAX_BLOCK_BYTES,
  parseCaptureBuffer,
  readCaptureFile,
  summarizeCaptureFile,
  type CapturedPacket,
} from '../../../src/engines/capture/pcap-reader.js';
import {
  craftPcap,
  epb,
  FIXTURES,
  idb,
  pcapngBlock,
  run,
  shb,
  spb,
  swapPcap,
  swapPcapng,
  tcpdumpCount,
} from './capture-helpers.js';

/**
 * Fixtures were captured with the real tools by test/fixtures/capture/make-fixtures.sh, in a
 * private namespace: 3 ICMP echo pairs, 2 ICMPv6 echo pairs, 3 UDP datagrams 127.0.0.1 → :40001
 * (each answered by ICMP port unreachable) and 2 UDP datagrams ::1 → :40002 (each answered by
 * ICMPv6 port unreachable) = 20 packets per interface.
 */
const FIXTURE_FILES: Array<{ file: string; format: 'pcap' | 'pcapng'; linktypes: number[]; packets: number; tcpdump: boolean }> = [
  { file: 'lo-usec.pcap', format: 'pcap', linktypes: [LINKTYPE.EN10MB], packets: 20, tcpdump: true },
  { file: 'lo-nsec.pcap', format: 'pcap', linktypes: [LINKTYPE.EN10MB], packets: 20, tcpdump: true },
  { file: 'any-sll2.pcap', format: 'pcap', linktypes: [LINKTYPE.LINUX_SLL2], packets: 20, tcpdump: true },
  { file: 'any-sll.pcap', format: 'pcap', linktypes: [LINKTYPE.LINUX_SLL], packets: 20, tcpdump: true },
  { file: 'lo-dumpcap.pcapng', format: 'pcapng', linktypes: [LINKTYPE.EN10MB], packets: 20, tcpdump: true },
  // Two interfaces with different link types: tcpdump cannot read it, capinfos can.
  { file: 'two-ifs.pcapng', format: 'pcapng', linktypes: [LINKTYPE.EN10MB, LINKTYPE.LINUX_SLL], packets: 40, tcpdump: false },
];

const fixture = (name: string): string => join(FIXTURES, name);

async function capinfos(file: string): Promise<{ packets: number; dataBytes: number }> {
  const r = await run(['capinfos', '-M', '-c', '-d', file]);
  assert.equal(r.code, 0, `capinfos failed: ${r.stderr}`);
  const packets = /Number of packets:\s+(\d+)/.exec(r.stdout);
  const data = /Data size:\s+(\d+)/.exec(r.stdout);
  assert.ok(packets && data, r.stdout);
  return { packets: Number(packets[1]), dataBytes: Number(data[1]) };
}

/** Epoch seconds of the first packet according to tcpdump (-tt, nanosecond resolution). */
async function tcpdumpFirstTs(file: string): Promise<number> {
  const r = await run(['tcpdump', '-tt', '--nano', '-n', '-c', '1', '-r', file]);
  assert.equal(r.code, 0, r.stderr);
  return Number(r.stdout.split(' ')[0]);
}

function classify(d: DecodedPacket | null): string {
  if (!d) return 'undecoded';
  if (d.protocol === 1) return d.icmpType === 8 || d.icmpType === 0 ? 'icmp-echo' : `icmp-${d.icmpType}`;
  if (d.protocol === 58) return d.icmpType === 128 || d.icmpType === 129 ? 'icmp6-echo' : `icmp6-${d.icmpType}`;
  if (d.protocol === 17) return `udp${d.family}-${d.dstPort}`;
  return `proto-${d.protocol}`;
}

function classes(packets: CapturedPacket[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of packets) {
    const c = classify(decodePacket(p.linktype, p.data));
    out[c] = (out[c] ?? 0) + 1;
  }
  return out;
}

const EXPECTED_CLASSES = { 'icmp-echo': 6, 'icmp6-echo': 4, 'udp4-40001': 3, 'icmp-3': 3, 'udp6-40002': 2, 'icmp6-1': 2 };

describe('pcap/pcapng reader on files written by tcpdump and dumpcap', () => {
  for (const f of FIXTURE_FILES) {
    test(`${f.file}: summary, packets and cross-check with capinfos${f.tcpdump ? ' and tcpdump' : ''}`, async () => {
      const { packets, summary } = await readCaptureFile(fixture(f.file));
      assert.equal(summary.format, f.format);
      assert.equal(summary.bigEndian, false);
      assert.equal(summary.truncated, false);
      assert.deepEqual(summary.linktypes, f.linktypes);
      assert.equal(summary.packets, f.packets);
      assert.equal(packets.length, f.packets);
      assert.equal(summary.bytes, packets.reduce((a, p) => a + p.origLen, 0));
      assert.equal(summary.capturedBytes, packets.reduce((a, p) => a + p.caplen, 0));
      for (const p of packets) assert.equal(p.data.length, p.caplen);

      const ci = await capinfos(fixture(f.file));
      assert.equal(summary.packets, ci.packets);
      assert.equal(summary.bytes, ci.dataBytes);
      if (f.tcpdump) {
        assert.equal(await tcpdumpCount(fixture(f.file)), summary.packets);
        const first = await tcpdumpFirstTs(fixture(f.file));
        assert.ok(Math.abs((summary.firstTs ?? 0) / 1000 - first) < 1e-6, `first ts ${summary.firstTs} vs tcpdump ${first}`);
      }

      // Every packet decodes, and the traffic is exactly what the fixture script sent (per interface).
      const perInterface = f.packets / 20;
      const expected = Object.fromEntries(Object.entries(EXPECTED_CLASSES).map(([k, v]) => [k, v * perInterface]));
      assert.deepEqual(classes(packets), expected);
      assert.ok(packets.every((p) => (summary.firstTs ?? 0) <= p.ts && p.ts <= (summary.lastTs ?? 0)));
    });
  }

  test('nanosecond pcap keeps sub-microsecond time', async () => {
    const { packets } = await readCaptureFile(fixture('lo-nsec.pcap'));
    const first = await tcpdumpFirstTs(fixture('lo-nsec.pcap'));
    assert.ok(Math.abs((packets[0]?.ts ?? 0) - first * 1000) < 1e-3);
  });

  test('dumpcap pcapng statistics block: interface drop counter is read', async () => {
    const s = await summarizeCaptureFile(fixture('lo-dumpcap.pcapng'));
    assert.equal(s.interfaceDrops, 0);
  });

  test('streaming: CaptureFileReader, 1-byte chunks and odd chunks give the same packets', async () => {
    for (const f of FIXTURE_FILES) {
      const buf = readFileSync(fixture(f.file));
      const whole = parseCaptureBuffer(buf);
      const streamed: CapturedPacket[] = [];
      const reader = new CaptureFileReader(fixture(f.file));
      for await (const p of reader) streamed.push({ ...p, data: Buffer.from(p.data) });
      assert.deepEqual(reader.summary, whole.summary);
      assert.deepEqual(streamed, whole.packets);
      for (const size of [1, 3, 7, 64, 1000]) {
        const parser = new CaptureParser();
        const got: CapturedPacket[] = [];
        for (let i = 0; i < buf.length; i += size) parser.push(buf.subarray(i, i + size), (p) => got.push({ ...p, data: Buffer.from(p.data) }));
        assert.deepEqual(parser.finish(), whole.summary, `${f.file} in ${size}-byte chunks`);
        assert.deepEqual(got, whole.packets);
      }
    }
  });

  test('a caller that reuses one read buffer (as the runner does) gets the same packets', () => {
    for (const f of FIXTURE_FILES) {
      const buf = readFileSync(fixture(f.file));
      const whole = parseCaptureBuffer(buf);
      for (const size of [5, 33, 100]) {
        const scratch = Buffer.alloc(size);
        const parser = new CaptureParser();
        const got: string[] = [];
        for (let i = 0; i < buf.length; i += size) {
          const n = buf.copy(scratch, 0, i, i + size);
          parser.push(scratch.subarray(0, n), (p) => got.push(p.data.toString('hex')));
          scratch.fill(0xee); // clobber, as the next read would
        }
        assert.equal(parser.finish().packets, whole.summary.packets);
        assert.deepEqual(got, whole.packets.map((p) => p.data.toString('hex')), `${f.file} via a reused ${size}-byte buffer`);
      }
    }
  });

  test('stops early when the consumer breaks out of the loop', async () => {
    let n = 0;
    for await (const _p of new CaptureFileReader(fixture('lo-usec.pcap'))) {
      n += 1;
      if (n === 3) break;
    }
    assert.equal(n, 3);
  });
});

describe('big-endian files (real captures byte-swapped)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpcap-reader-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of ['lo-usec.pcap', 'lo-nsec.pcap', 'any-sll2.pcap', 'lo-dumpcap.pcapng', 'two-ifs.pcapng']) {
    test(`${name} swapped to big-endian reads identically`, async () => {
      const le = readFileSync(fixture(name));
      const be = name.endsWith('.pcapng') ? swapPcapng(le) : swapPcap(le);
      assert.notDeepEqual(be.subarray(0, 12), le.subarray(0, 12));
      const a = parseCaptureBuffer(le);
      const b = parseCaptureBuffer(be);
      assert.equal(b.summary.bigEndian, true);
      assert.equal(b.summary.truncated, false);
      assert.deepEqual(
        b.packets.map((p) => ({ ...p, data: p.data.toString('hex') })),
        a.packets.map((p) => ({ ...p, data: p.data.toString('hex') })),
      );
      // The swapped file is valid for the real tools too (so the swap, and the test, are right).
      const file = join(dir, `be-${name}`);
      writeFileSync(file, be);
      assert.equal((await capinfos(file)).packets, a.summary.packets);
      if (name !== 'two-ifs.pcapng') assert.equal(await tcpdumpCount(file), a.summary.packets);
    });
  }
});

/** Offsets at which each packet's record ends, computed independently of the parser. */
function packetEnds(buf: Buffer): { headerEnd: number; boundaries: number[]; packetEnds: number[] } {
  const boundaries: number[] = [];
  const ends: number[] = [];
  if (buf.readUInt32BE(0) === 0x0a0d0d0a) {
    let pos = 0;
    while (pos < buf.length) {
      const type = buf.readUInt32LE(pos);
      const len = buf.readUInt32LE(pos + 4);
      pos += len;
      boundaries.push(pos);
      if (type === 6 || type === 3 || type === 2) ends.push(pos);
    }
    return { headerEnd: boundaries[0] ?? 0, boundaries, packetEnds: ends };
  }
  let pos = 24;
  boundaries.push(pos);
  while (pos < buf.length) {
    pos += 16 + buf.readUInt32LE(pos + 8);
    boundaries.push(pos);
    ends.push(pos);
  }
  return { headerEnd: 24, boundaries, packetEnds: ends };
}

describe('truncated files (capture killed mid-write)', () => {
  for (const name of ['lo-usec.pcap', 'lo-nsec.pcap', 'any-sll.pcap', 'lo-dumpcap.pcapng', 'two-ifs.pcapng']) {
    test(`${name}: every prefix parses without throwing and counts only complete packets`, () => {
      const buf = readFileSync(fixture(name));
      const { headerEnd, boundaries, packetEnds: ends } = packetEnds(buf);
      const boundary = new Set(boundaries);
      for (let len = 0; len <= buf.length; len += 1) {
        const { packets, summary } = parseCaptureBuffer(buf.subarray(0, len));
        const complete = ends.filter((e) => e <= len).length;
        assert.equal(summary.packets, complete, `prefix ${len}`);
        assert.equal(packets.length, complete);
        // Before the file header is complete, or in the middle of a block/record: truncated.
        const expectTruncated = len < headerEnd || !boundary.has(len);
        assert.equal(summary.truncated, expectTruncated, `truncated flag at prefix ${len}`);
      }
    });
  }

  test('an empty file is truncated with no format', () => {
    const { summary } = parseCaptureBuffer(Buffer.alloc(0));
    assert.equal(summary.format, null);
    assert.equal(summary.truncated, true);
    assert.equal(summary.packets, 0);
  });

  test('a header-only pcap is a valid, empty capture', () => {
    const { summary } = parseCaptureBuffer(craftPcap(1, []));
    assert.equal(summary.format, 'pcap');
    assert.equal(summary.truncated, false);
    assert.equal(summary.packets, 0);
    assert.deepEqual(summary.linktypes, [1]);
  });

  test('a partial record that declares a large but allowed block is truncated, not buffered forever', () => {
    const header = Buffer.concat([shb(), idb(1, 0)]);
    const partial = Buffer.alloc(8);
    partial.writeUInt32LE(6, 0);
    partial.writeUInt32LE(200 * 1024 * 1024, 4); // 200 MiB < bound, file ends right after
    const { summary } = parseCaptureBuffer(Buffer.concat([header, partial]));
    assert.equal(summary.truncated, true);
    assert.equal(summary.packets, 0);
  });
});

describe('absurd and corrupt length fields are rejected', () => {
  const ip = readFileSync(fixture('lo-usec.pcap')).subarray(24 + 16, 24 + 16 + 98); // one real frame

  const expectFormatError = (buf: Buffer, pattern: RegExp): void => {
    assert.throws(() => parseCaptureBuffer(buf), (err: unknown) => err instanceof CaptureFormatError && pattern.test(err.message));
  };

  test('not a capture file', () => {
    expectFormatError(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /not a pcap or pcapng file/);
  });

  test('unsupported pcap version', () => {
    const b = craftPcap(1, []);
    b.writeUInt16LE(3, 4);
    expectFormatError(b, /unsupported pcap version 3/);
  });

  test('pcap record of 2 GiB', () => {
    const b = craftPcap(1, [{ sec: 1, frac: 0, data: ip }]);
    b.writeUInt32LE(0x7fffffff, 24 + 8);
    expectFormatError(b, /record length 2147483647/);
  });

  test('pcap record larger than the snapshot length', () => {
    const b = craftPcap(1, [{ sec: 1, frac: 0, data: ip }], { snaplen: 65535 });
    b.writeUInt32LE(300000, 24 + 8);
    expectFormatError(b, /record length 300000/);
  });

  test('pcap record bound applies even when the file ends inside the record', () => {
    const b = craftPcap(1, [{ sec: 1, frac: 0, data: ip }]).subarray(0, 24 + 16);
    b.writeUInt32LE(0xfffffff0, 24 + 8);
    expectFormatError(b, /record length/);
  });

  test(`pcapng block longer than ${MAX_BLOCK_BYTES} bytes`, () => {
    const b = Buffer.concat([shb(), idb(1, 0), epb(0, 1n, ip)]);
    const at = shb().length + idb(1, 0).length;
    b.writeUInt32LE(MAX_BLOCK_BYTES + 4, at + 4);
    expectFormatError(b, /exceeds the 268435456-byte bound/);
  });

  test('pcapng section header with an absurd length', () => {
    const b = shb();
    b.writeUInt32LE(0xfffffffc, 4);
    expectFormatError(b, /exceeds/);
  });

  test('pcapng block length not a multiple of 4, or below the minimum', () => {
    const base = Buffer.concat([shb(), idb(1, 0)]);
    const odd = Buffer.concat([base, epb(0, 1n, ip)]);
    odd.writeUInt32LE(epb(0, 1n, ip).length + 1, base.length + 4);
    expectFormatError(odd, /block length \d+ is invalid/);
    const tiny = Buffer.concat([base, Buffer.from([6, 0, 0, 0, 8, 0, 0, 0])]);
    expectFormatError(tiny, /block length 8 is invalid/);
  });

  test('pcapng trailer length mismatch', () => {
    const block = epb(0, 1n, ip);
    block.writeUInt32LE(block.length + 4, block.length - 4);
    expectFormatError(Buffer.concat([shb(), idb(1, 0), block]), /trailer length/);
  });

  test('pcapng packet captured length beyond its block', () => {
    const block = epb(0, 1n, ip);
    block.writeUInt32LE(ip.length + 100, 20);
    expectFormatError(Buffer.concat([shb(), idb(1, 0), block]), /exceeds its block/);
  });

  test('pcapng packet on an undeclared interface', () => {
    expectFormatError(Buffer.concat([shb(), idb(1, 0), epb(3, 1n, ip)]), /undeclared interface 3/);
  });

  test('pcapng option overrunning its block', () => {
    const body = Buffer.alloc(16);
    body.writeUInt16LE(1, 0); // linktype
    body.writeUInt32LE(0, 4); // snaplen
    body.writeUInt16LE(2, 8); // if_name
    body.writeUInt16LE(400, 10); // …claims 400 bytes
    expectFormatError(Buffer.concat([shb(), pcapngBlock(1, body)]), /overruns its block/);
  });

  test('pcapng bad byte-order magic', () => {
    const b = shb();
    b.writeUInt32LE(0x11223344, 8);
    expectFormatError(b, /byte-order magic/);
  });

  test('a smaller maxBlockBytes is honoured', () => {
    const big = Buffer.alloc(2000, 0xab);
    assert.throws(() => parseCaptureBuffer(Buffer.concat([shb(), idb(1, 0), epb(0, 1n, big)]), { maxBlockBytes: 1024 }), CaptureFormatError);
    assert.throws(() => new CaptureParser({ maxBlockBytes: MAX_BLOCK_BYTES + 1 }), RangeError);
  });

  test('after an error the parser stays failed', () => {
    const parser = new CaptureParser();
    assert.throws(() => parser.push(Buffer.from('garbage!')), CaptureFormatError);
    assert.throws(() => parser.push(craftPcap(1, [])), CaptureFormatError);
    assert.throws(() => parser.finish(), CaptureFormatError);
  });
});

describe('crafted pcapng features', () => {
  const frame = readFileSync(fixture('lo-usec.pcap')).subarray(24 + 16, 24 + 16 + 98);

  test('simple packet blocks, snaplen clipping, if_tsresol 2^-n, and a big-endian second section', () => {
    const file = Buffer.concat([
      shb(false),
      idb(LINKTYPE.EN10MB, 60, false),
      spb(frame.subarray(0, 60), frame.length, false), // clipped to snaplen 60
      shb(true), // new section, other byte order: interfaces reset
      idb(LINKTYPE.LINUX_SLL2, 0, true, 0x80 | 20), // 2^-20 s units
      epb(0, (1700000000n << 20n) + (1n << 19n), frame, true, 1500),
    ]);
    const { packets, summary } = parseCaptureBuffer(file);
    assert.equal(summary.format, 'pcapng');
    assert.equal(summary.packets, 2);
    assert.equal(summary.bigEndian, true);
    assert.deepEqual(summary.linktypes, [LINKTYPE.EN10MB, LINKTYPE.LINUX_SLL2]);
    assert.equal(packets[0]?.caplen, 60);
    assert.equal(packets[0]?.origLen, frame.length);
    assert.ok(Number.isNaN(packets[0]?.ts), 'simple packet blocks carry no timestamp');
    assert.equal(packets[1]?.ts, 1700000000_500);
    assert.equal(packets[1]?.origLen, 1500);
    assert.equal(packets[1]?.linktype, LINKTYPE.LINUX_SLL2);
    assert.equal(summary.bytes, frame.length + 1500);
    assert.equal(summary.firstTs, 1700000000_500);
  });

  test('unknown blocks are skipped; a pcapng without an interface block is an error on the first packet', () => {
    const custom = pcapngBlock(0x00000bad, Buffer.alloc(20, 1));
    const ok = parseCaptureBuffer(Buffer.concat([shb(), custom, idb(1, 0), custom, epb(0, 5n, frame)]));
    assert.equal(ok.summary.packets, 1);
    assert.throws(() => parseCaptureBuffer(Buffer.concat([shb(), epb(0, 5n, frame)])), CaptureFormatError);
  });
});
