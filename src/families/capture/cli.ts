import { InvalidArgumentError, Option, type Command } from 'commander';
import { HuaweiApiClient, loadClientCredentials } from '../../cli/api-client.js';
import { downloadUrl, findTask, isActive, listFirewalls, listTasks, pickFirewall, statusName, type TaskRecord } from './cli-api.js';
import { exitWith, type CliCommand } from '../../cli/commands.js';
import { downloadToFile } from '../../cli/download.js';
import { printListing } from '../../cli/output.js';
import { ProgressReporter } from '../../cli/progress.js';
import { jsonOption, positiveInteger } from '../../cli/values.js';

/** `guardpost capture …`: the CFW capture API from a terminal, signed with the project's AK/SK. */

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmp6: 58, icmpv6: 58, any: -1 };
const POLL_MS = 1000;
/** How long `--wait` waits past the capture's own duration (queueing, upload) before giving up. */
const WAIT_SLACK_MS = 10 * 60_000;

const client = () => new HuaweiApiClient(loadClientCredentials());
const fwOption = () => new Option('--fw <fw_instance_id>', "the firewall (sensor); default: the project's first one");

interface CreateFlags {
  fw?: string; name: string; src: string; dst: string; proto: number; sport: string; dport: string;
  duration: number; maxPackets: number; wait?: boolean;
}

function protocolNumber(value: string): number {
  const n = PROTOCOLS[value.toLowerCase()] ?? Number(value);
  if (!Number.isInteger(n) || n < -1 || n > 255) throw new InvalidArgumentError('must be tcp, udp, icmp, icmp6, any or a protocol number');
  return n;
}

const progressLabel = (task: TaskRecord): string =>
  `${task.progress}% ${task.packets === null ? '' : `${task.packets} packet${task.packets === 1 ? '' : 's'} `}${statusName(task.status)}`;

/** Polls the task until it ends (or `maxWaitMs` passed); progress on stderr. Exit code 1 when it ended abnormally. */
async function waitForTask(api: HuaweiApiClient, fw: string, taskId: string, maxWaitMs: number): Promise<number> {
  const progress = new ProgressReporter(process.stderr);
  for (const deadline = Date.now() + maxWaitMs; ;) {
    if (Date.now() > deadline) throw new Error(`task ${taskId} still runs after ${Math.round(maxWaitMs / 60_000)} minutes; see "guardpost capture list"`);
    await new Promise((r) => setTimeout(r, POLL_MS));
    const task = await findTask(api, fw, taskId);
    if (!task) throw new Error('the task disappeared (deleted?)');
    if (isActive(task.status)) {
      progress.update({ fraction: task.progress / 100, label: progressLabel(task) });
      continue;
    }
    const reason = `${task.stop_reason ?? ''}${task.stop_detail ? `: ${task.stop_detail}` : ''}`;
    progress.done(`${progressLabel(task)}${reason ? ` (${reason})` : ''}`);
    return task.status === 0 ? 1 : 0;
  }
}

function registerCreate(capture: Command): void {
  capture.command('create').description('start a capture task; prints its task id')
    .addOption(fwOption())
    .requiredOption('--name <name>', 'task name (unique among the firewall\'s tasks)')
    .requiredOption('--src <address>', 'source: one IP or a CIDR; 0.0.0.0/0 or ::/0 for any')
    .requiredOption('--dst <address>', 'destination: one IP or a CIDR')
    .addOption(new Option('--proto <protocol>', 'tcp, udp, icmp, icmp6, any or a protocol number').argParser(protocolNumber).default(-1, 'any'))
    .option('--sport <ports>', 'source port: 80 or 1000-2000 (TCP/UDP only)', '')
    .option('--dport <ports>', 'destination port: 80 or 1000-2000 (TCP/UDP only)', '')
    .option('--duration <minutes>', 'how long to capture', positiveInteger, 1)
    .option('--max-packets <n>', 'stop after this many packets', positiveInteger, 100000)
    .option('--wait', 'wait for the end, with progress on stderr (a bar on a terminal, plain lines otherwise)')
    .addHelpText('after', '\nExit code with --wait: 0 when the capture ended normally, 1 when it ended abnormally.')
    .action((flags: CreateFlags) => exitWith(async () => {
      const api = client();
      const fw = await pickFirewall(api, flags.fw);
      const family = (address: string) => (address.includes(':') ? 1 : 0);
      const created = await api.call<{ data: { task_id: string } }>('POST', '/v1/{project_id}/capture-task', { fw_instance_id: fw }, {
        name: flags.name, duration: flags.duration, max_packets: flags.maxPackets,
        source: { address: flags.src, address_type: family(flags.src), type: 0 },
        destination: { address: flags.dst, address_type: family(flags.dst), type: 0 },
        service: { protocol: flags.proto, source_port: flags.sport, dest_port: flags.dport },
      });
      const taskId = created.data.task_id;
      process.stdout.write(`${taskId}\n`);
      return flags.wait ? waitForTask(api, fw, taskId, flags.duration * 60_000 + WAIT_SLACK_MS) : 0;
    }));
}

function registerListings(capture: Command): void {
  capture.command('firewalls').description('list capture sensors (fw_instance_id, interfaces, status)').addOption(jsonOption())
    .action(async (flags: { json?: boolean }) => {
      const api = client();
      printListing({ json: flags.json, rows: await listFirewalls(api), empty: `no capture sensors in project ${api.projectId} (start an agent with --interfaces)`,
        columns: [
          { header: 'FW INSTANCE ID', value: (f) => f.fw_instance_id }, { header: 'NAME', value: (f) => f.name },
          { header: 'STATUS', value: (f) => f.agent_status }, { header: 'INTERFACES', value: (f) => f.capture_interfaces.join(',') },
        ] });
    });
  capture.command('list').description("list the firewall's capture tasks").addOption(fwOption()).addOption(jsonOption())
    .action(async (flags: { fw?: string; json?: boolean }) => {
      const api = client();
      const fw = await pickFirewall(api, flags.fw);
      printListing({ json: flags.json, rows: await listTasks(api, fw), empty: `no capture tasks on firewall ${fw}`, columns: [
        { header: 'TASK ID', value: (r) => r.task_id }, { header: 'NAME', value: (r) => r.name }, { header: 'STATUS', value: (r) => statusName(r.status) },
        { header: 'PROGRESS', value: (r) => `${r.progress}%` }, { header: 'PACKETS', value: (r) => r.packets }, { header: 'SIZE', value: (r) => r.capture_size },
        { header: 'STOP REASON', value: (r) => r.stop_reason }, { header: 'CREATED', value: (r) => r.created_date },
      ] });
    });
}

function registerTaskVerbs(capture: Command): void {
  capture.command('stop').description('stop a running capture').argument('<task-id>', 'the task').addOption(fwOption())
    .action(async (taskId: string, flags: { fw?: string }) => {
      const api = client();
      await api.call('POST', '/v1/{project_id}/capture-task/stop', { fw_instance_id: await pickFirewall(api, flags.fw) }, { task_id: taskId });
    });
  capture.command('delete').description('delete tasks and their pcaps').argument('<task-id...>', 'one or more tasks').addOption(fwOption())
    .action(async (taskIds: string[], flags: { fw?: string }) => {
      const api = client();
      await api.call('POST', '/v1/{project_id}/capture-task/batch-delete', { fw_instance_id: await pickFirewall(api, flags.fw) }, { task_ids: taskIds });
    });
  capture.command('download').description("save a finished task's pcap (fetches a fresh access code)")
    .argument('<task-id>', 'the task').requiredOption('-o, --output <file>', 'where to save the pcap').addOption(fwOption())
    .addHelpText('after', '\nShows a progress bar on a terminal; prints "FILE: N bytes in S s" when done.')
    .action(async (taskId: string, flags: { fw?: string; output: string }) => {
      const api = client();
      const saved = await downloadToFile(await downloadUrl(api, await pickFirewall(api, flags.fw), taskId), flags.output);
      process.stdout.write(`${saved.file}: ${saved.bytes} bytes in ${saved.seconds.toFixed(1)} s\n`);
    });
}

export const captureCli: CliCommand = {
  name: 'capture',
  summary: 'CFW packet capture from a terminal: firewalls, create, list, stop, delete, download',
  register(program: Command) {
    const capture = program.command('capture')
      .description('CFW packet capture from a terminal, signed with the project\'s AK/SK.')
      .addHelpText('after', '\nCredentials: $GUARDPOST_HOME/credentials.json, or GUARDPOST_ENDPOINT / GUARDPOST_AK / GUARDPOST_SK / GUARDPOST_PROJECT_ID.');
    registerListings(capture);
    registerCreate(capture);
    registerTaskVerbs(capture);
  },
};
