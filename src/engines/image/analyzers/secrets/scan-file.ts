import { scanText } from './engine.js';
import { sensitiveInfoId } from './mask.js';
import { SECRET_RULES } from './rules.js';
import type { SecretFinding, SecretRule } from './types.js';

export interface FileSecretScanOptions {
  rules?: readonly SecretRule[];
  /** Only this many bytes of a file are scanned (default 4 MiB). */
  maxBytes?: number;
  /** Longer lines are checked up to this many characters (default 4096). */
  maxLineLength?: number;
  /** At most this many findings per file (default 50). */
  maxFindings?: number;
}

export const FILE_SCAN_DEFAULTS = { maxBytes: 4 * 1024 * 1024, maxLineLength: 4096, maxFindings: 50 } as const;

/** A NUL byte in the first 8 KiB marks a binary file (git's heuristic); binaries are not scanned. */
const BINARY_SNIFF_BYTES = 8 * 1024;

export function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

function appliesToFile(rule: SecretRule, filePath: string): boolean {
  if (rule.target === 'config') return false;
  if (rule.paths && !rule.paths.some((re) => re.test(filePath))) return false;
  return !rule.pathAllow?.some((re) => re.test(filePath));
}

/** Secrets in one file of the image: rows with `position: 'line:N'` (1-based) and masked content. */
export function scanFileForSecrets(path: string, bytes: Uint8Array, options: FileSecretScanOptions = {}): SecretFinding[] {
  if (isBinary(bytes)) return [];
  const filePath = path.startsWith('/') ? path : `/${path}`;
  const rules = (options.rules ?? SECRET_RULES).filter((r) => appliesToFile(r, filePath));
  if (rules.length === 0) return [];
  const maxBytes = options.maxBytes ?? FILE_SCAN_DEFAULTS.maxBytes;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, maxBytes)).toString('utf8');
  const matches = scanText(text, rules, {
    maxLineLength: options.maxLineLength ?? FILE_SCAN_DEFAULTS.maxLineLength,
    maxFindings: options.maxFindings ?? FILE_SCAN_DEFAULTS.maxFindings,
  });
  return matches.map((m) => {
    const position = `line:${m.line}`;
    return {
      sensitiveInfoId: sensitiveInfoId(m.rule.id, filePath, position, m.raw),
      ruleId: m.rule.id,
      severity: m.rule.severity,
      name: m.rule.name,
      description: m.rule.description,
      filePath,
      position,
      content: m.content,
    };
  });
}
