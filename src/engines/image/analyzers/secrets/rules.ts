import { ASSIGNMENT_RULES, SENSITIVE_FILE_RULES } from './rules-files.js';
import { KEY_RULES } from './rules-keys.js';
import { TOKEN_RULES } from './rules-tokens.js';
import type { SecretRule } from './types.js';

/**
 * The secret rule set, in the order rules are applied: sensitive files by name first (so a file's row
 * carries the file rule, not the generic one), then keys, cloud credentials and tokens,
 * then the generic credential assignments.
 */
export const SECRET_RULES: readonly SecretRule[] = [...SENSITIVE_FILE_RULES, ...KEY_RULES, ...TOKEN_RULES, ...ASSIGNMENT_RULES];

const ids = new Set<string>();
for (const rule of SECRET_RULES) {
  if (ids.has(rule.id)) throw new Error(`secret rule ${rule.id} is defined twice`);
  ids.add(rule.id);
}
