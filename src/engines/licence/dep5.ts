import { normalizeLicense, parseLicenseExpression, renderLicense, type LicenseNode } from './expression.js';

/** Bounds: bytes of a copyright file read, paragraphs looked at, distinct licences combined. */
const MAX_CHARS = 1024 * 1024;
const MAX_PARAGRAPHS = 10_000;
const MAX_LICENSES = 64;

type Paragraph = Map<string, string>;

/** RFC 822-style paragraphs: `Field: value` lines, continuation lines start with a space or tab. */
function paragraphs(text: string): Paragraph[] {
  const out: Paragraph[] = [];
  let current: Paragraph | null = null;
  let last: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current) out.push(current);
      current = null;
      last = null;
      if (out.length >= MAX_PARAGRAPHS) break;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (current && last) current.set(last, `${current.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    if (line.startsWith('#')) continue;
    const field = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$/.exec(line);
    if (!field) continue;
    current ??= new Map();
    last = (field[1] ?? '').toLowerCase();
    if (!current.has(last)) current.set(last, field[2] ?? '');
    else last = null;
  }
  if (current && out.length < MAX_PARAGRAPHS) out.push(current);
  return out;
}

/** The first line of a `License:` field: its short name(s); the rest is the licence text. */
const synopsis = (value: string | undefined): string => (value ?? '').split('\n')[0]?.trim() ?? '';

export interface Dep5Licence {
  /** The package's licences combined with AND (each `Files:` paragraph's expression once), normalised. */
  expression: string;
  /** The distinct normalised expressions of the `Files:` paragraphs, in file order. */
  licenses: string[];
}

/**
 * A Debian machine-readable copyright file (`/usr/share/doc/<pkg>/copyright`, DEP-5 / copyright-format 1.0) →
 * the package's licence expression; null when the file is not machine-readable or names no licence.
 * Stand-alone `License:` paragraphs (licence texts) are ignored; the header `License:` is used when no
 * `Files:` paragraph has one.
 */
export function parseDep5Copyright(text: string): Dep5Licence | null {
  const paras = paragraphs(text.slice(0, MAX_CHARS));
  const header = paras[0];
  const format = header?.get('format') ?? '';
  if (!/copyright-format|dep-?5/i.test(format)) return null;
  const names = paras.filter((p) => p.has('files') && p.has('license')).map((p) => synopsis(p.get('license')));
  if (names.length === 0 && header?.has('license')) names.push(synopsis(header.get('license')));
  const licenses = [...new Set(names.map(normalizeLicense).filter((e) => e !== ''))].slice(0, MAX_LICENSES);
  if (licenses.length === 0) return null;
  const nodes: LicenseNode[] = licenses.map((e) => parseLicenseExpression(e));
  const expression = nodes.length === 1 ? renderLicense(nodes[0] as LicenseNode) : renderLicense({ type: 'and', children: nodes });
  return { expression: normalizeLicense(expression) || expression, licenses };
}

/** Where dpkg installs a package's copyright file (relative to the image root). */
export const dep5PathFor = (packageName: string): string => `usr/share/doc/${packageName}/copyright`;
