import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CaptureRuleError, type CaptureRule } from '../../../src/engines/capture/rule.js';
import {
  buildCaptureCommand,
  CaptureOptionsError,
  detectCaptureTool,
  findExecutable,
  listCaptureInterfaces,
  parseKernelDrops,
  parseToolPacketCount,
  runCapture,
  type CaptureRunOptions,
} from '../../../src/engines/capture/runner.js';

const RULE: CaptureRule = {
  source: { address: '10.200.1.1', address_type: 0 },
  destination: { address: '', address_type: 0 },
  protocol: 17,
  source_port: '',
  dest_port: '40001-40002',
};
const FILTER = 'ip and src host 10.200.1.1 and udp and dst portrange 40001-40002';

const opts = (over: Partial<CaptureRunOptions> = {}): CaptureRunOptions => ({
  interface: 'eth0',
  rule: RULE,
  maxPackets: 100,
  durationSeconds: 60,
  outputFile: '/var/tmp/x.pcap',
  ...over,
});

describe('capture command lines (argv arrays, never a shell)', () => {
  test('dumpcap', () => {
    assert.deepEqual(buildCaptureCommand(opts(), '/usr/bin/dumpcap', 'dumpcap'), [
      '/usr/bin/dumpcap', '-i', 'eth0', '-f', FILTER, '-c', '100', '-a', 'duration:60', '-P', '-w', '/var/tmp/x.pcap', '-q',
    ]);
  });

  test('tcpdump: the whole filter is ONE argv element after --', () => {
    const argv = buildCaptureCommand(opts({ snaplen: 1500 }), '/usr/bin/tcpdump', 'tcpdump');
    assert.deepEqual(argv, [
      '/usr/bin/tcpdump', '-i', 'eth0', '-c', '100', '-w', '/var/tmp/x.pcap', '-U', '--immediate-mode', '-n', '-s', '1500', '--', FILTER,
    ]);
  });

  test('netns prefixes ip netns exec as argv elements', () => {
    const argv = buildCaptureCommand(opts({ netns: 'gpcap-1-b' }), '/usr/bin/dumpcap', 'dumpcap');
    assert.match(argv[0] ?? '', /\/ip$/);
    assert.deepEqual(argv.slice(1, 5), ['netns', 'exec', 'gpcap-1-b', '/usr/bin/dumpcap']);
  });

  const bad: Array<[string, Partial<CaptureRunOptions>]> = [
    ['interface that looks like an option', { interface: '-w' }],
    ['interface with shell characters', { interface: 'eth0;rm' }],
    ['interface with a space', { interface: 'eth0 lo' }],
    ['interface too long', { interface: 'a'.repeat(16) }],
    ['empty interface', { interface: '' }],
    ['maxPackets 0', { maxPackets: 0 }],
    ['maxPackets fractional', { maxPackets: 1.5 }],
    ['maxPackets above the API maximum', { maxPackets: 1_000_001 }],
    ['duration 0', { durationSeconds: 0 }],
    ['duration not an integer', { durationSeconds: 0.5 }],
    ['relative output file', { outputFile: 'x.pcap' }],
    ['output file that looks like an option', { outputFile: '-x' }],
    ['snaplen too small', { snaplen: 10 }],
    ['netns with a slash', { netns: '../x' }],
    ['netns with an option', { netns: '-all' }],
    ['unknown tool', { tool: 'tshark' as 'dumpcap' }],
    ['tiny file cap', { maxFileBytes: 10 }],
  ];
  for (const [name, over] of bad) {
    test(`rejects ${name}`, () => {
      assert.throws(() => buildCaptureCommand(opts(over), '/usr/bin/dumpcap', 'dumpcap'), CaptureOptionsError);
    });
  }

  test('rejects an invalid rule (injection) before anything runs', async () => {
    const evil = { ...RULE, source: { address: '1.2.3.4 or port 22', address_type: 0 as const } };
    assert.throws(() => buildCaptureCommand(opts({ rule: evil }), '/usr/bin/dumpcap', 'dumpcap'), CaptureRuleError);
    await assert.rejects(runCapture(opts({ rule: evil })), CaptureRuleError);
  });
});

describe('tool discovery and interfaces', () => {
  test('dumpcap is preferred when installed (scripts/deps/capture.sh installs it)', () => {
    assert.ok(findExecutable('tcpdump'), 'tcpdump is not installed: run scripts/deps/capture.sh');
    assert.ok(findExecutable('dumpcap'), 'dumpcap is not installed: run scripts/deps/capture.sh');
    assert.equal(detectCaptureTool(), 'dumpcap');
  });

  test('interfaces come from /sys/class/net, plus any', () => {
    const list = listCaptureInterfaces();
    assert.equal(list.at(-1), 'any');
    if (existsSync('/sys/class/net/lo')) assert.ok(list.includes('lo'));
    assert.ok(list.every((n) => /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/.test(n)));
  });
});

describe('tool output parsing', () => {
  test('dumpcap statistics', () => {
    const stderr = [
      "Capturing on 'veth0'",
      'File: /tmp/x.pcap',
      'Packets captured: 42',
      "Packets received/dropped on interface 'veth0': 50/7 (pcap:7/dumpcap:0/flushed:0/ps_ifdrop:0) (85.7%)",
    ].join('\n');
    assert.equal(parseKernelDrops(stderr), 7);
    assert.equal(parseToolPacketCount(stderr), 42);
  });

  test('tcpdump statistics', () => {
    const stderr = 'tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n3 packets captured\n8 packets received by filter\n2 packets dropped by kernel\n';
    assert.equal(parseKernelDrops(stderr), 2);
    assert.equal(parseToolPacketCount(stderr), 3);
  });

  test('no statistics', () => {
    assert.equal(parseKernelDrops('dumpcap: There are no interfaces'), undefined);
    assert.equal(parseToolPacketCount(''), undefined);
  });
});

describe('runCapture without a capture', () => {
  test('an already-aborted signal returns at once with the abort reason, spawning nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runCapture(opts({ signal: ac.signal, abortReason: () => 'agent_shutdown', outputFile: '/nonexistent-dir/x.pcap' }));
    assert.equal(r.stopReason, 'agent_shutdown');
    assert.equal(r.packets, 0);
    assert.equal(r.fileBytes, 0);
    assert.match(r.detail ?? '', /before the capture started/);
  });
});
