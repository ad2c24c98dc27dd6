import { normalizeCaptureRule, type CaptureRule, type NormalizedEndpoint, type PortRange } from './rule.js';

/**
 * Builds the libpcap filter expression for a capture rule, only from validated, canonicalised
 * fields (numbers and re-formatted addresses: no user text is copied through). The result is passed
 * to the capture tool as ONE argv element, never through a shell.
 *
 * Shape: `<family> [and src host|net A] [and dst host|net B] [and <proto>] [and src port|portrange]
 * [and dst port|portrange]`, e.g. `ip and src host 10.0.0.1 and tcp and dst portrange 1000-2000`.
 *
 * Known limits of the libpcap filter language (documented, not worked around):
 *  - IPv6 extension headers: `ip6 and tcp|udp|icmp6` looks at the IPv6 next-header field, and
 *    libpcap only looks through one fragment header. Packets with other extension headers
 *    (hop-by-hop, routing, destination options, AH) before the transport header are NOT matched
 *    when a protocol is set, and port filters never see through any extension header. Hop-by-hop is
 *    mostly MLD (ICMPv6 behind a hop-by-hop header), so an ICMPv6 capture does not show MLD.
 *    `ip6 protochain N` would walk the chain but cannot be combined with port offsets, so the
 *    plain keywords are used for consistent semantics.
 *  - IPv4 fragments: port filters only match the first fragment (later fragments carry no ports).
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
  switch (n.protocol) {
    case 6:
      parts.push('tcp');
      break;
    case 17:
      parts.push('udp');
      break;
    case 1:
      parts.push('icmp');
      break;
    case 58:
      parts.push('icmp6');
      break;
    case -1:
      break;
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
