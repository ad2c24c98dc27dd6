import type { LayerColumns, RiskLevel, SensitiveRow } from '../../report.js';

/** A sensitive-info row without the layer columns (the analyzer wrapper adds those). */
export type SecretFinding = Omit<SensitiveRow, keyof LayerColumns>;

/** Where a rule is applied: inside files, to the image config (Env, Labels, history), or both. */
export type SecretRuleTarget = 'files' | 'config' | 'both';

/**
 * One secret rule, as data. A rule only runs on a line (scope `line`) or a whole file (scope `text`) whose
 * lowercased text contains one of its `keywords` (an empty list: always); then `regex` is run (the scanner
 * adds the `g` flag). The secret value is capture group `secretGroup` (0 = the whole match); the text matched
 * before it is kept as unmasked context in `content` (e.g. `password=`, `https://user:`).
 */
export interface SecretRule {
  id: string;
  name: string;
  description: string;
  severity: RiskLevel;
  /** Lowercase substrings; at least one must be present for the regex to run. Empty: always run. */
  keywords: readonly string[];
  regex: RegExp;
  secretGroup?: number;
  /** `line` (default): per line; `text`: over the whole (bounded) file, for multi-line secrets. */
  scope?: 'line' | 'text';
  target?: SecretRuleTarget;
  /** Minimum Shannon entropy (bits per character) of the secret value. */
  minEntropy?: number;
  /** The secret value matching any of these is not a finding (placeholders, documented examples). */
  allow?: readonly RegExp[];
  /** The whole match matching any of these is not a finding (e.g. an AWS key name for a Huawei rule). */
  contextAllow?: readonly RegExp[];
  /** Only files whose `/`-prefixed path matches one of these (sensitive files by name). */
  paths?: readonly RegExp[];
  /** Files whose path matches one of these are skipped. */
  pathAllow?: readonly RegExp[];
  /** Lines starting with `#`, `;` or `//` are skipped (sample configs comment out their examples). */
  skipCommentLines?: boolean;
  /** Another regex that must also match the same line / file text (e.g. `client_email` next to `private_key`). */
  requires?: RegExp;
  /** A final check on the secret value (e.g. a JWT header that decodes to JSON). */
  validate?: (secret: string) => boolean;
  /** `edges` (default): first 4 + `****` + last 2 for values ≥ 12 chars, else `****`; `full`: always `****`. */
  mask?: 'edges' | 'full';
  /** Report the first match per file only (sensitive files: one row per file). */
  oncePerFile?: boolean;
}
