/** The clamd.conf Guardpost generates for its private clamd: unix socket only, foreground, bounded. */

export interface ClamdLimits {
  /** Files larger than this are not scanned by the walk and not sent to clamd (bytes). */
  maxFileSize: number;
  /** Most data clamd extracts and scans from one file, archives included (bytes). */
  maxScanSize: number;
  /** Nesting depth of archives clamd descends into. */
  maxRecursion: number;
  /** Most files clamd extracts from one archive. */
  maxFiles: number;
  /** Scanning threads inside clamd. */
  maxThreads: number;
}

export const DEFAULT_LIMITS: ClamdLimits = {
  maxFileSize: 100 * 1024 * 1024,
  maxScanSize: 400 * 1024 * 1024,
  maxRecursion: 16,
  maxFiles: 10_000,
  maxThreads: 4,
};

export interface ClamdConfigInput {
  socketPath: string;
  databaseDir: string;
  tempDir: string;
  limits: ClamdLimits;
}

function safePath(p: string): string {
  if (!p.startsWith('/') || /[\s\0]/.test(p)) throw new Error(`clamd config path must be absolute without whitespace: ${JSON.stringify(p)}`);
  return p;
}

function positive(name: string, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`clamd limit ${name} must be a positive integer, got ${n}`);
  return n;
}

export function buildClamdConfig(input: ClamdConfigInput): string {
  const l = input.limits;
  // INSTREAM refuses streams over StreamMaxLength; the walk never sends a file over maxFileSize.
  // FollowFileSymlinks: the only paths Guardpost sends are /proc/<pid>/fd/<n> links to files it holds open
  // (descriptor scans); clamd must follow them. It never walks directories for Guardpost.
  const lines = [
    'Foreground yes',
    'FollowFileSymlinks yes',
    `LocalSocket ${safePath(input.socketPath)}`,
    'LocalSocketMode 600',
    'FixStaleSocket yes',
    `DatabaseDirectory ${safePath(input.databaseDir)}`,
    `TemporaryDirectory ${safePath(input.tempDir)}`,
    `MaxFileSize ${positive('maxFileSize', l.maxFileSize)}`,
    `StreamMaxLength ${positive('maxFileSize', l.maxFileSize)}`,
    `MaxScanSize ${positive('maxScanSize', l.maxScanSize)}`,
    `MaxRecursion ${positive('maxRecursion', l.maxRecursion)}`,
    `MaxFiles ${positive('maxFiles', l.maxFiles)}`,
    `MaxThreads ${positive('maxThreads', l.maxThreads)}`,
    `MaxConnectionQueueLength ${Math.max(15, l.maxThreads * 4)}`,
    'ReadTimeout 120',
    'CommandReadTimeout 30',
    'LogTime no',
    'LogClean no',
  ];
  return `${lines.join('\n')}\n`;
}
