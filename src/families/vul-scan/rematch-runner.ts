import { defineServerJob } from '../../workers/server-jobs.js';
import { loadAdvisoriesFor, matchHost } from './host-matcher.js';
import type { StoredInventory } from './inventory-format.js';
import { inventoryEcosystems, type InventoryRef } from './inventory-store.js';
import { CLOCK_MARGIN_MS, MAX_MATCH_ATTEMPTS, overtaken } from './match-runner.js';
import { rematchJobKind } from './job-kinds.js';
import type { PipelineServices } from './services.js';

/**
 * After an import: every stored inventory with packages of an ecosystem the import changed is matched again
 * and its findings replaced, so new advisories appear and withdrawn or replaced ones disappear without a
 * rescan. Hosts go in batches in host-id order; each batch's advisories are read and indexed once for all
 * its hosts. Every step is a replacement, so a re-claimed job simply does the work again.
 */

export const REMATCH_BATCH = 100;

export function rematchRunner(services: PipelineServices) {
  return defineServerJob(rematchJobKind, async (ctx) => {
    const ecosystems = await services.inventories.changedEcosystems(ctx.payload.import_id);
    if (ecosystems === null) return { outcome: 'failed', reason: `no advisory import ${ctx.payload.import_id}` };
    const total = await services.inventories.countWithEcosystems(ecosystems);
    let hosts = 0;
    let findings = 0;
    let failedHosts = 0;
    let after = '';
    for (;;) {
      ctx.signal.throwIfAborted();
      const batch = await services.inventories.hostsWithEcosystems(ecosystems, after, REMATCH_BATCH);
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.host_id;
      const loaded: Array<{ ref: InventoryRef; inventory: StoredInventory }> = [];
      for (const ref of batch) {
        try {
          const inventory = await services.inventories.load(ref);
          if (inventory) loaded.push({ ref, inventory });
          else failedHosts += 1;
        } catch {
          failedHosts += 1;
        }
      }
      const batchEcosystems = new Set(loaded.flatMap((l) => [...inventoryEcosystems(l.inventory)]));
      for (let attempt = 1; ; attempt++) {
        // Another import committing meanwhile (its own re-match may already have run) means this batch read older
        // advisories than the store now holds: match it again rather than leave older results behind.
        const readAt = Date.now() - CLOCK_MARGIN_MS;
        const before = await services.inventories.importsFinishedSince(readAt, batchEcosystems);
        before.add(ctx.payload.import_id);
        const prepared = await loadAdvisoriesFor(services.advisoryCache, loaded.map((l) => l.inventory));
        let batchFindings = 0;
        for (const { ref, inventory } of loaded) {
          ctx.signal.throwIfAborted();
          const match = matchHost(inventory, prepared);
          const now = Date.now();
          await services.findings.replaceHostFindings(ref.project_id, ref.host_id, match.findings, now);
          await services.inventories.markMatched(ref.host_id, now);
          batchFindings += match.findings.length;
        }
        const again = attempt < MAX_MATCH_ATTEMPTS && await overtaken(services, readAt, batchEcosystems, before);
        if (!again) {
          findings += batchFindings;
          break;
        }
      }
      hosts += batch.length;
      ctx.reportProgress(total > 0 ? (hosts / total) * 100 : 99, { hosts, total });
    }
    return { outcome: 'succeeded', result: { hosts: hosts - failedHosts, findings, failed_hosts: failedHosts } };
  });
}
