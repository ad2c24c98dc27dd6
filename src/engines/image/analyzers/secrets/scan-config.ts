import { scanText } from './engine.js';
import { sensitiveInfoId } from './mask.js';
import { SECRET_RULES } from './rules.js';
import type { SecretFinding, SecretRule } from './types.js';

export interface ConfigSecretScanOptions {
  rules?: readonly SecretRule[];
  /** At most this many findings for the whole config (default 200). */
  maxFindings?: number;
}

/** Each config string is checked up to this many characters (history entries can hold long heredocs). */
const MAX_VALUE_CHARS = 64 * 1024;
const MAX_LINE_CHARS = 8 * 1024;
const DEFAULT_MAX_FINDINGS = 200;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The texts of the config that may carry secrets, with their `position`. */
function configTexts(configJson: unknown): Array<{ position: string; text: string }> {
  if (!isRecord(configJson)) return [];
  const out: Array<{ position: string; text: string }> = [];
  const runtime = isRecord(configJson.config) ? configJson.config : {};
  if (Array.isArray(runtime.Env)) {
    for (const env of runtime.Env) if (typeof env === 'string') out.push({ position: 'config:Env', text: env });
  }
  if (isRecord(runtime.Labels)) {
    for (const [key, value] of Object.entries(runtime.Labels)) if (typeof value === 'string') out.push({ position: 'config:Labels', text: `${key}=${value}` });
  }
  if (Array.isArray(configJson.history)) {
    configJson.history.forEach((entry: unknown, i) => {
      if (isRecord(entry) && typeof entry.created_by === 'string') out.push({ position: `history:${i}`, text: entry.created_by });
    });
  }
  return out;
}

/**
 * Secrets in the image config: each `Env` entry (`config:Env`), each label as `key=value` (`config:Labels`) and
 * each history `created_by` (`history:N`, 0-based). `filePath` is ''. A value found twice at one position is
 * reported once.
 */
export function scanConfigForSecrets(configJson: unknown, options: ConfigSecretScanOptions = {}): SecretFinding[] {
  const rules = (options.rules ?? SECRET_RULES).filter((r) => r.target !== 'files' && !r.paths);
  const maxFindings = options.maxFindings ?? DEFAULT_MAX_FINDINGS;
  const out: SecretFinding[] = [];
  const seen = new Set<string>();
  for (const { position, text } of configTexts(configJson)) {
    const matches = scanText(text.slice(0, MAX_VALUE_CHARS), rules, { maxLineLength: MAX_LINE_CHARS, maxFindings: maxFindings - out.length });
    for (const m of matches) {
      const key = `${position}\0${m.raw}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        sensitiveInfoId: sensitiveInfoId(m.rule.id, '', position, m.raw),
        ruleId: m.rule.id,
        severity: m.rule.severity,
        name: m.rule.name,
        description: m.rule.description,
        filePath: '',
        position,
        content: m.content,
      });
      if (out.length >= maxFindings) return out;
    }
  }
  return out;
}
