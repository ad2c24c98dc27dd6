import { scanText } from '../secrets/engine.js';
import { maskSecret } from '../secrets/mask.js';
import { SECRET_RULES } from '../secrets/rules.js';
import { isSecretAssignment } from './rules-config.js';
import type { BuildStep } from './types.js';

const MAX_INSTRUCTION_CHARS = 4096;
const CONFIG_SECRET_RULES = SECRET_RULES.filter((r) => r.target !== 'files' && !r.paths);

/**
 * The step's `created_by` as reported in `build_instruction`: credential-named ENV/ARG values and every value
 * the secret rules recognise (tokens, keys, URL passwords) masked; at most 4096 characters.
 */
export function maskedInstruction(step: Pick<BuildStep, 'createdBy' | 'assignments'>): string {
  const text = step.createdBy.slice(0, MAX_INSTRUCTION_CHARS * 4);
  const secrets = new Map<string, string>();
  for (const a of step.assignments) if (isSecretAssignment(a.name, a.value)) secrets.set(a.value, maskSecret(a.value, 'full'));
  for (const m of scanText(text, CONFIG_SECRET_RULES, { maxLineLength: text.length, maxFindings: 100 })) {
    if (!secrets.has(m.raw)) secrets.set(m.raw, maskSecret(m.raw, m.rule.mask));
  }
  let out = text;
  for (const raw of [...secrets.keys()].sort((a, b) => b.length - a.length)) out = out.split(raw).join(secrets.get(raw) ?? '****');
  return out.length > MAX_INSTRUCTION_CHARS ? `${out.slice(0, MAX_INSTRUCTION_CHARS - 1)}…` : out;
}
