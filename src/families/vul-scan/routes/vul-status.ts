import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { invalidParameter, resourceNotFound } from '../../../server/errors.js';
import type { WorkNotifier } from '../../../server/work-notifier.js';
import type { EnterpriseScope } from '../../../store/scope.js';
import type { Agent } from '../../../store/schema.js';
import type { SupportedVulType } from '../domain.js';
import type { FindingsReads, Pair } from '../findings-reads.js';
import type { ScanStore } from '../scan-store.js';
import { scanTargets } from '../targets.js';
import type { VulStatusStore } from '../vul-status-store.js';
import { typesFor } from './vul-filters.js';
import { ChangeVulStatusBody, EmptyResponse, ScopeQuery } from './vul-schemas.js';
import { NOT_PATCHING } from './vul-views.js';

/**
 * HSS ChangeVulStatus over (host, vulnerability) pairs: `ignore` / `not_ignore` set and clear the ignored mark,
 * `verify` starts a manual scan of the hosts concerned (one per enterprise project) and marks the pairs verifying.
 * The repair operations and the whitelist are refused. Every pair is checked before anything is written.
 *
 * Selection: `data_list` (per vulnerability, its hosts) and `host_data_list` (per host, its vulnerabilities) name
 * pairs exactly; `select_type=all_vul` takes every vulnerability of `type` (default linux_vul), on the hosts the
 * lists name if they name any, else on every host in scope; `select_type=all_host` takes every host having the
 * vulnerabilities the lists name (every vulnerability of `type` when they name none).
 */

type Body = Static<typeof ChangeVulStatusBody>;

/** At most this many (host, vulnerability) pairs in one request. */
export const MAX_PAIRS = 10_000;
const SHOWN = 20;

const keyOf = (p: { host_id: string; vul_id: string }) => `${p.host_id}\u001f${p.vul_id}`;
const listed = (items: readonly string[]) => `${items.slice(0, SHOWN).join(', ')}${items.length > SHOWN ? ` and ${items.length - SHOWN} more` : ''}`;

function namedPairs(body: Body): Array<{ host_id: string; vul_id: string }> {
  const out = new Map<string, { host_id: string; vul_id: string }>();
  for (const item of body.data_list ?? []) for (const host of item.host_id_list) out.set(keyOf({ host_id: host, vul_id: item.vul_id }), { host_id: host, vul_id: item.vul_id });
  for (const item of body.host_data_list ?? []) for (const vul of item.vul_id_list) out.set(keyOf({ host_id: item.host_id, vul_id: vul }), { host_id: item.host_id, vul_id: vul });
  return [...out.values()];
}

export interface VulStatusServices {
  reads: FindingsReads; statuses: VulStatusStore; scans: ScanStore; notifier: WorkNotifier; offlineAfterMs: number;
}

export const vulStatusRoutes = ({ reads, statuses, scans, notifier, offlineAfterMs }: VulStatusServices): FastifyPluginAsyncTypebox => async (app) => {
  async function knownHosts(projectId: string, scope: EnterpriseScope, hostIds: readonly string[]): Promise<Map<string, Agent>> {
    const hosts = await reads.hosts(projectId, scope, hostIds);
    const unknown = hostIds.filter((h) => !hosts.has(h));
    if (unknown.length > 0) throw resourceNotFound('hss', `these hosts do not exist in this project: ${listed(unknown)}`);
    return hosts;
  }

  /** The pairs the request selects, every one of them stored (else a 400 naming what is not). */
  async function selectedPairs(projectId: string, scope: EnterpriseScope, body: Body): Promise<Pair[]> {
    const named = namedPairs(body);
    if (named.length > MAX_PAIRS) throw invalidParameter('hss', `at most ${MAX_PAIRS} host/vulnerability pairs per request (got ${named.length})`);
    const hostIds = [...new Set(named.map((p) => p.host_id))];
    const vulIds = [...new Set(named.map((p) => p.vul_id))];
    await knownHosts(projectId, scope, hostIds);
    if (body.select_type) {
      const filter = {
        projectId, scope, types: typesFor(body.type ?? 'linux_vul'),
        ...(body.select_type === 'all_vul' && hostIds.length > 0 ? { hostIds } : {}),
        ...(body.select_type === 'all_host' && vulIds.length > 0 ? { vulIds } : {}),
      };
      const pairs = await reads.pairs(filter, MAX_PAIRS + 1);
      if (pairs.length > MAX_PAIRS) throw invalidParameter('hss', `the selection names more than ${MAX_PAIRS} host/vulnerability pairs; narrow it`);
      return pairs;
    }
    if (named.length === 0) throw invalidParameter('hss', 'name the vulnerabilities in data_list or host_data_list, or give select_type (all_vul or all_host)');
    const found = new Map((await reads.pairs({ projectId, scope, hostIds, vulIds }, hostIds.length * vulIds.length)).map((p) => [keyOf(p), p]));
    const missing = named.filter((p) => !found.has(keyOf(p)));
    if (missing.length > 0) {
      throw resourceNotFound('hss', `these vulnerabilities were not found on these hosts: ${listed(missing.map((p) => `${p.vul_id} on ${p.host_id}`))}`);
    }
    return named.map((p) => found.get(keyOf(p)) as Pair);
  }

  /** One manual scan per enterprise project of the hosts concerned, then the pairs read as verifying while it runs. */
  async function verify(projectId: string, scope: EnterpriseScope, pairs: readonly Pair[], remark: string, user: string): Promise<void> {
    const ignored = pairs.filter((p) => p.status === 'vul_status_ignored');
    if (ignored.length > 0) {
      throw invalidParameter('hss', `these vulnerabilities are ignored; use not_ignore before verify: ${listed(ignored.map((p) => `${p.vul_id} on ${p.host_id}`))}`);
    }
    const hosts = await knownHosts(projectId, scope, [...new Set(pairs.map((p) => p.host_id))]);
    const now = Date.now();
    const vulTypes = [...new Set(pairs.map((p) => p.type as SupportedVulType))].sort();
    const byEnterprise = new Map<string, Agent[]>();
    for (const agent of hosts.values()) byEnterprise.set(agent.enterprise_project_id, [...(byEnterprise.get(agent.enterprise_project_id) ?? []), agent]);
    for (const [enterpriseProjectId, agents] of byEnterprise) {
      await scans.createScan({
        projectId, enterpriseProjectId, scanType: 'manual', vulTypes, targets: scanTargets(agents, offlineAfterMs, now), createdBy: user,
      }, now);
    }
    await statuses.set(projectId, pairs, 'vul_status_verified', remark, user, now);
    for (const agent of hosts.values()) notifier.notify(agent.id);
  }

  app.put('/v5/:project_id/vulnerability/status', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ChangeVulStatus', tags: ['hss'],
      summary: 'HSS ChangeVulStatus: ignore / not_ignore, or verify (rescan the hosts); Guardpost does not repair',
      params: ProjectParams, querystring: ScopeQuery, body: ChangeVulStatusBody, response: { 200: EmptyResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const body = request.body;
    if (body.operate_type === 'immediate_repair' || body.operate_type === 'manual_repair') throw invalidParameter('hss', `${body.operate_type}: ${NOT_PATCHING}`);
    if (body.operate_type === 'add_to_whitelist') throw invalidParameter('hss', 'add_to_whitelist: Guardpost has no vulnerability whitelist yet; use ignore per host');
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const pairs = await selectedPairs(projectId, scope, body);
    if (pairs.length === 0) return {};
    const remark = body.remark ?? '';
    const user = request.principal?.userId ?? 'unknown';
    if (body.operate_type === 'ignore') await statuses.set(projectId, pairs, 'vul_status_ignored', remark, user);
    else if (body.operate_type === 'not_ignore') await statuses.unignore(projectId, pairs);
    else await verify(projectId, scope, pairs, remark, user);
    return {};
  });
};
