import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildCaptureFilter } from '../../../src/engines/capture/bpf.js';
import { bpfVisible, packetMatchesRule } from '../../../src/engines/capture/match.js';
import { decodePacket, type DecodedPacket } from '../../../src/engines/capture/packet-decoder.js';
import {
  CaptureRuleError,
  normalizeCaptureRule,
  validateCaptureRule,
  type CaptureRule,
} from '../../../src/engines/capture/rule.js';
import { craftPcap, isRoot, run } from './capture-helpers.js';

/** Hop-by-hop options with a router alert (as MLD sends), and destination options of padding only. */
const HOP_BY_HOP_ROUTER_ALERT = Buffer.from([0x05, 0x02, 0x00, 0x00, 0x01, 0x00]);
const PADN_OPTIONS = Buffer.from([0x01, 0x04, 0x00, 0x00, 0x00, 0x00]);
const ICMPV6_ECHO = Buffer.from([128, 0, 0, 0, 0, 1, 0, 1]);

function udpHeader(dstPort: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(40000, 0);
  b.writeUInt16BE(dstPort, 2);
  b.writeUInt16BE(8, 4);
  return b;
}

/** A raw IPv6 packet fd00:200::2 → fd00:200::1 with the given 8-byte extension headers, then `payload`. */
function ipv6Packet(extensions: Array<[number, Buffer]>, transport: number, payload: Buffer): Buffer {
  const chain = extensions.map(([, options], i) => Buffer.concat([
    Buffer.from([extensions[i + 1]?.[0] ?? transport, 0]), options,
  ]));
  const body = Buffer.concat([...chain, payload]);
  const header = Buffer.alloc(40);
  header[0] = 0x60;
  header.writeUInt16BE(body.length, 4);
  header[6] = extensions[0]?.[0] ?? transport;
  header[7] = 64;
  Buffer.from('fd000200000000000000000000000002', 'hex').copy(header, 8);
  Buffer.from('fd000200000000000000000000000001', 'hex').copy(header, 24);
  return Buffer.concat([header, body]);
}

type RuleInput = {
  source?: unknown;
  destination?: unknown;
  protocol?: unknown;
  source_port?: unknown;
  dest_port?: unknown;
};

const v4 = (address: string): { address: string; address_type: 0 } => ({ address, address_type: 0 });
const v6 = (address: string): { address: string; address_type: 1 } => ({ address, address_type: 1 });

function rule(over: RuleInput = {}): CaptureRule {
  return {
    source: v4(''),
    destination: v4(''),
    protocol: -1,
    source_port: '',
    dest_port: '',
    ...over,
  } as CaptureRule;
}

/** Valid rules and the exact filter each must produce. */
const VALID: Array<{ name: string; rule: CaptureRule; filter: string }> = [
  { name: 'any IPv4', rule: rule(), filter: 'ip' },
  { name: 'any IPv6', rule: rule({ source: v6(''), destination: v6('') }), filter: 'ip6' },
  {
    name: 'seed example (1.1.1.1 → 2.2.2.2, any protocol)',
    rule: rule({ source: v4('1.1.1.1'), destination: v4('2.2.2.2') }),
    filter: 'ip and src host 1.1.1.1 and dst host 2.2.2.2',
  },
  {
    name: 'hosts, net, tcp, port and range',
    rule: rule({ source: v4('10.0.0.1'), destination: v4('10.1.0.0/16'), protocol: 6, source_port: '80', dest_port: '1000-2000' }),
    filter: 'ip and src host 10.0.0.1 and dst net 10.1.0.0/16 and tcp and src port 80 and dst portrange 1000-2000',
  },
  {
    name: 'udp dst port only',
    rule: rule({ protocol: 17, dest_port: '53' }),
    filter: 'ip and udp and dst port 53',
  },
  { name: 'full port range', rule: rule({ protocol: 6, source_port: '1-65535' }), filter: 'ip and tcp and src portrange 1-65535' },
  { name: 'degenerate range a-a', rule: rule({ protocol: 17, dest_port: '80-80' }), filter: 'ip and udp and dst port 80' },
  { name: 'icmp', rule: rule({ protocol: 1 }), filter: 'ip and icmp' },
  { name: 'icmp6 (IPv6 without ports walks the header chain)', rule: rule({ source: v6(''), destination: v6(''), protocol: 58 }), filter: 'ip6 and ip6 protochain 58' },
  {
    name: 'IPv6 tcp without ports, with a host',
    rule: rule({ source: v6('fd00::1'), destination: v6(''), protocol: 6 }),
    filter: 'ip6 and src host fd00::1 and ip6 protochain 6',
  },
  { name: 'IPv6 udp with a port keeps the keyword', rule: rule({ source: v6(''), destination: v6(''), protocol: 17, source_port: '53' }), filter: 'ip6 and udp and src port 53' },
  {
    name: 'host bits under the prefix are cleared',
    rule: rule({ source: v4('10.1.2.3/8') }),
    filter: 'ip and src net 10.0.0.0/8',
  },
  { name: '/32 is a host', rule: rule({ destination: v4('192.0.2.7/32') }), filter: 'ip and dst host 192.0.2.7' },
  { name: '/0 is any', rule: rule({ source: v4('0.0.0.0/0'), protocol: 6 }), filter: 'ip and tcp' },
  {
    name: 'IPv6 canonicalised',
    rule: rule({ source: v6('FD00:0:0::0001'), destination: v6('fd00:200:0:0:1:0:0:0/64'), protocol: 17, dest_port: '40001' }),
    filter: 'ip6 and src host fd00::1 and dst net fd00:200::/64 and udp and dst port 40001',
  },
  {
    name: 'IPv4-mapped IPv6 host',
    rule: rule({ source: v6('::ffff:1.2.3.4'), destination: v6('') }),
    filter: 'ip6 and src host ::ffff:102:304',
  },
  {
    name: 'ports omitted by an SDK (undefined) mean any',
    rule: rule({ source_port: undefined, dest_port: undefined }),
    filter: 'ip',
  },
  { name: 'leading zeros in a port', rule: rule({ protocol: 6, dest_port: '0080' }), filter: 'ip and tcp and dst port 80' },
];

/** Invalid rules and a pattern the problem list must contain. */
const INVALID: Array<{ name: string; rule: unknown; problem: RegExp }> = [
  { name: 'not an object', rule: null, problem: /must be an object/ },
  { name: 'missing source', rule: { ...rule(), source: undefined }, problem: /source must be an object/ },
  { name: 'address_type 2', rule: rule({ source: { address: '', address_type: 2 } }), problem: /source\.address_type/ },
  { name: 'address_type as string', rule: rule({ destination: { address: '', address_type: '0' } }), problem: /destination\.address_type/ },
  { name: 'address not a string', rule: rule({ source: { address: 167772161, address_type: 0 } }), problem: /must be a string/ },
  { name: 'IPv4 address with type IPv6', rule: rule({ source: v6('10.0.0.1'), destination: v6('') }), problem: /is IPv4 but/ },
  { name: 'IPv6 address with type IPv4', rule: rule({ destination: v4('fd00::1') }), problem: /is IPv6 but/ },
  { name: 'mixed families', rule: rule({ source: v4(''), destination: v6('') }), problem: /must be the same/ },
  { name: 'prefix 33', rule: rule({ source: v4('10.0.0.0/33') }), problem: /prefix length/ },
  { name: 'prefix 129', rule: rule({ source: v6('fd00::/129'), destination: v6('') }), problem: /prefix length/ },
  { name: 'negative prefix', rule: rule({ source: v4('10.0.0.0/-1') }), problem: /prefix length/ },
  { name: 'empty prefix', rule: rule({ source: v4('10.0.0.0/') }), problem: /prefix length/ },
  { name: 'prefix with a space', rule: rule({ source: v4('10.0.0.0/ 8') }), problem: /prefix length/ },
  { name: 'two slashes', rule: rule({ source: v4('10.0.0.0/8/8') }), problem: /prefix length/ },
  { name: 'octet 256', rule: rule({ source: v4('256.1.1.1') }), problem: /not an IP address/ },
  { name: 'three octets', rule: rule({ source: v4('1.2.3') }), problem: /not an IP address/ },
  { name: 'leading zero octet', rule: rule({ source: v4('01.2.3.4') }), problem: /not an IP address/ },
  { name: 'IPv6 zone id', rule: rule({ source: v6('fe80::1%eth0'), destination: v6('') }), problem: /not an IP address/ },
  { name: 'host name', rule: rule({ destination: v4('localhost') }), problem: /not an IP address/ },
  { name: 'leading space', rule: rule({ source: v4(' 1.2.3.4') }), problem: /not an IP address/ },
  { name: 'trailing space', rule: rule({ source: v4('1.2.3.4 ') }), problem: /not an IP address/ },
  { name: 'overlong address', rule: rule({ source: v4('1'.repeat(100)) }), problem: /too long/ },
  { name: 'protocol 2', rule: rule({ protocol: 2 }), problem: /protocol must be one of/ },
  { name: 'protocol as string', rule: rule({ protocol: '6' }), problem: /protocol must be one of/ },
  { name: 'protocol missing', rule: rule({ protocol: undefined }), problem: /protocol must be one of/ },
  { name: 'ICMP with IPv6', rule: rule({ source: v6(''), destination: v6(''), protocol: 1 }), problem: /protocol 1 \(ICMP\) needs IPv4/ },
  { name: 'ICMPv6 with IPv4', rule: rule({ protocol: 58 }), problem: /protocol 58 \(ICMPv6\) needs IPv6/ },
  { name: 'port 0', rule: rule({ protocol: 6, dest_port: '0' }), problem: /ports are 1-65535/ },
  { name: 'port 65536', rule: rule({ protocol: 6, dest_port: '65536' }), problem: /ports are 1-65535/ },
  { name: 'reversed range', rule: rule({ protocol: 17, source_port: '2000-1000' }), problem: /greater than its end/ },
  { name: 'port list', rule: rule({ protocol: 6, dest_port: '80,443' }), problem: /must be a port/ },
  { name: 'port with space', rule: rule({ protocol: 6, dest_port: ' 80' }), problem: /must be a port/ },
  { name: 'port range open end', rule: rule({ protocol: 6, dest_port: '1-' }), problem: /must be a port/ },
  { name: 'negative port', rule: rule({ protocol: 6, dest_port: '-80' }), problem: /must be a port/ },
  { name: 'port as number', rule: rule({ protocol: 6, dest_port: 80 }), problem: /must be a string/ },
  { name: 'port six digits', rule: rule({ protocol: 6, dest_port: '000080' }), problem: /must be a port/ },
  { name: 'ports with protocol any', rule: rule({ dest_port: '80' }), problem: /need protocol 6 \(TCP\) or 17 \(UDP\)/ },
  { name: 'ports with ICMP', rule: rule({ protocol: 1, source_port: '1' }), problem: /need protocol 6/ },
  // Injection attempts: none may reach the filter.
  { name: 'inject: "1.2.3.4 or port 22"', rule: rule({ source: v4('1.2.3.4 or port 22') }), problem: /not an IP address/ },
  { name: 'inject: ";rm -rf /"', rule: rule({ source: v4('1.2.3.4;rm -rf /') }), problem: /not an IP address/ },
  { name: 'inject: newline', rule: rule({ destination: v4('1.2.3.4\nor ip') }), problem: /not an IP address/ },
  { name: 'inject: quote', rule: rule({ destination: v4("1.2.3.4' or '1") }), problem: /not an IP address/ },
  { name: 'inject: $(...)', rule: rule({ source: v4('$(reboot)') }), problem: /not an IP address/ },
  { name: 'inject: in CIDR prefix', rule: rule({ source: v4('10.0.0.0/8 or ip6') }), problem: /prefix length/ },
  { name: 'inject: IPv6 "or ip"', rule: rule({ source: v6('fd00::1 or ip'), destination: v6('') }), problem: /not an IP address/ },
  { name: 'inject: port "80 or port 22"', rule: rule({ protocol: 6, dest_port: '80 or port 22' }), problem: /must be a port/ },
  { name: 'inject: port ";rm -rf /"', rule: rule({ protocol: 6, dest_port: '22;rm -rf /' }), problem: /must be a port/ },
  { name: 'inject: port newline', rule: rule({ protocol: 17, source_port: '80\n' }), problem: /must be a port/ },
  { name: 'inject: port "1-2 or 3"', rule: rule({ protocol: 17, source_port: '1-2 or tcp' }), problem: /must be a port/ },
];

describe('capture rule validation', () => {
  for (const c of VALID) {
    test(`valid: ${c.name}`, () => {
      assert.deepEqual(validateCaptureRule(c.rule), []);
    });
  }
  for (const c of INVALID) {
    test(`invalid: ${c.name}`, () => {
      const problems = validateCaptureRule(c.rule as CaptureRule);
      assert.ok(problems.length > 0, 'expected problems');
      assert.ok(
        problems.some((p) => c.problem.test(p)),
        `expected a problem matching ${c.problem}, got ${JSON.stringify(problems)}`,
      );
      assert.throws(() => normalizeCaptureRule(c.rule as CaptureRule), CaptureRuleError);
      assert.throws(() => buildCaptureFilter(c.rule as CaptureRule), CaptureRuleError);
    });
  }

  test('every problem is reported at once', () => {
    const problems = validateCaptureRule(
      rule({ source: v4('nope'), destination: { address: '', address_type: 7 }, protocol: 3, dest_port: 'x' }),
    );
    assert.ok(problems.length >= 4, JSON.stringify(problems));
  });

  test('normalized form', () => {
    assert.deepEqual(normalizeCaptureRule(rule({ source: v4('10.9.8.7/12'), protocol: 6, dest_port: '10-20' })), {
      family: 4,
      source: { network: '10.0.0.0', prefix: 12, isHost: false },
      destination: { network: null, prefix: 0, isHost: false },
      protocol: 6,
      sourcePort: null,
      destPort: { low: 10, high: 20 },
    });
  });
});

describe('BPF filter strings', () => {
  for (const c of VALID) {
    test(`filter: ${c.name}`, () => {
      assert.equal(buildCaptureFilter(c.rule), c.filter);
    });
  }
});

describe('every built filter compiles with the real libpcap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpcap-bpf-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // Empty pcap files of each link type the engine meets, so `tcpdump -d -r` compiles for it without
  // needing an interface (and without root).
  const linktypes: Array<[string, number]> = [
    ['EN10MB', 1],
    ['LINUX_SLL', 113],
    ['LINUX_SLL2', 276],
    ['RAW', 101],
  ];
  const files = new Map<string, string>();
  for (const [name, lt] of linktypes) {
    const f = join(dir, `${name}.pcap`);
    writeFileSync(f, craftPcap(lt, []));
    files.set(name, f);
  }

  for (const [name] of linktypes) {
    test(`tcpdump -d compiles every filter for ${name}`, async () => {
      for (const c of VALID) {
        const expr = buildCaptureFilter(c.rule);
        const r = await run(['tcpdump', '-d', '-r', files.get(name) as string, expr]);
        assert.equal(r.code, 0, `tcpdump -d ${JSON.stringify(expr)} failed: ${r.stderr}`);
        assert.match(r.stdout, /\bret\b/);
      }
    });
  }

  test('tcpdump runs the filters on IPv6 packets with hop-by-hop / destination-options headers as bpfVisible predicts', async () => {
    const file = join(dir, 'ipv6-extension-headers.pcap');
    const packets = [
      ipv6Packet([[0, HOP_BY_HOP_ROUTER_ALERT]], 58, ICMPV6_ECHO), // MLD-style: ICMPv6 behind hop-by-hop
      ipv6Packet([[60, PADN_OPTIONS]], 17, udpHeader(53)), // UDP behind destination options
      ipv6Packet([], 17, udpHeader(53)),
      ipv6Packet([[0, HOP_BY_HOP_ROUTER_ALERT]], 17, udpHeader(53)),
      ipv6Packet([], 58, ICMPV6_ECHO),
    ];
    writeFileSync(file, craftPcap(101, packets.map((data, i) => ({ sec: 1_700_000_000 + i, frac: 0, data }))));
    const decoded = packets.map((p) => decodePacket(101, p) as DecodedPacket);
    assert.deepEqual(decoded.map((d) => d.extensionHeaders ?? []), [[0], [60], [], [0], []], 'the crafted packets decode as intended');
    const cases: Array<{ rule: CaptureRule; expected: number }> = [
      { rule: rule({ source: v6(''), destination: v6(''), protocol: 58 }), expected: 2 },
      { rule: rule({ source: v6('fd00:200::2'), destination: v6(''), protocol: 17 }), expected: 3 },
      { rule: rule({ source: v6(''), destination: v6(''), protocol: 17, dest_port: '53' }), expected: 1 },
      { rule: rule({ source: v6(''), destination: v6('') }), expected: 5 },
    ];
    for (const c of cases) {
      const expr = buildCaptureFilter(c.rule);
      const r = await run(['tcpdump', '-n', '-r', file, expr]);
      assert.equal(r.code, 0, r.stderr);
      const seen = r.stdout.split('\n').filter((line) => line.trim() !== '').length;
      assert.equal(seen, c.expected, `tcpdump ${JSON.stringify(expr)}:\n${r.stdout}`);
      const predicted = decoded.filter((d) => bpfVisible(d, c.rule) && packetMatchesRule(d, c.rule)).length;
      assert.equal(predicted, c.expected, `bpfVisible + matcher for ${JSON.stringify(expr)}`);
    }
  });

  test('the compile check is not vacuous: libpcap refuses a net with host bits', async () => {
    const r = await run(['tcpdump', '-d', '-r', files.get('EN10MB') as string, 'ip and src net 10.0.0.1/8']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /non-network bits/);
  });

  test('dumpcap -d compiles every filter on lo', async (t) => {
    if (!isRoot()) {
      t.skip('dumpcap -d needs to open an interface: not root');
      return;
    }
    for (const c of VALID) {
      const expr = buildCaptureFilter(c.rule);
      const r = await run(['dumpcap', '-d', '-i', 'lo', '-f', expr]);
      assert.equal(r.code, 0, `dumpcap -d ${JSON.stringify(expr)} failed: ${r.stderr}`);
      assert.match(r.stdout, /\bret\b/);
    }
  });
});

describe('independent rule matcher', () => {
  const pkt = (over: Partial<DecodedPacket>): DecodedPacket => ({
    family: 4,
    src: '10.0.0.1',
    dst: '10.1.2.3',
    protocol: 6,
    srcPort: 80,
    dstPort: 1500,
    ...over,
  });
  const r = rule({ source: v4('10.0.0.1'), destination: v4('10.1.0.0/16'), protocol: 6, source_port: '80', dest_port: '1000-2000' });

  test('matches the full 5-tuple', () => {
    assert.equal(packetMatchesRule(pkt({}), r), true);
  });
  test('rejects each field that differs', () => {
    assert.equal(packetMatchesRule(pkt({ src: '10.0.0.2' }), r), false);
    assert.equal(packetMatchesRule(pkt({ dst: '10.2.0.1' }), r), false);
    assert.equal(packetMatchesRule(pkt({ protocol: 17 }), r), false);
    assert.equal(packetMatchesRule(pkt({ srcPort: 81 }), r), false);
    assert.equal(packetMatchesRule(pkt({ dstPort: 2001 }), r), false);
    assert.equal(packetMatchesRule(pkt({ dstPort: undefined }), r), false);
    assert.equal(packetMatchesRule(pkt({ family: 6, src: 'fd00::1', dst: 'fd00::2' }), r), false);
  });
  test('IPv6 CIDR and protocol any', () => {
    const r6 = rule({ source: v6('fd00:200::/64'), destination: v6(''), protocol: -1 });
    assert.equal(packetMatchesRule({ family: 6, src: 'fd00:200::9', dst: 'ff02::1', protocol: 58 }, r6), true);
    assert.equal(packetMatchesRule({ family: 6, src: 'fd00:201::1', dst: 'ff02::1', protocol: 58 }, r6), false);
    assert.equal(packetMatchesRule({ family: 4, src: '10.0.0.1', dst: '10.0.0.2', protocol: 1 }, r6), false);
  });
  test('bpfVisible: IPv6 extension headers hide a packet only from rules with ports', () => {
    const udp53 = rule({ source: v6(''), destination: v6(''), protocol: 17, dest_port: '53' });
    const icmp6 = rule({ source: v6(''), destination: v6(''), protocol: 58 });
    const any6 = rule({ source: v6(''), destination: v6('') });
    const plain: DecodedPacket = { family: 6, src: '::1', dst: '::1', protocol: 17, dstPort: 53 };
    const hopByHop: DecodedPacket = { ...plain, extensionHeaders: [0] };
    assert.equal(bpfVisible(plain, udp53), true);
    assert.equal(bpfVisible({ ...plain, extensionHeaders: [44] }, udp53), true);
    assert.equal(bpfVisible(hopByHop, udp53), false);
    assert.equal(bpfVisible({ ...hopByHop, protocol: 58 }, icmp6), true);
    assert.equal(bpfVisible(hopByHop, any6), true);
  });
});
