import { allHssPages, type HssPage, type HuaweiApiClient } from '../../cli/api-client.js';

/** The HSS calls `guardpost vul list` makes (ListHostStatus, ListHostVuls), and the rows it prints. */

export interface HostRecord { host_id: string; host_name: string }
export interface HostVulApp { app_name: string; app_version: string; upgrade_version: string; app_path: string; ecosystem?: string }
export interface HostVul { vul_id: string; vul_name: string; severity_level: string; type: string; status: string; app_list: HostVulApp[] }

/** One affected package location of a vulnerability, with every host it was found on. */
export interface VulRow {
  vul_id: string; vul_name: string; severity: string; type: string; package: string; version: string; fixed_version: string;
  ecosystem: string; path: string; hosts: Array<{ host_id: string; host_name: string; status: string }>;
}

/** Every enterprise project the credentials may see. */
const SCOPE = 'all_granted_eps';

export function listHosts(client: HuaweiApiClient): Promise<HostRecord[]> {
  return allHssPages((offset, limit) => client.call<HssPage<HostRecord>>('GET', '/v5/{project_id}/host-management/hosts',
    { enterprise_project_id: SCOPE, limit, offset }));
}

export function listHostVuls(client: HuaweiApiClient, hostId: string, type: string): Promise<HostVul[]> {
  return allHssPages((offset, limit) => client.call<HssPage<HostVul>>('GET', `/v5/{project_id}/vulnerability/host/${encodeURIComponent(hostId)}`,
    { enterprise_project_id: SCOPE, type, limit, offset }));
}

/** The host named by id or by exact name. */
export async function findHost(client: HuaweiApiClient, wanted: string): Promise<HostRecord> {
  const hosts = await listHosts(client);
  const byId = hosts.find((h) => h.host_id === wanted);
  if (byId) return byId;
  const byName = hosts.filter((h) => h.host_name === wanted);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new Error(`${byName.length} hosts are named ${wanted}; give the host id (${byName.map((h) => h.host_id).join(', ')})`);
  throw new Error(`no host ${wanted} in project ${client.projectId} (see ListHostStatus)`);
}

const RANK: Record<string, number> = { Critical: 4, High: 3, Medium: 2, Low: 1 };

/** The vulnerabilities of the hosts, one row per vulnerability and package location, the most severe first. */
export async function vulRows(client: HuaweiApiClient, hosts: readonly HostRecord[], types: readonly string[]): Promise<VulRow[]> {
  const rows = new Map<string, VulRow>();
  for (const host of hosts) {
    for (const type of types) {
      for (const vul of await listHostVuls(client, host.host_id, type)) {
        for (const app of vul.app_list) {
          const key = [vul.vul_id, app.ecosystem, app.app_name, app.app_version, app.app_path].join('\u001f');
          const row = rows.get(key) ?? {
            vul_id: vul.vul_id, vul_name: vul.vul_name, severity: vul.severity_level, type: vul.type, package: app.app_name, version: app.app_version,
            fixed_version: app.upgrade_version, ecosystem: app.ecosystem ?? '', path: app.app_path, hosts: [],
          };
          row.hosts.push({ host_id: host.host_id, host_name: host.host_name, status: vul.status });
          rows.set(key, row);
        }
      }
    }
  }
  return [...rows.values()].sort((a, b) => (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0) || a.vul_id.localeCompare(b.vul_id)
    || a.package.localeCompare(b.package) || a.version.localeCompare(b.version) || a.path.localeCompare(b.path));
}
