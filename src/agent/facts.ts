import fs from 'node:fs';
import os from 'node:os';
import type { HostFacts } from '../core/host-facts.js';

export const AGENT_VERSION = '0.1.0';

function osRelease(): { name: string; version: string } {
  try {
    const text = fs.readFileSync('/etc/os-release', 'utf8');
    const field = (key: string) => new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
    return { name: field('NAME') || field('ID') || os.type(), version: field('VERSION_ID') || field('VERSION') };
  } catch {
    return { name: os.type(), version: os.release() };
  }
}

const PRIVATE_V4 = [/^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];

function isPrivate(address: string, family: string): boolean {
  if (family === 'IPv4') return PRIVATE_V4.some((re) => re.test(address));
  return /^f[cd]/i.test(address) || /^fe80:/i.test(address);
}

/** The host's addresses, split the way HSS lists them; loopback is left out. */
export function hostAddresses(): { privateIps: string[]; publicIps: string[] } {
  const privateIps: string[] = [];
  const publicIps: string[] = [];
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.internal) continue;
      (isPrivate(a.address, String(a.family)) ? privateIps : publicIps).push(a.address);
    }
  }
  // IPv4 first: HSS shows one address per host and users expect the v4 one there.
  const v4First = (list: string[]) => [...list.filter((a) => !a.includes(':')), ...list.filter((a) => a.includes(':'))].slice(0, 64);
  return { privateIps: v4First(privateIps), publicIps: v4First(publicIps) };
}

/** What the agent reports on enrollment and whenever it changes; `kinds` maps each job kind it can run to its capability. */
export function collectFacts(options: { kinds: Record<string, unknown>; hostName?: string | undefined }): HostFacts {
  const release = osRelease();
  const { privateIps, publicIps } = hostAddresses();
  return {
    host_name: (options.hostName || os.hostname() || 'localhost').slice(0, 128),
    os_name: release.name.slice(0, 128),
    os_version: release.version.slice(0, 256),
    os_type: os.platform() === 'win32' ? 'Windows' : 'Linux',
    kernel_version: os.release().slice(0, 256),
    os_bit: os.arch().includes('64') ? '64' : '32',
    private_ips: privateIps,
    public_ips: publicIps,
    agent_version: AGENT_VERSION,
    capabilities: { job_kinds: Object.keys(options.kinds), kinds: options.kinds },
  };
}
