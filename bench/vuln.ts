/**
 * Vulnerability matching benchmark: one host's inventory (2,000 packages: AlmaLinux 9 RPMs and PyPI packages named
 * by the advisories, at versions that are partly affected) matched against the shipped osv.dev exports
 * (AlmaLinux.zip + PyPI.zip) with the engine's index (src/engines/vuln/matcher.ts), and in the same run with a
 * naive scan of every advisory for every package. Both must report the same findings. Then the same inventory
 * through the real store path (SQLite, advisories imported with AdvisoryStore.put, the match job's read → index →
 * match → replace findings), and the re-match job over stored inventories after an import of new advisories.
 * See bench/README.md.
 *
 *   npm run bench:vuln -- [--packages 2000] [--hosts 20] [--naive-hosts 3] [--store-hosts 10] [--rematch-hosts 1000]
 *                         [--rematch-packages 50] [--new-advisories 1000] [--data DIR] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InventoryPackage } from '../src/engines/inventory/types.js';
import { comparatorFor } from '../src/engines/versions/index.js';
import type { VersionComparator } from '../src/engines/versions/types.js';
import { buildAdvisoryIndex, matchInventory, mergeRecords, type ComparatorLookup } from '../src/engines/vuln/matcher.js';
import type { OsvRecord } from '../src/engines/vuln/osv-schema.js';
import { readOsvSource } from '../src/engines/vuln/osv-source.js';
import { advisoryKey, packageKeys, ruleFor } from '../src/engines/vuln/package-keys.js';
import { isAffected } from '../src/engines/vuln/ranges.js';
import { miniRpm, OSV_DATA, pkg } from '../test/engines/vuln/vuln-helpers.js';
import { runBench } from './support/entry.js';
import {
  importRecords, matchThroughStore, newAdvisories, openStoreBench, rematchImport, storeInventories, type StoreBench,
} from './support/vuln-store.js';
import { parseFlags, positiveInt } from './support/flags.js';
import { fmtMs, fmtNum, ratio, Samples } from './support/stats.js';

const USAGE = 'npm run bench:vuln -- [--packages 2000] [--hosts 20] [--naive-hosts 3] [--store-hosts 10] [--rematch-hosts 1000] ' +
  '[--rematch-packages 50] [--new-advisories 1000] [--data DIR] [--json FILE]';

/** Until the real rpm / PEP 440 comparators are registered, rpmvercmp-style segments order both ecosystems. */
const fallback: VersionComparator = { ...miniRpm, name: 'fallback-segments', ecosystems: ['AlmaLinux', 'PyPI'] };
const fallbackUsed = new Set<string>();
const comparators: ComparatorLookup = (ecosystem) => {
  const real = comparatorFor(ecosystem);
  if (real) return real;
  fallbackUsed.add(ecosystem.split(':')[0] ?? ecosystem);
  return fallback;
};

async function loadRecords(dir: string): Promise<{ records: OsvRecord[]; errors: number; seconds: number }> {
  const started = performance.now();
  const records: OsvRecord[] = [];
  let errors = 0;
  for (const file of ['AlmaLinux.zip', 'PyPI.zip']) {
    for await (const item of readOsvSource(join(dir, file))) {
      if ('record' in item) records.push(item.record);
      else errors += 1;
    }
  }
  return { records: mergeRecords(records), errors, seconds: (performance.now() - started) / 1000 };
}

function firstFixed(record: OsvRecord, index: number): string | undefined {
  for (const range of record.affected?.[index]?.ranges ?? []) {
    for (const event of range.events) if ('fixed' in event) return event.fixed;
  }
  return undefined;
}

/** A deterministic inventory: 80 % AlmaLinux:9 RPMs, 20 % PyPI; every third package one step below a fix. */
function syntheticInventory(records: readonly OsvRecord[], size: number): InventoryPackage[] {
  const wanted: Array<[string, number]> = [['AlmaLinux:9', Math.round(size * 0.8)], ['PyPI', size - Math.round(size * 0.8)]];
  const packages: InventoryPackage[] = [];
  for (const [ecosystem, count] of wanted) {
    const seen = new Set<string>();
    for (const record of records) {
      (record.affected ?? []).forEach((affected, i) => {
        if (affected.package.ecosystem !== ecosystem || seen.size >= count || seen.has(affected.package.name)) return;
        const fixed = firstFixed(record, i);
        if (!fixed) return;
        seen.add(affected.package.name);
        const version = seen.size % 3 === 0 ? fixed.replace(/\d+$/, (d) => (Number(d) > 0 ? String(Number(d) - 1) : '0a0')) : fixed;
        packages.push(pkg(ecosystem, affected.package.name, version));
      });
    }
    for (let i = seen.size; i < count; i += 1) packages.push(pkg(ecosystem, `bench-unlisted-${i}`, '1.0-1'));
  }
  return packages;
}

/**
 * The baseline: every package against every affected entry of every advisory (keys computed once, outside the
 * timing, so the scan itself is what is measured), ranges sorted on each use.
 */
function naiveMatcher(records: readonly OsvRecord[]): (packages: readonly InventoryPackage[]) => number {
  const entries = records.flatMap((record) => (record.affected ?? []).map((affected) => ({
    id: record.id, affected, key: advisoryKey(affected.package.ecosystem, affected.package.name),
  })));
  return (packages) => {
    let findings = 0;
    for (const p of packages) {
      const keys = packageKeys(p);
      const version = ruleFor(p.ecosystem).advisoryVersion(p);
      const hits = new Set<string>();
      for (const entry of entries) {
        if (!keys.includes(entry.key) || hits.has(entry.id)) continue;
        const comparator = comparators(entry.affected.package.ecosystem);
        if (comparator !== undefined && isAffected(version, entry.affected, comparator)) hits.add(entry.id);
      }
      findings += hits.size;
    }
    return findings;
  };
}

function timeRuns(runs: number, body: () => number): { samples: Samples; findings: number } {
  const samples = new Samples();
  let findings = 0;
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    findings = body();
    samples.add(performance.now() - started);
  }
  return { samples, findings };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), { booleans: [], values: ['--packages', '--hosts', '--naive-hosts', '--store-hosts', '--rematch-hosts', '--rematch-packages', '--new-advisories', '--data', '--json'] }, USAGE);
  const size = positiveInt('--packages', flags.get('--packages') ?? '2000');
  const hosts = positiveInt('--hosts', flags.get('--hosts') ?? '20');
  const naiveHosts = positiveInt('--naive-hosts', flags.get('--naive-hosts') ?? '3');
  if (size > 100_000 || hosts > 10_000 || naiveHosts > 100) throw new Error(`at most 100,000 packages, 10,000 hosts, 100 naive hosts\n${USAGE}`);
  const storeHosts = positiveInt('--store-hosts', flags.get('--store-hosts') ?? '10');
  const rematchHosts = positiveInt('--rematch-hosts', flags.get('--rematch-hosts') ?? '1000');
  const rematchPackages = positiveInt('--rematch-packages', flags.get('--rematch-packages') ?? '50');
  const newCount = positiveInt('--new-advisories', flags.get('--new-advisories') ?? '1000');
  if (storeHosts > 1000 || rematchHosts > 100_000 || newCount > 100_000) throw new Error(`at most 1,000 store hosts, 100,000 re-match hosts and new advisories\n${USAGE}`);

  const loaded = await loadRecords(flags.get('--data') ?? OSV_DATA);
  const inventory = syntheticInventory(loaded.records, size);
  const indexStarted = performance.now();
  const index = buildAdvisoryIndex(loaded.records, comparators);
  const indexMs = performance.now() - indexStarted;

  matchInventory(inventory, index, comparators); // warm-up
  const indexed = timeRuns(hosts, () => matchInventory(inventory, index, comparators).findings.length);
  const naiveMatch = naiveMatcher(loaded.records);
  const naive = timeRuns(naiveHosts, () => naiveMatch(inventory));
  const fast = indexed.samples.summary();
  const slow = naive.samples.summary();
  const same = indexed.findings === naive.findings;

  console.log(`advisories                 ${loaded.records.length.toLocaleString('en-US')} current (AlmaLinux.zip + PyPI.zip, ${loaded.errors} read errors), loaded in ${loaded.seconds.toFixed(2)} s`);
  console.log(`inventory                  ${inventory.length.toLocaleString('en-US')} packages (AlmaLinux:9 + PyPI)`);
  console.log(`comparators                ${fallbackUsed.size > 0 ? `fallback segment compare for ${[...fallbackUsed].sort().join(', ')} (no registered comparator yet)` : 'registered (src/engines/versions)'}`);
  console.log(`index build (once)         ${fmtMs(indexMs)}`);
  console.log(`indexed match per host     p50 ${fmtMs(fast.p50)}, max ${fmtMs(fast.max)} over ${hosts} hosts — goal < 100 ms: ${fast.p50 < 100 ? 'met' : 'MISSED'}`);
  console.log(`naive scan per host        p50 ${fmtMs(slow.p50)}, max ${fmtMs(slow.max)} over ${naiveHosts} hosts`);
  console.log(`ratio naive / indexed      ${ratio(slow.p50, fast.p50)} (p50)`);
  console.log(`findings per host          ${indexed.findings} indexed, ${naive.findings} naive${same ? '' : ' — MISMATCH'}`);

  bench = await openStoreBench();
  const imported = await importRecords(bench, loaded.records, 'bench-import-1');
  const viaStore = await matchThroughStore(bench, inventory, storeHosts);
  const stored = viaStore.samples.summary();
  console.log(`store import (SQLite)      ${fmtNum(loaded.records.length / imported.seconds)} records/s with AdvisoryStore.put`);
  console.log(`store-path match per host  p50 ${fmtMs(stored.p50)}, max ${fmtMs(stored.max)} over ${storeHosts} hosts (read by key, index, match, replace ${viaStore.findings} findings) — goal < 100 ms: ${stored.p50 < 100 ? 'met' : 'MISSED'}`);
  console.log(`  of which findings write  p50 ${fmtMs(viaStore.writes.summary().p50)} (diff against the host's stored findings, SQLite)`);
  console.log(`ratio naive / store path   ${ratio(slow.p50, stored.p50)} (p50)`);
  await storeInventories(bench, inventory, rematchHosts, Math.min(rematchPackages, inventory.length));
  const initial = await rematchImport(bench, 'bench-import-1', imported.changed); // the fleet's first match, as its scans left it
  console.log(`first match of the fleet   ${fmtNum(initial.hosts)} stored inventories in ${initial.seconds.toFixed(2)} s (${fmtNum(initial.findings)} findings inserted)`);
  const fresh = newAdvisories(inventory, newCount);
  const second = await importRecords(bench, fresh, 'bench-import-2');
  const rematched = await rematchImport(bench, 'bench-import-2', second.changed);
  console.log(`re-match after import      ${fmtNum(rematched.hosts)} hosts (${rematchPackages} packages each) after ${fmtNum(newCount)} new advisories in ${rematched.seconds.toFixed(2)} s: ${fmtNum(rematched.hosts / rematched.seconds)} hosts/s, ${fmtNum(rematched.findings)} findings`);
  const json = flags.get('--json');
  if (json) {
    writeFileSync(json, `${JSON.stringify({ advisories: loaded.records.length, packages: inventory.length, indexMs, indexed: fast, naive: slow,
      findings: { indexed: indexed.findings, naive: naive.findings }, fallback: [...fallbackUsed],
      store: { importRecordsPerSecond: loaded.records.length / imported.seconds, match: stored, writes: viaStore.writes.summary(), findings: viaStore.findings },
      firstFleetMatch: { hosts: initial.hosts, seconds: initial.seconds, findings: initial.findings },
      rematch: { hosts: rematched.hosts, seconds: rematched.seconds, hostsPerSecond: rematched.hosts / rematched.seconds, findings: rematched.findings } }, null, 2)}\n`);
  }
  return same && fast.p50 < 100 && stored.p50 < 100 ? 0 : 1;
}

let bench: StoreBench | undefined;
runBench(async () => {
  try {
    return await main();
  } finally {
    await bench?.close();
  }
}, async () => { await bench?.close(); }, () => bench?.dir);
