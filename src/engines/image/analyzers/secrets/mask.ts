import { createHash } from 'node:crypto';

/** Values shorter than this are masked entirely. */
const EDGE_MASK_MIN_LENGTH = 12;
const MAX_CONTEXT_CHARS = 64;

/** `AKIA****YZ` for long values, `****` for short ones or with `full`; never the secret itself. */
export function maskSecret(value: string, mode: 'edges' | 'full' = 'edges'): string {
  if (mode === 'full' || value.length < EDGE_MASK_MIN_LENGTH) return '****';
  return `${value.slice(0, 4)}****${value.slice(-2)}`;
}

/** The unmasked text before the secret (a key name, `scheme://user:`), one line, bounded. */
export function contextBefore(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trimStart();
  return oneLine.length > MAX_CONTEXT_CHARS ? `…${oneLine.slice(-MAX_CONTEXT_CHARS)}` : oneLine;
}

/** Shannon entropy of the characters of `value`, in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** The stable `sensitive_info_id`: hex sha256 of (rule id, file path, position, raw value), 32 chars. */
export function sensitiveInfoId(ruleId: string, filePath: string, position: string, raw: string): string {
  return createHash('sha256').update([ruleId, filePath, position, raw].join('\0')).digest('hex').slice(0, 32);
}
