/**
 * Secrets (the `sensitive-info` report type): a rule set as data (`rules.ts`: id, severity, keyword prefilter,
 * regex, entropy, allow-lists, path filters, masking) and two pure scanners. No I/O: the analyzer passes bytes in.
 *
 * - `scanFileForSecrets(path, bytes, options?)` → rows for one file, `position: 'line:N'` (1-based). Binary files
 *   (a NUL in the first 8 KiB) are skipped; at most 4 MiB, 4096 chars per line and 50 findings per file.
 * - `scanConfigForSecrets(configJson, options?)` → rows for the image config: `config:Env`, `config:Labels`,
 *   `history:N` (0-based index into `history`), `filePath` ''.
 *
 * Rows are `SensitiveRow` without the layer columns. `content` is always masked (`AKIA****YZ`, `password=****`,
 * `https://user:****`), `sensitiveInfoId` is the stable hash of (rule id, file path, position, raw value).
 */
export { scanFileForSecrets, isBinary, FILE_SCAN_DEFAULTS, type FileSecretScanOptions } from './scan-file.js';
export { scanConfigForSecrets, type ConfigSecretScanOptions } from './scan-config.js';
export { SECRET_RULES } from './rules.js';
export { maskSecret, sensitiveInfoId, shannonEntropy } from './mask.js';
export type { SecretFinding, SecretRule } from './types.js';
