import { defineServerJob } from '../../workers/server-jobs.js';
import { INVENTORY_ARTIFACT } from './domain.js';
import { loadAdvisoriesFor, matchHost, type HostMatch } from './host-matcher.js';
import { failHost, succeedHost } from './host-outcome.js';
import { decodeInventory, MAX_INVENTORY_UPLOAD_BYTES, type StoredInventory } from './inventory-format.js';
import { inventoryEcosystems, readBounded } from './inventory-store.js';
import { matchJobKind } from './job-kinds.js';
import type { PipelineServices } from './services.js';

/**
 * The server half of a host scan (any replica): the agent's uploaded inventory becomes the host's latest, is
 * matched against the advisory store, and the host's findings and scan status are written. An inventory that
 * is missing or not in the format (the agent is not trusted) fails the host with the reason.
 */
/** Imports are stamped by the CLI's clock, matches by a server's: an overlap this wide counts as concurrent. */
export const CLOCK_MARGIN_MS = 5000;
/** An import finishing while a host was matched makes it match again, at most this many times in all. */
export const MAX_MATCH_ATTEMPTS = 3;

export function matchRunner(services: PipelineServices) {
  return defineServerJob(matchJobKind, async (ctx) => {
    const { task_id: taskId, host_id: hostId, agent_id: agentId, inventory_job_id: inventoryJobId } = ctx.payload;
    const host = await services.pipeline.getHost(taskId, hostId);
    if (!host) return { outcome: 'failed', reason: `task ${taskId} has no host ${hostId}` };
    if (host.scan_status !== 'scanning') {
      return { outcome: 'succeeded', result: { packages: 0, linux_findings: 0, app_findings: 0, advisories: 0 } };
    }
    let inventory: StoredInventory;
    try {
      inventory = await readInventory(services, taskId, inventoryJobId);
    } catch (error) {
      const reason = `the host's inventory was not usable: ${(error as Error).message}`;
      await failHost(services.scans, host, reason);
      return { outcome: 'failed', reason };
    }
    ctx.signal.throwIfAborted();
    ctx.reportProgress(20, { phase: 'storing', packages: inventory.packages.length });
    await services.inventories.save(host.project_id, hostId, agentId, inventory);
    ctx.reportProgress(40, { phase: 'matching' });
    const ecosystems = inventoryEcosystems(inventory);
    let match: HostMatch;
    let now: number;
    for (let attempt = 1; ; attempt++) {
      const readAt = Date.now() - CLOCK_MARGIN_MS;
      const before = await services.inventories.importsFinishedSince(readAt, ecosystems);
      match = matchHost(inventory, await loadAdvisoriesFor(services.advisoryCache, [inventory]));
      ctx.signal.throwIfAborted();
      now = Date.now();
      await services.findings.replaceHostFindings(host.project_id, hostId, match.findings, now);
      await services.inventories.markMatched(hostId, now);
      if (attempt >= MAX_MATCH_ATTEMPTS || !(await overtaken(services, readAt, ecosystems, before))) break;
    }
    await succeedHost(services.scans, host, match, now);
    return {
      outcome: 'succeeded',
      result: {
        packages: inventory.packages.length, advisories: match.advisories,
        linux_findings: match.findings.filter((f) => f.type === 'linux_vul').length,
        app_findings: match.findings.filter((f) => f.type === 'app_vul').length,
      },
    };
  });
}

/** Whether an import changing these ecosystems finished after `before` was taken (see `importsFinishedSince`). */
export async function overtaken(services: PipelineServices, readAt: number, ecosystems: ReadonlySet<string>, before: ReadonlySet<string>): Promise<boolean> {
  const after = await services.inventories.importsFinishedSince(readAt, ecosystems);
  return [...after].some((id) => !before.has(id));
}

async function readInventory(services: PipelineServices, taskId: string, jobId: string): Promise<StoredInventory> {
  const artifact = (await services.core.artifacts.ofTasks([taskId])).find((a) => a.job_id === jobId && a.name === INVENTORY_ARTIFACT);
  if (!artifact) throw new Error(`the agent uploaded no ${INVENTORY_ARTIFACT}`);
  if (artifact.size > MAX_INVENTORY_UPLOAD_BYTES) throw new Error(`${INVENTORY_ARTIFACT} is larger than ${MAX_INVENTORY_UPLOAD_BYTES} bytes`);
  const body = await services.core.artifacts.openBlob(artifact);
  if (!body) throw new Error(`the blob of ${INVENTORY_ARTIFACT} is gone`);
  return decodeInventory(await readBounded(body, MAX_INVENTORY_UPLOAD_BYTES));
}
