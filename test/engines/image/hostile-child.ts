/**
 * Reads one image in its own process for the hostile-archive tests (not a test file itself): argv = archive,
 * limits JSON. Prints one JSON line: the failure code (or ok), and the process's peak RSS.
 */
import { readFileSync } from 'node:fs';
import { ImageReadError } from '../../../src/engines/image/errors.js';
import { openImage } from '../../../src/engines/image/image.js';
import { collectImageInventory } from '../../../src/engines/image/inventory.js';

async function main(): Promise<void> {
  const [archive, limits] = process.argv.slice(2);
  let outcome: Record<string, unknown>;
  try {
    const image = await openImage(archive as string, { limits: JSON.parse(limits ?? '{}') as Record<string, number> });
    const result = await collectImageInventory(image);
    outcome = { ok: true, packages: result.packages.length };
  } catch (err) {
    outcome = err instanceof ImageReadError ? { code: err.code, message: err.message } : { crash: err instanceof Error ? err.stack : String(err) };
  }
  process.stdout.write(`${JSON.stringify({ ...outcome, maxRssKb: peakRssKb() })}\n`);
}

/**
 * This process's own peak RSS: VmHWM belongs to the address space made by exec, whereas getrusage's ru_maxrss
 * survives exec and would include the parent's RSS at fork time (the test process holds the bombs it wrote).
 */
function peakRssKb(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : process.resourceUsage().maxRSS;
}

await main();
