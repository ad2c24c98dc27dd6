import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { resolveInRoot } from './root-path.js';
import type { OsInfo } from './types.js';

/** os-release is a few hundred bytes; anything this large is not one. */
const MAX_OS_RELEASE_BYTES = 64 * 1024;

/** Where os-release lives, in the order systemd documents (`etc/` wins). */
const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'];

/** Parses os-release `KEY=value` lines (values optionally quoted, with shell-style backslash escapes). */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\(["\\$`])/g, '$1');
    }
    fields[key] = value;
  }
  return fields;
}

const major = (versionId: string): string => versionId.split('.')[0] ?? '';
const majorMinor = (versionId: string): string => versionId.split('.').slice(0, 2).join('.');
const numbered = (v: string): boolean => /^\d+(\.\d+)*$/.test(v);

interface EcosystemRule {
  ids: readonly string[];
  ecosystem(fields: Record<string, string>, versionId: string): string | null;
}

/**
 * os-release `ID` → OSV ecosystem, following OSV's naming (osv-scalibr / osv-scanner use the same). Red Hat's
 * OSV records are keyed by product and repository (`Red Hat:enterprise_linux:9::appstream`), which os-release
 * does not tell, so RHEL maps to the bare `Red Hat` and the matcher narrows by prefix. Fedora, CentOS and
 * Amazon Linux have no OSV ecosystem and map to null.
 */
const ECOSYSTEM_RULES: readonly EcosystemRule[] = [
  { ids: ['debian'], ecosystem: (_f, v) => (numbered(v) ? `Debian:${major(v)}` : null) },
  {
    ids: ['ubuntu'],
    ecosystem: (f, v) => (numbered(v) ? `Ubuntu:${v}${/\bLTS\b/.test(f.VERSION ?? '') ? ':LTS' : ''}` : null),
  },
  { ids: ['alpine'], ecosystem: (_f, v) => (/^\d+\.\d+/.test(v) ? `Alpine:v${majorMinor(v)}` : null) },
  { ids: ['almalinux'], ecosystem: (_f, v) => (numbered(v) ? `AlmaLinux:${major(v)}` : null) },
  { ids: ['rocky'], ecosystem: (_f, v) => (numbered(v) ? `Rocky Linux:${major(v)}` : null) },
  { ids: ['rhel'], ecosystem: () => 'Red Hat' },
  { ids: ['opensuse-leap'], ecosystem: (_f, v) => (numbered(v) ? `openSUSE:Leap ${v}` : null) },
  { ids: ['opensuse-tumbleweed'], ecosystem: () => 'openSUSE:Tumbleweed' },
  { ids: ['sles'], ecosystem: () => 'SUSE' },
  { ids: ['wolfi'], ecosystem: () => 'Wolfi' },
  { ids: ['chainguard'], ecosystem: () => 'Chainguard' },
];

/** The OSV ecosystem for a parsed os-release, or null when the distribution or its version is not one OSV knows. */
export function osEcosystem(fields: Record<string, string>): string | null {
  const id = (fields.ID ?? '').toLowerCase();
  const rule = ECOSYSTEM_RULES.find((r) => r.ids.includes(id));
  return rule ? rule.ecosystem(fields, fields.VERSION_ID ?? '') : null;
}

export function osInfoFromText(text: string): OsInfo | null {
  const fields = parseOsRelease(text);
  if (!fields.ID) return null;
  return {
    id: fields.ID.toLowerCase(),
    versionId: fields.VERSION_ID ?? '',
    prettyName: fields.PRETTY_NAME ?? fields.NAME ?? fields.ID,
    ecosystem: osEcosystem(fields),
  };
}

/**
 * Reads the root's os-release (`etc/os-release`, then `usr/lib/os-release`), resolving symlinks only inside the
 * root. Returns null when neither exists or parses; never reads outside the root.
 */
export async function detectOs(root: string): Promise<OsInfo | null> {
  for (const candidate of OS_RELEASE_PATHS) {
    const resolved = await resolveInRoot(root, candidate);
    if (resolved === null || resolved === '') continue;
    const text = await readSmallRegularFile(path.join(root, resolved));
    if (text === null) continue;
    const info = osInfoFromText(text);
    if (info) return info;
  }
  return null;
}

async function readSmallRegularFile(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return null;
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_OS_RELEASE_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}
