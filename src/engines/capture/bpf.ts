import { normalizeCaptureRule, type CaptureRule, type NormalizedEndpoint, type PortRange } from './rule.js';

const PROTOCOL_KEYWORDS: Record<6 | 17 | 1 | 58, string> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmp6' };

/**
 * Builds the libpcap filter expression for a capture rule, only from validated, canonicalised
 * fields (numbers and re-formatted addresses: no user text is copied through). The result is passed
 * to the capture tool as ONE argv element, never through a shell.
 *
 * Shape: `<family> [and src host|net A] [and dst host|net B] [and <proto>] [and src port|portrange]
 * [and dst port|portrange]`, e.g. `ip and src host 10.0.0.1 and tcp and dst portrange 1000-2000`.
 * For IPv6 with a protocol but no ports, `<proto>` is `ip6 protochain N`, which walks the extension
 * header chain, so hop-by-hop (MLD), destination-options, routing and AH packets are matched too.
 *
 * Known limits of the libpcap filter language (documented, not worked around):
 *  - IPv6 with ports: `tcp|udp` and the port primitives look at the IPv6 next-header field and
 *    through at most one fragment header; packets with other extension headers before the
 *    transport header are NOT matched (protochain cannot be combined with port offsets).
 *  - IPv4 fragments: port filters only match the first fragment (later fragments carry no ports);
 *    without ports every fragment of the protocol matches.
 *  - VLAN-tagged frames are not matched unless the interface strips tags (the usual Linux case).
 *  - protocol -1 (any) captures only the rule's family (`ip` or `ip6`), not both.
 */
export function buildCaptureFilter(rule: CaptureRule): string {
  const n = normalizeCaptureRule(rule); // throws CaptureRuleError when invalid
  const parts: string[] = [n.family === 4 ? 'ip' : 'ip6'];
  const endpoint = (dir: 'src' | 'dst', e: NormalizedEndpoint): void => {
    if (e.network === null) return;
    parts.push(e.isHost ? `${dir} host ${e.network}` : `${dir} net ${e.network}/${e.prefix}`);
  };
  endpoint('src', n.source);
  endpoint('dst', n.destination);
  if (n.protocol !== -1) {
    const noPorts = n.sourcePort === null && n.destPort === null;
    parts.push(n.family === 6 && noPorts ? `ip6 protochain ${n.protocol}` : PROTOCOL_KEYWORDS[n.protocol]);
  }
  const port = (dir: 'src' | 'dst', range: PortRange | null): void => {
    if (!range) return;
    parts.push(range.low === range.high ? `${dir} port ${range.low}` : `${dir} portrange ${range.low}-${range.high}`);
  };
  port('src', n.sourcePort);
  port('dst', n.destPort);
  const filter = parts.join(' and ');
  // Last line of defence: only keywords, digits, hex, '.', ':', '/', '-' and single spaces.
  if (!/^[a-z0-9.:/-]+( [a-z0-9.:/-]+)*$/.test(filter) || filter.length > 300) {
    throw new Error(`internal error: unexpected characters in capture filter ${JSON.stringify(filter)}`);
  }
  return filter;
}
