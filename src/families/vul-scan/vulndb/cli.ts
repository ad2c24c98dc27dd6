import path from 'node:path';
import type { Command } from 'commander';
import { EXIT_FAILURE, exitWith, type CliCommand } from '../../../cli/commands.js';
import { formatTime, printJson, printListing } from '../../../cli/output.js';
import { ProgressReporter } from '../../../cli/progress.js';
import { jsonOption } from '../../../cli/values.js';
import { summaryLine, type ImportSummary } from './import-summary.js';

/**
 * `guardpost vulndb …`: the advisory store, opened directly (like `guardpost admin`). Exit codes of `import`:
 * 0 imported; 1 nothing stored (a source is unreadable, corrupt, hostile or empty); 2 usage; 3 imported, but
 * some records were invalid and skipped (listed on stderr).
 */

export const EXIT_INVALID_RECORDS = 3;

interface JsonFlag { json?: boolean }

function exitCode(summary: ImportSummary): number {
  if (summary.status === 'failed') return EXIT_FAILURE;
  return summary.invalid > 0 ? EXIT_INVALID_RECORDS : 0;
}

function progressLabel(phase: string, origin: string, done: number, total: number): string {
  return `${phase} ${path.basename(origin)}: ${done}${total > 0 ? ` / ${total}` : ''} record(s)`;
}

async function importPaths(paths: string[], flags: JsonFlag): Promise<number> {
  const { withVulndb } = await import('./session.js');
  const progress = new ProgressReporter(process.stderr);
  const summary = await withVulndb((service) => service.importPaths(paths.map((p) => path.resolve(p)), {
    progress: (phase, origin, done, total) => progress.update({
      fraction: total > 0 ? done / total : undefined, label: progressLabel(phase, origin, done, total),
    }),
  }));
  for (const example of summary.invalid_examples) process.stderr.write(`guardpost: invalid record ${example.origin}: ${example.reason}\n`);
  if (summary.invalid > summary.invalid_examples.length) {
    process.stderr.write(`guardpost: … and ${summary.invalid - summary.invalid_examples.length} more invalid record(s)\n`);
  }
  if (summary.status === 'failed') process.stderr.write(`guardpost: vulndb import failed: ${summary.error ?? 'unknown error'}\n`);
  progress.done(summaryLine(summary));
  if (flags.json) printJson(summary);
  return exitCode(summary);
}

async function stats(flags: JsonFlag): Promise<number> {
  const { withVulndb } = await import('./session.js');
  const { ecosystems, last } = await withVulndb(async (service) => ({
    ecosystems: await service.imports.ecosystemStats(), last: await service.imports.latest(),
  }));
  printListing({
    json: flags.json, rows: ecosystems, empty: 'the advisory store is empty: run "guardpost vulndb import PATH"',
    jsonValue: { ecosystems, last_import: last ?? null },
    columns: [
      { header: 'ECOSYSTEM', value: (e) => e.ecosystem }, { header: 'ADVISORIES', value: (e) => e.advisories },
      { header: 'WITHDRAWN', value: (e) => e.withdrawn }, { header: 'PACKAGES', value: (e) => e.packages },
      { header: 'LAST IMPORT', value: (e) => formatTime(e.last_imported_at) },
    ],
  });
  if (!flags.json && last) {
    process.stdout.write(`last import ${last.id}: started ${formatTime(last.started_at)}, ${last.finished_at === null ? 'not finished' : `finished ${formatTime(last.finished_at)}`}\n`);
  }
  return 0;
}

export const vulndbCli: CliCommand = {
  name: 'vulndb',
  summary: 'the OSV advisory store: import osv.dev exports, show counts',
  register(program: Command) {
    const vulndb = program.command('vulndb').description('The OSV advisory store vulnerability scans match against (opened directly, like "admin").');
    vulndb.command('import')
      .description('Import OSV advisories from each PATH: an osv.dev <Ecosystem>/all.zip, a directory of .json files and zips, or one .json file.\n' +
        'All sources are checked first: if any is unreadable, corrupt, hostile (path traversal, zip bomb) or empty, nothing is stored (exit 1).\n' +
        'A record replaces the stored one only when its "modified" is newer; invalid records are reported and skipped (exit 3).\n' +
        'When advisories changed, one re-match of the stored host inventories is queued for the server.')
      .argument('<path...>', 'zip, directory or .json file')
      .addOption(jsonOption())
      .action((paths: string[], flags: JsonFlag) => exitWith(() => importPaths(paths, flags)));
    vulndb.command('stats')
      .description('Advisories, withdrawn advisories and package names per ecosystem, and the last import.')
      .addOption(jsonOption())
      .action((flags: JsonFlag) => exitWith(() => stats(flags)));
  },
};
