/**
 * Advisory import benchmark: records/s of `guardpost vulndb import` (VulndbImportService: a checking pass, then
 * batched writes) of the shipped osv.dev exports AlmaLinux.zip + PyPI.zip into a fresh SQLite store (or a fresh
 * PostgreSQL database with --pg), against, in the same run, a baseline that only reads and validates the same zips
 * (readOsvSource: inflate + JSON + schema, nothing stored). Also times a re-import (every record unchanged).
 * See bench/README.md.
 *
 *   npm run bench:vuln-import -- [--data DIR] [--pg postgres://user:pass@host/postgres] [--json FILE]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readOsvSource } from '../src/engines/vuln/osv-source.js';
import { allMigrations } from '../src/families/server.js';
import { VulndbImportService } from '../src/families/vul-scan/vulndb/import-service.js';
import { migrateToLatest, openStore } from '../src/store/database.js';
import { TaskStore } from '../src/store/task-store.js';
import { runBench } from './support/entry.js';
import { parseFlags } from './support/flags.js';
import { createBenchDatabase } from './support/pg.js';

const USAGE = 'npm run bench:vuln-import -- [--data DIR] [--pg postgres://user:pass@host/postgres] [--json FILE]';
const DEFAULT_DATA = '/work/shared/data/osv';

let temp: string | undefined;
let dropPg: (() => Promise<void>) | undefined;

async function parseOnly(paths: readonly string[]): Promise<{ seconds: number; records: number }> {
  const started = performance.now();
  let records = 0;
  for (const path of paths) {
    for await (const item of readOsvSource(path)) {
      if ('error' in item) throw new Error(`${item.origin}: ${item.error}`);
      records += 1;
    }
  }
  return { seconds: (performance.now() - started) / 1000, records };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), { booleans: [], values: ['--data', '--pg', '--json'] }, USAGE);
  const data = flags.get('--data') ?? DEFAULT_DATA;
  const paths = [join(data, 'AlmaLinux.zip'), join(data, 'PyPI.zip')];
  temp = mkdtempSync(join(tmpdir(), 'gp-bench-vuln-import-'));
  const pgServer = flags.get('--pg');
  const pgDb = pgServer ? await createBenchDatabase(pgServer) : undefined;
  dropPg = pgDb?.drop;
  const store = openStore({ databaseUrl: pgDb?.url, sqlitePath: join(temp, 'guardpost.db') });
  try {
    await migrateToLatest(store, allMigrations);
    const service = new VulndbImportService(store.db, new TaskStore(store.db, store.dialect));
    await parseOnly([paths[1]!]); // warm-up: JIT the reader and the schema check
    const baseline = await parseOnly(paths);
    let started = performance.now();
    const first = await service.importPaths(paths);
    const importSeconds = (performance.now() - started) / 1000;
    if (first.status !== 'ok') throw new Error(`import failed: ${first.error ?? ''}`);
    started = performance.now();
    const again = await service.importPaths(paths);
    const reimportSeconds = (performance.now() - started) / 1000;
    const result = {
      store: store.dialect,
      records: baseline.records,
      added: first.added + first.withdrawn,
      parseRecordsPerSecond: Math.round(baseline.records / baseline.seconds),
      importRecordsPerSecond: Math.round(first.read / importSeconds),
      reimportRecordsPerSecond: Math.round(again.read / reimportSeconds),
      importSeconds: Number(importSeconds.toFixed(2)),
      ratio: Number((importSeconds / baseline.seconds).toFixed(2)),
      reimportRatio: Number((reimportSeconds / baseline.seconds).toFixed(2)),
      reimportUnchanged: again.unchanged,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    const n = (x: number) => x.toLocaleString('en-US');
    console.log(`records (AlmaLinux + PyPI)         ${n(result.records)} (${n(result.added)} distinct ids stored)`);
    console.log(`read + validate only (baseline)    ${n(result.parseRecordsPerSecond)} records/s (${baseline.seconds.toFixed(2)} s)`);
    console.log(`import into ${store.dialect.padEnd(8)}               ${n(result.importRecordsPerSecond)} records/s (${importSeconds.toFixed(2)} s) — ${result.ratio}× the baseline`);
    console.log(`re-import (all unchanged)          ${n(result.reimportRecordsPerSecond)} records/s (${reimportSeconds.toFixed(2)} s) — ${result.reimportRatio}× the baseline`);
    console.log(`peak RSS (this process)            ${result.peakRssMiB} MiB`);
    const json = flags.get('--json');
    if (json) writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    await store.close();
    await cleanup();
  }
}

async function cleanup(): Promise<void> {
  if (temp) rmSync(temp, { recursive: true, force: true });
  temp = undefined;
  const drop = dropPg;
  dropPg = undefined;
  await drop?.();
}

runBench(main, cleanup, () => temp);
