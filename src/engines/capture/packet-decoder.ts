import { formatIp } from './ip.js';
import { LINKTYPE } from './pcap-format.js';

/**
 * Decodes the IP 5-tuple of captured frames. Only tests and tools use it (the agent ships pcap files
 * untouched); it depends on the link-type constants, not on the reader.
 */

export interface DecodedPacket {
  family: 4 | 6;
  src: string;
  dst: string;
  /** IPv4 protocol, or the IPv6 upper-layer protocol after extension headers. */
  protocol: number;
  srcPort?: number;
  dstPort?: number;
  icmpType?: number;
  /** True for a non-first fragment (no transport header present). */
  fragment?: boolean;
  /** IPv6 extension headers walked before the upper-layer protocol. */
  extensionHeaders?: number[];
}

const AF_INET = 2;
const AF_INET6 = new Set([10, 24, 28, 30]); // Linux, NetBSD/OpenBSD, FreeBSD, Darwin

/** The network-layer payload (IPv4 or IPv6) of a link-layer frame, or null when it carries something else. */
function networkLayer(linktype: number, d: Uint8Array): { version: 4 | 6 | 0; at: number } | null {
  const view = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  const byEthertype = (type: number, at: number): { version: 4 | 6 | 0; at: number } | null =>
    type === 0x0800 ? { version: 4, at } : type === 0x86dd ? { version: 6, at } : null;
  switch (linktype) {
    case LINKTYPE.EN10MB: {
      if (view.length < 14) return null;
      let type = view.readUInt16BE(12);
      let at = 14;
      for (let tags = 0; tags < 2 && (type === 0x8100 || type === 0x88a8 || type === 0x9100); tags += 1) {
        if (view.length < at + 4) return null;
        type = view.readUInt16BE(at + 2);
        at += 4;
      }
      return byEthertype(type, at);
    }
    case LINKTYPE.LINUX_SLL:
      return view.length < 16 ? null : byEthertype(view.readUInt16BE(14), 16);
    case LINKTYPE.LINUX_SLL2:
      return view.length < 20 ? null : byEthertype(view.readUInt16BE(0), 20);
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (view.length < 4) return null;
      // NULL is in the writer's host byte order, LOOP in network order; accept both for NULL.
      const values = linktype === LINKTYPE.LOOP ? [view.readUInt32BE(0)] : [view.readUInt32LE(0), view.readUInt32BE(0)];
      if (values.includes(AF_INET)) return { version: 4, at: 4 };
      if (values.some((v) => AF_INET6.has(v))) return { version: 6, at: 4 };
      return null;
    }
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return { version: 0, at: 0 };
    default:
      return null;
  }
}

/**
 * Decodes the IP 5-tuple of a captured frame for link types EN10MB (1), RAW (101), LINUX_SLL (113),
 * LINUX_SLL2 (276), NULL (0), LOOP (108) (and IPV4/IPV6 228/229). Returns null for non-IP frames
 * and malformed or too-short headers.
 */
export function decodePacket(linktype: number, data: Uint8Array): DecodedPacket | null {
  const l3 = networkLayer(linktype, data);
  if (!l3) return null;
  const d = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const at = l3.at;
  if (d.length <= at) return null;
  const version = (d[at] ?? 0) >> 4;
  if (l3.version !== 0 && version !== l3.version) return null;
  if (version === 4) return decodeIpv4(d, at);
  if (version === 6) return decodeIpv6(d, at);
  return null;
}

function transport(d: Buffer, at: number, end: number, protocol: number, out: DecodedPacket): DecodedPacket {
  if ((protocol === 6 || protocol === 17 || protocol === 132) && at + 4 <= end) {
    out.srcPort = d.readUInt16BE(at);
    out.dstPort = d.readUInt16BE(at + 2);
  } else if ((protocol === 1 || protocol === 58) && at + 1 <= end) {
    out.icmpType = d[at];
  }
  return out;
}

function decodeIpv4(d: Buffer, at: number): DecodedPacket | null {
  if (d.length < at + 20) return null;
  const ihl = ((d[at] ?? 0) & 0x0f) * 4;
  if (ihl < 20 || d.length < at + ihl) return null;
  const protocol = d[at + 9] ?? 0;
  const fragOffset = d.readUInt16BE(at + 6) & 0x1fff;
  const totalLength = d.readUInt16BE(at + 2);
  const end = Math.min(d.length, at + Math.max(totalLength, ihl));
  const out: DecodedPacket = {
    family: 4,
    src: formatIp(d.subarray(at + 12, at + 16)),
    dst: formatIp(d.subarray(at + 16, at + 20)),
    protocol,
  };
  if (fragOffset !== 0) {
    out.fragment = true;
    return out;
  }
  return transport(d, at + ihl, end, protocol, out);
}

function decodeIpv6(d: Buffer, at: number): DecodedPacket | null {
  if (d.length < at + 40) return null;
  const payloadLength = d.readUInt16BE(at + 4);
  const end = Math.min(d.length, at + 40 + payloadLength);
  let next = d[at + 6] ?? 0;
  const out: DecodedPacket = {
    family: 6,
    src: formatIp(d.subarray(at + 8, at + 24)),
    dst: formatIp(d.subarray(at + 24, at + 40)),
    protocol: next,
  };
  let off = at + 40;
  const ext: number[] = [];
  for (let i = 0; i < 8 && [0, 43, 44, 51, 60].includes(next); i += 1) {
    if (off + 8 > end) {
      out.protocol = next;
      if (ext.length) out.extensionHeaders = ext;
      return out;
    }
    ext.push(next);
    const following = d[off] ?? 0;
    if (next === 44) {
      const fragOffset = d.readUInt16BE(off + 2) >> 3;
      off += 8;
      next = following;
      if (fragOffset !== 0) {
        out.protocol = next;
        out.fragment = true;
        out.extensionHeaders = ext;
        return out;
      }
      continue;
    }
    off += next === 51 ? ((d[off + 1] ?? 0) + 2) * 4 : ((d[off + 1] ?? 0) + 1) * 8;
    next = following;
  }
  out.protocol = next;
  if (ext.length) out.extensionHeaders = ext;
  return transport(d, off, end, next, out);
}
