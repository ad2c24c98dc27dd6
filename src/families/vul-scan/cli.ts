import path from 'node:path';
import type { Command } from 'commander';
import { exitWith, type CliCommand } from '../../cli/commands.js';
import { printJson, printListing } from '../../cli/output.js';
import { jsonOption, positiveInteger } from '../../cli/values.js';
import type { InventoryResult } from '../../engines/inventory/types.js';
import { registerVulList } from './cli-list.js';
import { registerScan } from './cli-scan.js';

/** `guardpost vul …`: vulnerability-scan verbs. `inventory` runs the extractors over a directory, on its own. */

interface InventoryFlags { root: string; json?: boolean; maxEntries?: number; maxSeconds?: number; skip?: string }

function summary(result: InventoryResult): string {
  const s = result.stats;
  const problems = result.extractors.reduce((n, e) => n + e.errors.length, 0);
  return [
    `${result.packages.length} package(s)`, `os ${result.os?.ecosystem ?? result.os?.prettyName ?? 'not recognised'}`,
    `${s.entries} entries`, `${s.bytesRead} bytes read`, `${(s.durationMs / 1000).toFixed(1)} s`,
    ...(s.skippedLarge > 0 ? [`${s.skippedLarge} too large`] : []), ...(s.unreadable > 0 ? [`${s.unreadable} unreadable`] : []),
    ...(problems > 0 ? [`${problems} file(s) could not be parsed`] : []), ...(s.truncated ? [`TRUNCATED (${s.truncatedReason ?? 'limit'})`] : []),
  ].join(', ');
}

async function inventory(flags: InventoryFlags): Promise<number> {
  const { collectInventory } = await import('../../engines/inventory/walk.js');
  const result = await collectInventory(path.resolve(flags.root), {
    limits: {
      ...(flags.maxEntries ? { maxEntries: flags.maxEntries } : {}),
      ...(flags.maxSeconds ? { maxMs: flags.maxSeconds * 1000 } : {}),
      ...(flags.skip ? { skipDirs: flags.skip.split(',').map((d) => d.trim().replace(/^\/+|\/+$/g, '')).filter(Boolean) } : {}),
    },
  });
  if (flags.json) {
    printJson(result);
    return 0;
  }
  printListing({
    json: false, rows: result.packages, empty: `no packages found under ${flags.root}`,
    columns: [
      { header: 'NAME', value: (p) => p.name }, { header: 'VERSION', value: (p) => p.version },
      { header: 'ECOSYSTEM', value: (p) => p.ecosystem }, { header: 'SOURCE', value: (p) => p.sourceName },
      { header: 'LOCATION', value: (p) => p.location },
    ],
  });
  for (const extractor of result.extractors) {
    for (const error of extractor.errors.slice(0, 20)) process.stderr.write(`guardpost: ${extractor.name}: ${error.path}: ${error.message}\n`);
  }
  process.stderr.write(`${summary(result)}\n`);
  return 0;
}

export const vulCli: CliCommand = {
  name: 'vul',
  summary: 'vulnerability scans: inventory (what the extractors find under a directory)',
  register(program: Command) {
    const vul = program.command('vul').description('Vulnerability scan verbs.');
    vul.command('inventory')
      .description('List the OS and application packages the inventory extractors find under DIR (like osv-scanner or syft).\n' +
        'Symlinks are never followed; the walk is bounded in entries, bytes, depth and time.')
      .requiredOption('--root <dir>', 'the directory to scan (a host root, an unpacked image, a project tree)')
      .option('--max-entries <n>', 'directory entries to visit at most (default 2,000,000)', positiveInteger)
      .option('--max-seconds <s>', 'wall time at most (default 600)', positiveInteger)
      .option('--skip <dirs>', 'comma-separated directories (relative to the root) to skip, besides proc, sys, dev, run, tmp, var/cache')
      .addOption(jsonOption())
      .action((flags: InventoryFlags) => exitWith(() => inventory(flags)));
    registerVulList(vul);
    registerScan(vul);
  },
};
