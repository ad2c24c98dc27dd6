import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.js';
import { loadConfig } from '../../src/config.js';
import type { InventoryPackage } from '../../src/engines/inventory/types.js';
import type { OsvRecord } from '../../src/engines/vuln/osv-schema.js';
import { loadAdvisoriesFor, matchHost } from '../../src/families/vul-scan/host-matcher.js';
import type { StoredInventory } from '../../src/families/vul-scan/inventory-format.js';
import { rematchRunner } from '../../src/families/vul-scan/rematch-runner.js';
import { pipelineServices, type PipelineServices } from '../../src/families/vul-scan/services.js';
import type { VulScanTables } from '../../src/families/vul-scan/tables.js';
import { allMigrations, jobKinds } from '../../src/families/server.js';
import { ArtifactStore } from '../../src/store/artifact-store.js';
import { migrateToLatest, openStore, type Store } from '../../src/store/database.js';
import type { Job } from '../../src/store/schema.js';
import { TaskStore } from '../../src/store/task-store.js';
import { Samples } from './stats.js';

/**
 * The scan pipeline's store path (SQLite in a temp dir): advisories imported with AdvisoryStore.put, an inventory
 * stored as a host's latest, matched the way the `vul-match` job does (advisories read by package key, indexed,
 * matched, findings replaced); and the `vul-rematch` job over many stored inventories after an import.
 */

export interface StoreBench {
  store: Store;
  services: PipelineServices;
  dir: string;
  close(): Promise<void>;
}

export async function openStoreBench(): Promise<StoreBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-vuln-'));
  const store = openStore({ databaseUrl: undefined, sqlitePath: path.join(dir, 'guardpost.db') });
  await migrateToLatest(store, allMigrations);
  const blobs = new FsBlobStore(path.join(dir, 'blobs'));
  const tasks = new TaskStore(store.db, store.dialect, jobKinds);
  const services = pipelineServices({ tasks, artifacts: new ArtifactStore(store.db, blobs), config: loadConfig({ GUARDPOST_HOME: dir }), store, blobs });
  return { store, services, dir, async close() { await store.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** AdvisoryStore.put in batches; returns records/s. */
export async function importRecords(bench: StoreBench, records: readonly OsvRecord[], importId: string): Promise<{ seconds: number; changed: string[] }> {
  const started = performance.now();
  const changed = new Set<string>();
  for (let i = 0; i < records.length; i += 500) {
    for (const e of (await bench.services.advisories.put(records.slice(i, i + 500), importId)).changedEcosystems) changed.add(e);
  }
  return { seconds: (performance.now() - started) / 1000, changed: [...changed].sort() };
}

export function storedInventory(packages: readonly InventoryPackage[]): StoredInventory {
  return {
    format: 1, host_root: '/', collected_at: Date.now(), scan_types: ['linux_vul', 'app_vul'],
    os: { id: 'almalinux', versionId: '9.3', prettyName: 'AlmaLinux 9.3', ecosystem: 'AlmaLinux:9' },
    packages: packages.map((p) => ({ ...p })), extractors: [],
    stats: { entries: packages.length, bytesRead: 0, skippedLarge: 0, unreadable: 0, truncated: false, durationMs: 0 },
  };
}

/** One host through the match job's path, `runs` times: ms per host and findings. */
export async function matchThroughStore(bench: StoreBench, packages: readonly InventoryPackage[], runs: number): Promise<{ samples: Samples; writes: Samples; findings: number }> {
  const { services } = bench;
  const projectId = 'bench-project';
  const inventory = storedInventory(packages);
  await services.inventories.save(projectId, 'bench-host', 'bench-agent', inventory);
  const samples = new Samples();
  const writes = new Samples();
  let findings = 0;
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const stored = await services.inventories.load({ blob_key: `vul-scan/inventories/${projectId}/bench-host.json.gz` });
    const match = matchHost(stored!, await loadAdvisoriesFor(services.advisoryCache, [stored!]));
    const writing = performance.now();
    await services.findings.replaceHostFindings(projectId, 'bench-host', match.findings);
    if (i > 0) { // the first run warms the caches and inserts every finding
      samples.add(performance.now() - started);
      writes.add(performance.now() - writing);
    }
    findings = match.findings.length;
  }
  return { samples, writes, findings };
}

/** Stores `hosts` inventories of `perHost` packages each (a sliding window over `packages`), as a scan would leave them. */
export async function storeInventories(bench: StoreBench, packages: readonly InventoryPackage[], hosts: number, perHost: number): Promise<void> {
  for (let h = 0; h < hosts; h++) {
    const start = (h * 37) % Math.max(1, packages.length - perHost);
    await bench.services.inventories.save('bench-fleet', `fleet-${String(h).padStart(5, '0')}`, `agent-${h}`, storedInventory(packages.slice(start, start + perHost)));
  }
}

/** `count` new advisories naming packages of the inventory (fixed one version above what is installed, so each hits). */
export function newAdvisories(packages: readonly InventoryPackage[], count: number): OsvRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const p = packages[(i * 7) % packages.length]!;
    return {
      id: `BENCH-${String(i).padStart(5, '0')}`, modified: '2030-01-01T00:00:00Z', summary: `bench advisory ${i}`,
      affected: [{ package: { ecosystem: p.ecosystem, name: p.name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `${p.version}.1` }] }] }],
    };
  });
}

/** Runs the real `vul-rematch` job for an import; returns hosts/s and what it reported. */
export async function rematchImport(bench: StoreBench, importId: string, changed: readonly string[]): Promise<{ seconds: number; hosts: number; findings: number }> {
  const db = bench.store.db.withTables<VulScanTables>();
  await db.insertInto('vul_imports').values({
    id: importId, started_at: Date.now(), finished_at: Date.now(), sources: '[]', summary: null, changed_ecosystems: JSON.stringify(changed), rematch_task_id: null,
  }).onConflict((oc) => oc.column('id').doNothing()).execute();
  const runner = rematchRunner(bench.services);
  const started = performance.now();
  const outcome = await runner.run({
    job: { id: 'bench-rematch' } as Job, payload: { import_id: importId }, signal: new AbortController().signal, reportProgress: () => undefined,
  });
  const seconds = (performance.now() - started) / 1000;
  if (outcome.outcome !== 'succeeded') throw new Error(`re-match failed: ${outcome.reason}`);
  const result = outcome.result as { hosts: number; findings: number };
  return { seconds, hosts: result.hosts, findings: result.findings };
}
