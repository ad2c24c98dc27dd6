import { InvalidArgumentError, type Command } from 'commander';
import { allHssPages, HuaweiApiClient, loadClientCredentials, type HssPage } from '../../cli/api-client.js';
import { exitWith } from '../../cli/commands.js';
import { printJson, printListing } from '../../cli/output.js';
import { ProgressReporter } from '../../cli/progress.js';
import { jsonOption, positiveInteger } from '../../cli/values.js';
import { VUL_TYPES } from './domain.js';

/**
 * `guardpost vul scan`: CreateVulnerabilityScanTask through the HTTP API (AK/SK-signed like the SDKs), and with
 * `--wait` a progress bar of hosts done / total until the task finishes, then one line per host.
 * Exit codes: 0 created (with --wait: every host succeeded), 1 the call failed or (with --wait) a host failed
 * or the wait timed out, 2 usage.
 */

interface ScanFlags { hosts?: string[]; types?: string[]; wait?: boolean; json?: boolean; maxMinutes: number }
interface HostRecord { host_id: string; agent_id: string; host_name: string }
interface TaskRecord { id: string; status: string; scanning_host_num: number; success_host_num: number; failed_host_num: number }
interface TaskHostRecord {
  host_id: string; host_name: string; scan_status: string; failed_reasons: Array<{ vul_type: string; failed_reason: string }>;
}

const POLL_MS = 1000;

function commaList(value: string): string[] {
  const items = value.split(',').map((v) => v.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('must name at least one value');
  return [...new Set(items)];
}

function vulTypes(value: string): string[] {
  const types = commaList(value);
  const bad = types.filter((t) => !(VUL_TYPES as readonly string[]).includes(t));
  if (bad.length > 0) throw new InvalidArgumentError(`unknown type ${bad.join(', ')} (one of ${VUL_TYPES.join(', ')})`);
  return types;
}


/** Agent ids of the named hosts: each name is a host id, an agent id or a host name of the project. */
async function agentIdsOf(api: HuaweiApiClient, names: readonly string[]): Promise<string[]> {
  const hosts = await allHssPages((offset, limit) => api.call<HssPage<HostRecord>>('GET', '/v5/{project_id}/host-management/hosts',
    { limit, offset }), 200, 200);
  const unknown: string[] = [];
  const ids = names.map((name) => {
    const host = hosts.find((h) => h.host_id === name || h.agent_id === name) ?? hosts.find((h) => h.host_name === name);
    if (!host) unknown.push(name);
    return host?.agent_id ?? '';
  });
  if (unknown.length > 0) throw new Error(`no such host in project ${api.projectId}: ${unknown.join(', ')} (see "guardpost admin agents list")`);
  return [...new Set(ids)];
}

const taskHosts = (api: HuaweiApiClient, taskId: string) => allHssPages((offset, limit) =>
  api.call<HssPage<TaskHostRecord>>('GET', `/v5/{project_id}/vulnerability/scan-task/${encodeURIComponent(taskId)}/hosts`, { limit, offset }), 200, 200);

async function findTask(api: HuaweiApiClient, taskId: string): Promise<TaskRecord> {
  const res = await api.call<{ data_list: TaskRecord[] }>('GET', '/v5/{project_id}/vulnerability/scan-tasks', { task_id: taskId, limit: 10, offset: 0 });
  const task = res.data_list.find((t) => t.id === taskId);
  if (!task) throw new Error(`task ${taskId} is not listed any more`);
  return task;
}

const reasonsOf = (host: TaskHostRecord) => host.failed_reasons.map((r) => `${r.vul_type}: ${r.failed_reason}`).join('; ');

async function waitForScan(api: HuaweiApiClient, taskId: string, flags: ScanFlags): Promise<number> {
  const progress = new ProgressReporter(process.stderr);
  const deadline = Date.now() + flags.maxMinutes * 60_000;
  let task = await findTask(api, taskId);
  for (;;) {
    const total = task.scanning_host_num + task.success_host_num + task.failed_host_num;
    const done = task.success_host_num + task.failed_host_num;
    const label = `${done}/${total} hosts done${task.failed_host_num > 0 ? ` (${task.failed_host_num} failed)` : ''}`;
    if (task.status === 'finished') {
      progress.done(label);
      break;
    }
    progress.update({ fraction: total === 0 ? undefined : done / total, label });
    if (Date.now() > deadline) {
      progress.done(`${label}; still running after ${flags.maxMinutes} minute(s)`);
      process.stderr.write(`guardpost: task ${taskId} has not finished; follow it with the HSS API (ListVulScanTask)\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
    task = await findTask(api, taskId);
  }
  const hosts = await taskHosts(api, taskId);
  printListing({
    json: flags.json, rows: hosts, empty: 'the task has no hosts', jsonValue: { task_id: taskId, task, hosts },
    columns: [
      { header: 'HOST', value: (h) => h.host_name }, { header: 'HOST ID', value: (h) => h.host_id },
      { header: 'STATUS', value: (h) => h.scan_status }, { header: 'REASONS', value: reasonsOf },
    ],
  });
  return hosts.every((h) => h.scan_status === 'success') ? 0 : 1;
}

async function scan(flags: ScanFlags): Promise<number> {
  const api = new HuaweiApiClient(loadClientCredentials());
  const agentIds = flags.hosts ? await agentIdsOf(api, flags.hosts) : undefined;
  const created = await api.call<{ task_id: string }>('POST', '/v5/{project_id}/vulnerability/scan-task', {}, {
    manual_scan_type: flags.types ?? ['linux_vul', 'app_vul'], batch_flag: false,
    range_type: agentIds ? 'specific_host' : 'all_host', ...(agentIds ? { agent_id_list: agentIds } : {}),
  });
  if (!flags.wait) {
    if (flags.json) printJson(created);
    else process.stdout.write(`${created.task_id}\n`);
    return 0;
  }
  if (!flags.json) process.stderr.write(`task ${created.task_id}\n`);
  return waitForScan(api, created.task_id, flags);
}

export function registerScan(vul: Command): void {
  vul.command('scan')
    .description('Start a vulnerability scan task (HSS CreateVulnerabilityScanTask); prints its task id.')
    .option('--hosts <hosts>', 'comma-separated host names, host ids or agent ids (default: every host of the project)', commaList)
    .option('--types <types>', `comma-separated vulnerability types (${VUL_TYPES.join(', ')}); default linux_vul,app_vul`, vulTypes)
    .option('--wait', 'wait until the task finishes: a progress bar of hosts done on stderr, then one line per host')
    .option('--max-minutes <n>', 'with --wait: give up waiting after this many minutes', positiveInteger, 60)
    .addOption(jsonOption())
    .addHelpText('after', '\nExit code: 0 ok (with --wait: every host succeeded), 1 the call failed, a host failed or the wait timed out, 2 usage.')
    .action((flags: ScanFlags) => exitWith(() => scan(flags)));
}
