import { Option, type Command } from 'commander';
import { HuaweiApiClient, loadClientCredentials } from '../../cli/api-client.js';
import { exitWith } from '../../cli/commands.js';
import { printListing } from '../../cli/output.js';
import { jsonOption } from '../../cli/values.js';
import { findHost, listHosts, vulRows, type VulRow } from './cli-api.js';

/** `guardpost vul list`: the stored findings through the HSS API (ListHostStatus + ListHostVuls), signed with the AK/SK. */

interface ListFlags { host?: string; type?: 'linux_vul' | 'app_vul'; json?: boolean }

const hostNames = (row: VulRow): string => row.hosts.map((h) => (h.status === 'vul_status_unfix' ? h.host_name : `${h.host_name} (${h.status.replace('vul_status_', '')})`)).join(', ');

export function registerVulList(vul: Command): void {
  vul.command('list')
    .description('List the vulnerabilities found on the hosts: one row per vulnerability and package location, the most severe first.\n' +
      'Credentials: $GUARDPOST_HOME/credentials.json, or GUARDPOST_ENDPOINT / GUARDPOST_AK / GUARDPOST_SK / GUARDPOST_PROJECT_ID.')
    .option('--host <host>', 'only this host (host id or exact host name)')
    .addOption(new Option('--type <type>', 'only OS packages (linux_vul) or application packages (app_vul)').choices(['linux_vul', 'app_vul']))
    .addOption(jsonOption())
    .action((flags: ListFlags) => exitWith(async () => {
      const client = new HuaweiApiClient(loadClientCredentials());
      const hosts = flags.host ? [await findHost(client, flags.host)] : await listHosts(client);
      const rows = await vulRows(client, hosts, flags.type ? [flags.type] : ['linux_vul', 'app_vul']);
      printListing({
        json: flags.json, rows, empty: flags.host ? `no vulnerabilities found on ${flags.host}` : `no vulnerabilities found in project ${client.projectId}`,
        columns: [
          { header: 'VUL ID', value: (r) => r.vul_id }, { header: 'SEVERITY', value: (r) => r.severity }, { header: 'PACKAGE', value: (r) => r.package },
          { header: 'VERSION', value: (r) => r.version }, { header: 'FIXED', value: (r) => r.fixed_version }, { header: 'PATH', value: (r) => r.path },
          { header: 'HOSTS', value: hostNames },
        ],
      });
    }));
}
