import { parseLicenseExpression, normalizeLicense, type LicenseNode } from './expression.js';

/**
 * A predicate over licence ids built from a deny list. Entries are normalised like package licences; an entry
 * written without `-only`/`-or-later` (e.g. `AGPL-3.0`) denies both variants, and `X+` is treated as `X`.
 */
export function deniedLicenseMatcher(denied: readonly string[]): (id: string) => boolean {
  const ids = new Set<string>();
  for (const entry of denied) {
    const normalized = normalizeLicense(entry);
    if (!normalized) continue;
    ids.add(normalized.toLowerCase());
    if (!/-only$|-or-later$|\+$/i.test(entry.trim()) && normalized.endsWith('-only')) ids.add(normalized.replace(/-only$/, '-or-later').toLowerCase());
  }
  return (id) => ids.has(id.toLowerCase()) || ids.has(id.replace(/\+$/, '').toLowerCase());
}

/**
 * True when the expression cannot be satisfied without a denied licence: every OR alternative contains one
 * (an AND needs all its operands, so one denied operand denies it; `X WITH exception` is denied when X is).
 */
export function isExpressionDenied(node: LicenseNode, denied: (id: string) => boolean): boolean {
  switch (node.type) {
    case 'license':
      return denied(node.id);
    case 'with':
      return denied(node.license);
    case 'and':
      return node.children.some((c) => isExpressionDenied(c, denied));
    case 'or':
      return node.children.every((c) => isExpressionDenied(c, denied));
  }
}

/** `isExpressionDenied` on an already normalised expression string ('' or unparsable: not denied). */
export function isLicenseDenied(expression: string, denied: (id: string) => boolean): boolean {
  if (!expression) return false;
  try {
    return isExpressionDenied(parseLicenseExpression(expression), denied);
  } catch {
    return false;
  }
}
