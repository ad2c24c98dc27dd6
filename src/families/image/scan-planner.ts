import { agentStatus, parseCapabilities } from '../../core/host-facts.js';
import type { Agent, Task } from '../../store/schema.js';
import { IMAGE_LOCAL_SCAN_JOB, IMAGE_SCAN_JOB, SCAN_SCOPE_ALL } from './domain.js';
import type { ImageFilter } from './image-filter.js';
import type { ScanTarget } from './image-store.js';
import { imageLocalScanJobKind } from './job-kinds.js';
import type { ImageServices } from './services.js';
import type { ImageRow } from './tables.js';

/**
 * What a manual scan queues. Local images: one `image-local-scan` job per host (agent) for its named images, or,
 * for "all images", one per agent that offers image scanning, which also discovers new images. Registry images (pulled
 * by the job) and CI/CD images with a stored archive: one `image-scan` server job each; others fail at once.
 */

export const MAX_IMAGES_PER_SCAN = 10_000;

function agentProblem(agent: Agent | undefined, offlineAfterMs: number, now: number): string | null {
  if (!agent) return 'failed_to_match_agent';
  if (agentStatus(agent.last_seen_at, offlineAfterMs, now) === 'offline') return 'failed_to_match_agent';
  if (!imageLocalScanJobKind.capabilityOf(parseCapabilities(agent.capabilities).kinds)) return 'failed_to_match_agent';
  return null;
}

export interface ManualScan {
  projectId: string; scope: ImageFilter['scope']; kind: 'local' | 'registry';
  /** The images named, or null for every image (with `filter` narrowing it). */
  images: ImageRow[] | null;
  filter: ImageFilter;
  scanScope?: number; rateLimit?: number; createdBy: string;
}

export async function launchManualScan(services: ImageServices, scan: ManualScan, now = Date.now()): Promise<Task> {
  const offlineMs = services.core.config.agentOfflineSeconds * 1000;
  const agents = await services.taskReads.agents(scan.projectId, scan.scope);
  const byId = new Map(agents.map((a) => [a.id, a]));
  const images = scan.images ?? await services.reads.byRowIds(await services.reads.rowIds(scan.filter, MAX_IMAGES_PER_SCAN));
  const targets: ScanTarget[] = [];
  if (scan.kind === 'local') {
    const named = new Map<string, string[]>();
    for (const image of images) {
      const agentId = image.agent_id ?? '';
      const problem = agentProblem(byId.get(agentId), offlineMs, now);
      if (!named.has(agentId)) named.set(agentId, []);
      named.get(agentId)!.push(image.image_id);
      targets.push({ imageRow: image.id, agentId, jobKey: agentId, jobKind: IMAGE_LOCAL_SCAN_JOB, payload: {}, ...(problem ? { unavailable: problem } : {}) });
    }
    for (const t of targets) t.payload = scan.images === null ? {} : { image_ids: [...new Set(named.get(t.agentId ?? ''))].slice(0, 500) };
    if (scan.images === null) {
      for (const agent of agents) {
        if (named.has(agent.id) || agentProblem(agent, offlineMs, now)) continue;
        targets.push({ imageRow: '', agentId: agent.id, jobKey: agent.id, jobKind: IMAGE_LOCAL_SCAN_JOB, payload: {}, discovery: true });
      }
    }
  } else {
    for (const image of images) {
      targets.push({
        imageRow: image.id, agentId: null, jobKind: IMAGE_SCAN_JOB, payload: { image_row: image.id },
        ...(image.blob_key || image.registry_image_id !== null ? {} : { unavailable: 'image_not_exist_or_docker_api_fault' }),
      });
    }
  }
  const enterpriseProjectId = scan.scope?.[0] ?? '0';
  const [first] = images;
  return services.images.createScanTask({
    projectId: scan.projectId, enterpriseProjectId, imageType: scan.kind, taskType: 'manual', scanScope: scan.scanScope ?? SCAN_SCOPE_ALL,
    rateLimit: scan.rateLimit ?? 0, isAll: scan.images === null, createdBy: scan.createdBy,
    name: scan.images?.length === 1 && first ? `manual-scan-${first.image_name || first.image_id.slice(7, 19)}` : `manual-scan-${new Date(now).toISOString()}`,
    targets,
  }, now);
}
