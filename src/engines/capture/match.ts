import { BlockList } from 'node:net';
import type { DecodedPacket } from './packet-decoder.js';
import { normalizeCaptureRule, type CaptureRule, type NormalizedEndpoint, type PortRange } from './rule.js';

/**
 * An independent, pure-JS evaluation of a capture rule against a decoded packet (node:net
 * BlockList for address containment). It does not use the BPF expression, so it can check what a
 * capture tool wrote: every packet of a filtered capture must match its rule.
 *
 * Semantics differ from libpcap on purpose in one place, reported by `bpfVisible`: this matcher
 * sees through IPv6 extension headers, the BPF filter does not when ports are given (see bpf.ts).
 */
export function compileRuleMatcher(rule: CaptureRule): (packet: DecodedPacket) => boolean {
  const n = normalizeCaptureRule(rule);
  const type = n.family === 4 ? 'ipv4' : 'ipv6';
  const list = (e: NormalizedEndpoint): BlockList | null => {
    if (e.network === null) return null;
    const b = new BlockList();
    b.addSubnet(e.network, e.prefix, type);
    return b;
  };
  const src = list(n.source);
  const dst = list(n.destination);
  const inRange = (r: PortRange | null, port: number | undefined): boolean =>
    r === null || (port !== undefined && port >= r.low && port <= r.high);
  return (p) => {
    if (p.family !== n.family) return false;
    if (src && !src.check(p.src, type)) return false;
    if (dst && !dst.check(p.dst, type)) return false;
    if (n.protocol !== -1 && p.protocol !== n.protocol) return false;
    return inRange(n.sourcePort, p.srcPort) && inRange(n.destPort, p.dstPort);
  };
}

/** True when `packet` matches `rule`. */
export function packetMatchesRule(packet: DecodedPacket, rule: CaptureRule): boolean {
  return compileRuleMatcher(rule)(packet);
}

/**
 * Whether libpcap's filter for `rule` (see bpf.ts) can see this packet: IPv6 packets whose transport
 * header sits behind extension headers other than a single fragment header are invisible only to
 * IPv6 rules with ports (a protocol without ports uses `ip6 protochain`, protocol -1 checks none).
 */
export function bpfVisible(packet: DecodedPacket, rule: CaptureRule): boolean {
  const ext = packet.extensionHeaders ?? [];
  if (ext.length === 0 || (ext.length === 1 && ext[0] === 44)) return true;
  const n = normalizeCaptureRule(rule);
  return n.protocol === -1 || (n.sourcePort === null && n.destPort === null);
}
