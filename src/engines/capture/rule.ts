import { formatIp, maskIp, parseIp } from './ip.js';

/**
 * A packet-capture rule as the CFW API carries it (CaptureRuleAddressDto + CaptureServiceDto),
 * re-validated here as defence in depth: the HTTP layer validates too, but the engine turns these
 * fields into a BPF expression run as root, so it trusts nothing.
 */

/** One side of the 5-tuple. `address`: a single IP, a CIDR (`10.0.0.0/8`, `fd00::/64`) or '' for any. */
export interface CaptureEndpoint {
  address: string;
  /** 0 = IPv4, 1 = IPv6. */
  address_type: 0 | 1;
}

export type CaptureProtocol = 6 | 17 | 1 | 58 | -1;

export interface CaptureRule {
  source: CaptureEndpoint;
  destination: CaptureEndpoint;
  /** 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, -1 any. */
  protocol: CaptureProtocol;
  /** '' (any), '80', or '1000-2000'; only with TCP/UDP. */
  source_port: string;
  dest_port: string;
}

/** An endpoint after validation: `null` network means "any address". */
export interface NormalizedEndpoint {
  /** Canonical network address (host bits cleared), or null for any. */
  network: string | null;
  prefix: number;
  /** True when the prefix covers the whole address (a single host). */
  isHost: boolean;
}

export interface PortRange {
  low: number;
  high: number;
}

export interface NormalizedCaptureRule {
  family: 4 | 6;
  source: NormalizedEndpoint;
  destination: NormalizedEndpoint;
  protocol: CaptureProtocol;
  sourcePort: PortRange | null;
  destPort: PortRange | null;
}

export class CaptureRuleError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid capture rule: ${problems.join('; ')}`);
    this.name = 'CaptureRuleError';
  }
}

export const CAPTURE_PROTOCOLS: readonly CaptureProtocol[] = [6, 17, 1, 58, -1];
const MAX_ADDRESS_LENGTH = 64;
const MAX_PORT_LENGTH = 11;

const describe = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'object' ? (value === null ? 'null' : 'an object') : String(value);
};

interface EndpointCheck {
  family: 4 | 6 | null;
  normalized: NormalizedEndpoint | null;
}

function checkEndpoint(name: string, endpoint: unknown, problems: string[]): EndpointCheck {
  if (typeof endpoint !== 'object' || endpoint === null) {
    problems.push(`${name} must be an object with address and address_type`);
    return { family: null, normalized: null };
  }
  const { address, address_type: addressType } = endpoint as Record<string, unknown>;
  let family: 4 | 6 | null = null;
  if (addressType === 0) family = 4;
  else if (addressType === 1) family = 6;
  else problems.push(`${name}.address_type must be 0 (IPv4) or 1 (IPv6), got ${describe(addressType)}`);

  const text = address === undefined || address === null ? '' : address;
  if (typeof text !== 'string') {
    problems.push(`${name}.address must be a string, got ${describe(address)}`);
    return { family, normalized: null };
  }
  if (text === '') return { family, normalized: { network: null, prefix: 0, isHost: false } };
  if (text.length > MAX_ADDRESS_LENGTH) {
    problems.push(`${name}.address is too long (${text.length} characters, at most ${MAX_ADDRESS_LENGTH})`);
    return { family, normalized: null };
  }
  const slash = text.indexOf('/');
  const ipText = slash >= 0 ? text.slice(0, slash) : text;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : null;
  const ip = parseIp(ipText);
  if (!ip) {
    problems.push(`${name}.address ${describe(text)} is not an IP address or CIDR (e.g. 10.0.0.1, 10.0.0.0/8, fd00::/64)`);
    return { family, normalized: null };
  }
  const bits = ip.family === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== null) {
    if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
      problems.push(`${name}.address ${describe(text)} has an invalid prefix length (0-${bits} for IPv${ip.family})`);
      return { family, normalized: null };
    }
    prefix = Number(prefixText);
  }
  if (family !== null && ip.family !== family) {
    problems.push(
      `${name}.address ${describe(text)} is IPv${ip.family} but ${name}.address_type is ${family === 4 ? '0 (IPv4)' : '1 (IPv6)'}`,
    );
    return { family, normalized: null };
  }
  // A /0 matches every address of the family: same as ''. Host bits under the prefix are cleared
  // (10.1.2.3/8 means 10.0.0.0/8), the usual firewall convention; libpcap itself would refuse them.
  if (prefix === 0) return { family, normalized: { network: null, prefix: 0, isHost: false } };
  return {
    family,
    normalized: { network: formatIp(maskIp(ip.bytes, prefix)), prefix, isHost: prefix === bits },
  };
}

function checkPort(name: string, value: unknown, problems: string[]): PortRange | null | undefined {
  const text = value === undefined || value === null ? '' : value;
  if (typeof text !== 'string') {
    problems.push(`${name} must be a string, got ${describe(value)}`);
    return undefined;
  }
  if (text === '') return null;
  const m = text.length <= MAX_PORT_LENGTH ? /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(text) : null;
  if (!m) {
    problems.push(`${name} ${describe(text)} must be a port (1-65535) or a range low-high`);
    return undefined;
  }
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  if (low < 1 || low > 65535 || high < 1 || high > 65535) {
    problems.push(`${name} ${describe(text)}: ports are 1-65535`);
    return undefined;
  }
  if (low > high) {
    problems.push(`${name} ${describe(text)}: range start is greater than its end`);
    return undefined;
  }
  return { low, high };
}

function check(rule: unknown): { problems: string[]; normalized: NormalizedCaptureRule | null } {
  const problems: string[] = [];
  if (typeof rule !== 'object' || rule === null) {
    return { problems: ['capture rule must be an object'], normalized: null };
  }
  const r = rule as Record<string, unknown>;
  const src = checkEndpoint('source', r.source, problems);
  const dst = checkEndpoint('destination', r.destination, problems);

  // A packet has exactly one IP version, so the two endpoints must agree even when one is "any".
  let family: 4 | 6 | null = src.family ?? dst.family;
  if (src.family !== null && dst.family !== null && src.family !== dst.family) {
    problems.push('source.address_type and destination.address_type must be the same (a packet has one IP version)');
    family = null;
  }

  const protocol = r.protocol;
  if (typeof protocol !== 'number' || !CAPTURE_PROTOCOLS.includes(protocol as CaptureProtocol)) {
    problems.push(`protocol must be one of 6 (TCP), 17 (UDP), 1 (ICMP), 58 (ICMPv6), -1 (any), got ${describe(protocol)}`);
  } else if (family !== null) {
    // Decision: ICMP (1) is only meaningful over IPv4 and ICMPv6 (58) only over IPv6. Rather than
    // build a filter that can never match (IPv6 does not carry protocol 1), such rules are refused.
    if (protocol === 1 && family === 6) problems.push('protocol 1 (ICMP) needs IPv4 addresses; use 58 (ICMPv6) for IPv6');
    if (protocol === 58 && family === 4) problems.push('protocol 58 (ICMPv6) needs IPv6 addresses; use 1 (ICMP) for IPv4');
  }

  const sourcePort = checkPort('source_port', r.source_port, problems);
  const destPort = checkPort('dest_port', r.dest_port, problems);
  if ((sourcePort || destPort) && protocol !== 6 && protocol !== 17) {
    problems.push('source_port/dest_port need protocol 6 (TCP) or 17 (UDP)');
  }

  if (problems.length > 0 || family === null || !src.normalized || !dst.normalized) {
    if (problems.length === 0) problems.push('capture rule is incomplete');
    return { problems, normalized: null };
  }
  return {
    problems,
    normalized: {
      family,
      source: src.normalized,
      destination: dst.normalized,
      protocol: protocol as CaptureProtocol,
      sourcePort: sourcePort ?? null,
      destPort: destPort ?? null,
    },
  };
}

/** Every problem with the rule, in human-readable form; [] when the rule is valid. */
export function validateCaptureRule(rule: CaptureRule): string[] {
  return check(rule).problems;
}

/** The validated, canonical form of a rule; throws CaptureRuleError listing every problem. */
export function normalizeCaptureRule(rule: CaptureRule): NormalizedCaptureRule {
  const { problems, normalized } = check(rule);
  if (!normalized) throw new CaptureRuleError(problems);
  return normalized;
}
