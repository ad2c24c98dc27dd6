import { formatIp, maskIp, parseIp, type ParsedIp } from '../../../engines/capture/ip.js';

/**
 * Who may use a type=1 download link: ListCaptureResult's `ip` values are single addresses or CIDR
 * ranges (IPv4 or IPv6). They are stored in one spelling, `address` or `network/prefix`, and a client
 * may download when its address is inside any of them.
 */

/** An IPv4-mapped IPv6 address (how dual-stack sockets report IPv4 clients) as the plain IPv4 address. */
function unmapped(ip: ParsedIp): ParsedIp {
  const b = ip.bytes;
  const mapped = ip.family === 6 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? { family: 4, bytes: b.slice(12) } : ip;
}

/**
 * One spelling per address: lower-case compressed IPv6 (RFC 5952), and the plain IPv4 address for an
 * IPv4-mapped IPv6 one. Null when `text` is not an IP address (zone ids like `fe80::1%eth0` included:
 * they never name a client).
 */
export function canonicalIp(text: string): string | null {
  const parsed = parseIp(text);
  return parsed ? formatIp(unmapped(parsed).bytes) : null;
}

/**
 * `10.0.0.7` → `10.0.0.7`; `10.0.0.7/24` → `10.0.0.0/24` (host bits cleared, as capture rules do);
 * `::ffff:10.0.0.0/104` → `10.0.0.0/8`; a full-length prefix is the single address. Null when invalid.
 */
export function canonicalClientRange(text: string): string | null {
  const slash = text.indexOf('/');
  if (slash < 0) return canonicalIp(text);
  const parsed = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!parsed || !/^[0-9]{1,3}$/.test(prefixText)) return null;
  let prefix = Number(prefixText);
  if (prefix > parsed.bytes.length * 8) return null;
  let ip = parsed;
  if (prefix >= 96 && unmapped(parsed) !== parsed) { // inside ::ffff:0:0/96: the IPv4 range
    ip = unmapped(parsed);
    prefix -= 96;
  }
  const bits = ip.bytes.length * 8;
  const network = formatIp(maskIp(ip.bytes, prefix));
  return prefix === bits ? network : `${network}/${prefix}`;
}

/** Whether `clientIp` (any spelling) is one of / inside one of the canonical `allowed` entries. */
export function clientAllowed(clientIp: string, allowed: string[]): boolean {
  const parsed = parseIp(clientIp);
  if (!parsed) return false;
  const client = unmapped(parsed);
  return allowed.some((entry) => {
    const [address = '', prefixText] = entry.split('/');
    const net = parseIp(address);
    if (!net || net.family !== client.family) return false;
    const prefix = prefixText === undefined ? net.bytes.length * 8 : Number(prefixText);
    return formatIp(maskIp(client.bytes, prefix)) === formatIp(maskIp(net.bytes, prefix));
  });
}
