import { contextBefore, maskSecret, shannonEntropy } from './mask.js';
import type { SecretRule } from './types.js';

/** One accepted match: its rule, 1-based line, the raw secret (only for the stable id) and masked content. */
export interface SecretMatch {
  rule: SecretRule;
  line: number;
  raw: string;
  content: string;
}

export interface TextScanBounds {
  /** Longer lines are only checked up to this many characters. */
  maxLineLength: number;
  /** At most this many matches are returned. */
  maxFindings: number;
}

const COMMENT_LINE = /^\s*(?:#|;|\/\/)/;

const globalRegexes = new WeakMap<SecretRule, RegExp>();

/** The rule's regex with `g` (iterate) and `d` (group offsets, for the unmasked context) added, built once. */
function globalRegex(rule: SecretRule): RegExp {
  let re = globalRegexes.get(rule);
  if (!re) {
    const flags = new Set([...rule.regex.flags, 'g', 'd']);
    re = new RegExp(rule.regex.source, [...flags].join(''));
    globalRegexes.set(rule, re);
  }
  return re;
}

function hasKeyword(rule: SecretRule, lower: string): boolean {
  return rule.keywords.length === 0 || rule.keywords.some((k) => lower.includes(k));
}

/** Turns a regex match into a finding, or null when an entropy / allow-list / validation check rejects it. */
function accept(rule: SecretRule, match: RegExpExecArray): { raw: string; content: string } | null {
  const group = rule.secretGroup ?? 0;
  const raw = match[group];
  const span = match.indices?.[group];
  if (raw === undefined || raw === '' || !span) return null;
  if (rule.minEntropy !== undefined && shannonEntropy(raw) < rule.minEntropy) return null;
  if (rule.allow?.some((re) => re.test(raw))) return null;
  if (rule.contextAllow?.some((re) => re.test(match[0]))) return null;
  if (rule.validate && !rule.validate(raw)) return null;
  const before = match[0].slice(0, span[0] - match.index);
  return { raw, content: `${contextBefore(before)}${maskSecret(raw, rule.mask)}` };
}

/** 0-based offsets at which each line starts, for mapping a whole-text match to its line. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/**
 * Runs `rules` (in order) over `text`: whole-text rules first, then line rules line by line. A value already
 * reported on a line by an earlier rule is not reported again (a sensitive-file rule wins over the generic one).
 */
export function scanText(text: string, rules: readonly SecretRule[], bounds: TextScanBounds): SecretMatch[] {
  const out: SecretMatch[] = [];
  const seen = new Set<string>();
  const reported = new Set<SecretRule>();
  const add = (rule: SecretRule, line: number, found: { raw: string; content: string }): boolean => {
    const key = `${line}\0${found.raw}`;
    if (seen.has(key)) return true;
    seen.add(key);
    out.push({ rule, line, ...found });
    reported.add(rule);
    return out.length < bounds.maxFindings;
  };

  const textRules = rules.filter((r) => r.scope === 'text');
  const lineRules = rules.filter((r) => r.scope !== 'text');
  if (textRules.length > 0) {
    const lower = text.toLowerCase();
    let starts: number[] | null = null;
    for (const rule of textRules) {
      if (!hasKeyword(rule, lower) || (rule.requires && !rule.requires.test(text))) continue;
      const re = globalRegex(rule);
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        if (m[0] === '') re.lastIndex++;
        const found = accept(rule, m);
        if (!found) continue;
        starts ??= lineStarts(text);
        if (!add(rule, lineOf(starts, m.index), found)) return out;
        if (rule.oncePerFile) break;
      }
    }
  }
  if (lineRules.length === 0) return out;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const full = lines[i] ?? '';
    const line = (full.length > bounds.maxLineLength ? full.slice(0, bounds.maxLineLength) : full).replace(/\r$/, '');
    if (line.length === 0) continue;
    const lower = line.toLowerCase();
    for (const rule of lineRules) {
      if ((rule.oncePerFile && reported.has(rule)) || !hasKeyword(rule, lower)) continue;
      if ((rule.skipCommentLines && COMMENT_LINE.test(line)) || (rule.requires && !rule.requires.test(line))) continue;
      const re = globalRegex(rule);
      re.lastIndex = 0;
      for (let m = re.exec(line); m; m = re.exec(line)) {
        if (m[0] === '') re.lastIndex++;
        const found = accept(rule, m);
        if (!found) continue;
        if (!add(rule, i + 1, found)) return out;
        if (rule.oncePerFile) break;
      }
    }
  }
  return out;
}
