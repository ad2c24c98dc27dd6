import { gnuLicense, LICENSE_ALIASES } from './aliases.js';
import { EXCEPTION_BY_LOWER, isSpdxShaped, LICENSE_BY_LOWER } from './spdx-ids.js';

/** A parsed licence expression. */
export type LicenseNode =
  | { type: 'license'; id: string }
  | { type: 'with'; license: string; exception: string }
  | { type: 'and' | 'or'; children: LicenseNode[] };

/** Longer inputs are licence texts, not expressions. */
export const MAX_EXPRESSION_CHARS = 1024;
const MAX_TOKENS = 256;

const OPERATORS: Readonly<Record<string, 'and' | 'or' | 'with'>> = { and: 'and', '&': 'and', '&&': 'and', or: 'or', '|': 'or', '||': 'or', with: 'with' };

/** `LicenseRef-` + the text with anything outside `[A-Za-z0-9.-]` turned into `-` (SPDX idstring). */
export function licenseRef(text: string): string {
  const id = text.trim().replace(/^LicenseRef-/i, '').replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return `LicenseRef-${id || 'unknown'}`;
}

const normKey = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** One licence name (possibly several words) → a node. */
function resolveTerm(term: string): LicenseNode {
  const key = normKey(term);
  const alias = LICENSE_ALIASES.get(key);
  if (alias) return parseLicenseExpression(alias);
  const gnu = gnuLicense(term);
  if (gnu) return { type: 'license', id: gnu };
  if (/^licenseref-/i.test(key) || /^documentref-/i.test(key)) return { type: 'license', id: term.trim() };
  const plus = key.endsWith('+') ? '+' : '';
  const known = LICENSE_BY_LOWER.get(plus ? key.slice(0, -1) : key);
  if (known) return { type: 'license', id: known + plus };
  if (!/\s/.test(term.trim()) && isSpdxShaped(term.trim().replace(/\+$/, ''))) return { type: 'license', id: term.trim() };
  if (term.includes('/')) {
    const parts = term.split('/').filter((p) => p.trim());
    if (parts.length > 1) return { type: 'or', children: parts.map(resolveTerm) };
  }
  const words = term.trim().split(/\s+/);
  if (words.length > 1) {
    const nodes = words.map(resolveTerm);
    // Alpine's old `MIT BSD GPL2+`: a list when at least two of the words are licences on their own.
    if (nodes.filter((n) => n.type !== 'license' || !n.id.startsWith('LicenseRef-')).length >= 2) return { type: 'and', children: nodes };
  }
  return { type: 'license', id: licenseRef(term) };
}

function resolveException(term: string): string {
  const key = normKey(term).replace(/ /g, '-');
  return EXCEPTION_BY_LOWER.get(key) ?? EXCEPTION_BY_LOWER.get(`${key}-exception`) ?? licenseRef(term);
}

function tokenize(text: string): string[] {
  const tokens = text.match(/\(|\)|,|&&|\|\||[^\s(),]+/g) ?? [];
  if (tokens.length > MAX_TOKENS) throw new Error('too many tokens');
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: string[]) {}

  private peek(): string | undefined {
    return this.tokens[this.pos];
  }

  private op(): 'and' | 'or' | 'with' | undefined {
    const t = this.peek();
    return t === undefined ? undefined : OPERATORS[t.toLowerCase()];
  }

  /** `a or b, and c`: commas (DEP-5) group what precedes them; a bare comma lists (AND). */
  parseList(): LicenseNode {
    let node = this.parseOr();
    while (this.peek() === ',') {
      this.pos++;
      const op = this.op();
      if (op === 'and' || op === 'or') this.pos++;
      node = combine(op === 'or' ? 'or' : 'and', [node, this.parseOr()]);
    }
    return node;
  }

  private parseOr(): LicenseNode {
    const parts = [this.parseAnd()];
    while (this.op() === 'or') {
      this.pos++;
      parts.push(this.parseAnd());
    }
    return combine('or', parts);
  }

  private parseAnd(): LicenseNode {
    const parts = [this.parseWith()];
    while (this.op() === 'and') {
      this.pos++;
      parts.push(this.parseWith());
    }
    return combine('and', parts);
  }

  private parseWith(): LicenseNode {
    const base = this.parsePrimary();
    if (this.op() !== 'with') return base;
    this.pos++;
    const exception = resolveException(this.words());
    if (base.type === 'license') return { type: 'with', license: base.id, exception };
    throw new Error('WITH after a compound expression');
  }

  private parsePrimary(): LicenseNode {
    if (this.peek() === '(') {
      this.pos++;
      const inner = this.parseList();
      if (this.peek() !== ')') throw new Error('unbalanced parenthesis');
      this.pos++;
      return inner;
    }
    return resolveTerm(this.words());
  }

  /** Consecutive words that are not operators or punctuation: one licence name. */
  private words(): string {
    const words: string[] = [];
    for (let t = this.peek(); t !== undefined && t !== '(' && t !== ')' && t !== ',' && !this.op(); t = this.peek()) {
      words.push(t);
      this.pos++;
    }
    if (words.length === 0) throw new Error(`licence name expected at token ${this.pos}`);
    return words.join(' ');
  }

  get done(): boolean {
    return this.pos >= this.tokens.length;
  }
}

/** Flattens nested same-operator nodes and drops duplicate operands. */
function combine(type: 'and' | 'or', parts: LicenseNode[]): LicenseNode {
  const flat = parts.flatMap((p) => (p.type === type ? p.children : [p]));
  const unique = new Map(flat.map((p) => [renderLicense(p), p]));
  const children = [...unique.values()];
  return children.length === 1 ? (children[0] as LicenseNode) : { type, children };
}

/** Parses an SPDX expression (or a common non-SPDX spelling of one); throws on malformed input. */
export function parseLicenseExpression(text: string): LicenseNode {
  const parser = new Parser(tokenize(text));
  const node = parser.parseList();
  if (!parser.done) throw new Error('unexpected token after the expression');
  return node;
}

/** Canonical text: `A AND (B OR C)`, `X WITH Y`. */
export function renderLicense(node: LicenseNode, parent?: 'and' | 'or'): string {
  switch (node.type) {
    case 'license':
      return node.id;
    case 'with':
      return `${node.license} WITH ${node.exception}`;
    default: {
      const text = node.children.map((c) => renderLicense(c, node.type)).join(node.type === 'and' ? ' AND ' : ' OR ');
      return parent && parent !== node.type ? `(${text})` : text;
    }
  }
}

/**
 * Any licence string from package metadata → a normalised SPDX expression: ids in canonical case, deprecated
 * GNU ids as `-only`/`-or-later`, common spellings mapped, unknown names kept as `LicenseRef-…`, malformed
 * expressions as one `LicenseRef-…`. '' for empty input, `UNKNOWN`/`NONE`/`NOASSERTION` and licence texts (over 1024 chars).
 */
export function normalizeLicense(raw: string): string {
  const text = raw.replace(/\s+/g, ' ').trim();
  if (text === '' || text.length > MAX_EXPRESSION_CHARS || /^(?:unknown|none|noassertion|n\/a)$/i.test(text)) return '';
  const whole = LICENSE_ALIASES.get(normKey(text)) ?? gnuLicense(text);
  try {
    return renderLicense(parseLicenseExpression(whole ?? text));
  } catch {
    return licenseRef(text);
  }
}

/** Several licence statements of which the user may pick one (trove classifiers, npm `licenses`) → one OR expression. */
export function anyOfLicenses(raws: readonly string[]): string {
  const parts = [...new Set(raws.map(normalizeLicense).filter((e) => e !== ''))];
  if (parts.length <= 1) return parts[0] ?? '';
  try {
    return renderLicense(combine('or', parts.map((p) => parseLicenseExpression(p))));
  } catch {
    return parts[0] ?? '';
  }
}
