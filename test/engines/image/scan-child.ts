/**
 * Runs scanImage in its own process for the memory tests (not a test file itself): argv = archive, options JSON.
 * Prints one JSON line: row counts, problems (or the failure code), and the process's own peak RSS (VmHWM).
 */
import { readFileSync } from 'node:fs';
import { ImageReadError } from '../../../src/engines/image/errors.js';
import { scanImage, type ImageScanOptions } from '../../../src/engines/image/scan/scan-image.js';

async function main(): Promise<void> {
  const [archive, options] = process.argv.slice(2);
  let outcome: Record<string, unknown>;
  try {
    const report = await scanImage(archive as string, JSON.parse(options ?? '{}') as ImageScanOptions);
    outcome = { apps: report.rows.apps.map((a) => `${a.appName} ${a.appVersion}`), files: report.rows.files.length, problems: report.problems, bytes: report.stats.bytes };
  } catch (err) {
    outcome = err instanceof ImageReadError ? { code: err.code, message: err.message } : { crash: err instanceof Error ? err.stack : String(err) };
  }
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  process.stdout.write(`${JSON.stringify({ ...outcome, maxRssKb: match ? Number(match[1]) : -1 })}\n`);
}

await main();
