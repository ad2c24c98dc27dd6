import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodePacket } from '../../../src/engines/capture/packet-decoder.js';
import { LINKTYPE } from '../../../src/engines/capture/pcap-format.js';

describe('decodePacket', () => {
  const ipv4Udp = (): Buffer => {
    const b = Buffer.alloc(28);
    b[0] = 0x45;
    b.writeUInt16BE(28, 2);
    b[8] = 64;
    b[9] = 17;
    Buffer.from([10, 200, 1, 1]).copy(b, 12);
    Buffer.from([10, 200, 1, 2]).copy(b, 16);
    b.writeUInt16BE(40100, 20);
    b.writeUInt16BE(40001, 22);
    b.writeUInt16BE(8, 24);
    return b;
  };
  const ipv6 = (next: number, payload: Buffer): Buffer => {
    const b = Buffer.alloc(40);
    b[0] = 0x60;
    b.writeUInt16BE(payload.length, 4);
    b[6] = next;
    b[7] = 64;
    b[8] = 0xfd;
    b[23] = 1;
    b[24] = 0xfd;
    b[39] = 2;
    return Buffer.concat([b, payload]);
  };
  const udpHeader = Buffer.from([0x9c, 0xa4, 0x9c, 0x41, 0, 8, 0, 0]); // 40100 → 40001
  const expected4 = { family: 4, src: '10.200.1.1', dst: '10.200.1.2', protocol: 17, srcPort: 40100, dstPort: 40001 };

  const eth = (type: number, payload: Buffer, vlan = false): Buffer => {
    const h = Buffer.alloc(vlan ? 18 : 14);
    if (vlan) {
      h.writeUInt16BE(0x8100, 12);
      h.writeUInt16BE(42, 14);
      h.writeUInt16BE(type, 16);
    } else h.writeUInt16BE(type, 12);
    return Buffer.concat([h, payload]);
  };

  test('Ethernet, with and without a VLAN tag', () => {
    assert.deepEqual(decodePacket(LINKTYPE.EN10MB, eth(0x0800, ipv4Udp())), expected4);
    assert.deepEqual(decodePacket(LINKTYPE.EN10MB, eth(0x0800, ipv4Udp(), true)), expected4);
  });

  test('Linux cooked v1 and v2', () => {
    const sll = Buffer.alloc(16);
    sll.writeUInt16BE(0x0800, 14);
    assert.deepEqual(decodePacket(LINKTYPE.LINUX_SLL, Buffer.concat([sll, ipv4Udp()])), expected4);
    const sll2 = Buffer.alloc(20);
    sll2.writeUInt16BE(0x0800, 0);
    assert.deepEqual(decodePacket(LINKTYPE.LINUX_SLL2, Buffer.concat([sll2, ipv4Udp()])), expected4);
  });

  test('NULL (either byte order, BSD AF_INET6 values) and LOOP', () => {
    const le = Buffer.from([2, 0, 0, 0]);
    const be = Buffer.from([0, 0, 0, 2]);
    assert.deepEqual(decodePacket(LINKTYPE.NULL, Buffer.concat([le, ipv4Udp()])), expected4);
    assert.deepEqual(decodePacket(LINKTYPE.NULL, Buffer.concat([be, ipv4Udp()])), expected4);
    assert.deepEqual(decodePacket(LINKTYPE.LOOP, Buffer.concat([be, ipv4Udp()])), expected4);
    const v6 = decodePacket(LINKTYPE.NULL, Buffer.concat([Buffer.from([30, 0, 0, 0]), ipv6(17, udpHeader)]));
    assert.equal(v6?.family, 6);
    assert.equal(v6?.dstPort, 40001);
  });

  test('RAW IPv4 and IPv6', () => {
    assert.deepEqual(decodePacket(LINKTYPE.RAW, ipv4Udp()), expected4);
    assert.deepEqual(decodePacket(LINKTYPE.RAW, ipv6(17, udpHeader)), {
      family: 6,
      src: 'fd00::1',
      dst: 'fd00::2',
      protocol: 17,
      srcPort: 40100,
      dstPort: 40001,
    });
  });

  test('IPv6 extension headers are walked (hop-by-hop then UDP), fragments carry no ports', () => {
    const hop = Buffer.from([17, 0, 1, 4, 0, 0, 0, 0]); // next=UDP, len 0 (8 bytes)
    const d = decodePacket(LINKTYPE.RAW, ipv6(0, Buffer.concat([hop, udpHeader])));
    assert.equal(d?.protocol, 17);
    assert.equal(d?.dstPort, 40001);
    assert.deepEqual(d?.extensionHeaders, [0]);
    const laterFragment = Buffer.from([17, 0, 0x00, 0x09, 0, 0, 0, 1]); // offset 1 (×8)
    const f = decodePacket(LINKTYPE.RAW, ipv6(44, Buffer.concat([laterFragment, udpHeader])));
    assert.equal(f?.fragment, true);
    assert.equal(f?.dstPort, undefined);
  });

  test('IPv4 non-first fragment has no ports; ICMP type decoded', () => {
    const frag = ipv4Udp();
    frag.writeUInt16BE(0x0010, 6);
    const d = decodePacket(LINKTYPE.RAW, frag);
    assert.equal(d?.fragment, true);
    assert.equal(d?.srcPort, undefined);
    const icmp = ipv4Udp();
    icmp[9] = 1;
    icmp[20] = 8;
    assert.equal(decodePacket(LINKTYPE.RAW, icmp)?.icmpType, 8);
  });

  test('non-IP, short and unknown link types give null', () => {
    assert.equal(decodePacket(LINKTYPE.EN10MB, eth(0x0806, Buffer.alloc(28))), null); // ARP
    assert.equal(decodePacket(LINKTYPE.EN10MB, Buffer.alloc(10)), null);
    assert.equal(decodePacket(LINKTYPE.RAW, ipv4Udp().subarray(0, 19)), null);
    assert.equal(decodePacket(LINKTYPE.RAW, Buffer.alloc(0)), null);
    assert.equal(decodePacket(LINKTYPE.EN10MB, eth(0x86dd, ipv4Udp())), null); // version mismatch
    assert.equal(decodePacket(147, ipv4Udp()), null);
    const badIhl = ipv4Udp();
    badIhl[0] = 0x44;
    assert.equal(decodePacket(LINKTYPE.RAW, badIhl), null);
  });
});
