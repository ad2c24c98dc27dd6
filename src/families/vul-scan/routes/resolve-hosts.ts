import { ApiError, invalidParameter, resourceNotFound } from '../../../server/errors.js';
import type { Agent } from '../../../store/schema.js';
import { SUPPORTED_VUL_TYPES, type VulType } from '../domain.js';
import type { ScanReads } from '../scan-reads.js';
import { MAX_HOSTS_PER_SCAN } from '../task-services.js';

/** Which hosts a CreateVulnerabilityScanTask / ShowVulScanTaskEstimatedTime request names, with its errors. */

/** HSS.1001 "the selected server has no agent": nothing to scan. */
export const noHosts = (message: string) => new ApiError(400, 'HSS.1001', message);

const MAX_NAMED = 20;

export function namedList(ids: readonly string[]): string {
  const shown = ids.slice(0, MAX_NAMED).join(', ');
  return ids.length > MAX_NAMED ? `${shown} and ${ids.length - MAX_NAMED} more` : shown;
}

/** The requested vulnerability types without repeats, in request order (default: the types Guardpost scans). */
export function requestedTypes(types: readonly VulType[] | undefined): VulType[] {
  return types && types.length > 0 ? [...new Set(types)] : [...SUPPORTED_VUL_TYPES];
}

/**
 * `range_type` absent or '' means `specific_host` when agent ids are given and `all_host` otherwise. A list with
 * `all_host` is refused rather than ignored (scanning every host when the caller named some would surprise).
 * Unknown ids (never enrolled, revoked, another project, outside the enterprise-project scope) are a 400 that
 * names them; a project without hosts is a 400 HSS.1001, and nothing is stored in either case.
 */
export async function resolveAgents(reads: ScanReads, request: {
  projectId: string; scope: readonly string[] | null; rangeType: string | undefined; agentIds: readonly string[] | undefined; field: string;
}): Promise<Agent[]> {
  const { projectId, scope, field } = request;
  const ids = request.agentIds ?? [];
  const rangeType = request.rangeType || (request.agentIds ? 'specific_host' : 'all_host');
  if (rangeType === 'all_host') {
    if (ids.length > 0) throw invalidParameter('hss', `${field} is only valid with range_type=specific_host (range_type=all_host scans every host)`);
    const agents = await reads.allAgents(projectId, scope, MAX_HOSTS_PER_SCAN + 1);
    if (agents.length > MAX_HOSTS_PER_SCAN) {
      throw invalidParameter('hss', `the project has more than ${MAX_HOSTS_PER_SCAN} hosts; scan them in batches with range_type=specific_host`);
    }
    if (agents.length === 0) throw noHosts('there is no host with a Guardpost agent in this project (or in the requested enterprise project); enroll an agent first');
    return agents;
  }
  if (ids.length === 0) throw invalidParameter('hss', `range_type=specific_host needs ${field} (the agent IDs of the hosts to scan)`);
  const unique = [...new Set(ids)];
  const agents = await reads.agentsBy('id', projectId, scope, unique);
  const found = new Set(agents.map((a) => a.id));
  const unknown = unique.filter((id) => !found.has(id));
  if (unknown.length > 0) {
    throw resourceNotFound('hss', `unknown agent id(s) in ${field}: ${namedList(unknown)} (not enrolled in this project, revoked, or outside the enterprise project)`);
  }
  const order = new Map(unique.map((id, i) => [id, i]));
  return agents.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}
