import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { HuaweiApiClient, loadClientCredentials } from '../../cli/api-client.js';

/** `guardpost capture …`: the CFW capture API from a terminal, signed with the project's AK/SK. */

const HELP = `usage: guardpost capture <verb> [options]

  firewalls                                   list capture sensors (fw_instance_id, interfaces, status)
  create --name N --src ADDR --dst ADDR [--proto tcp|udp|icmp|icmp6|any] [--sport P] [--dport P]
         [--duration MINUTES] [--max-packets N] [--wait]
  list                                        list capture tasks of the firewall
  stop TASK_ID                                stop a running capture
  delete TASK_ID...                           delete tasks and their pcaps
  download TASK_ID -o FILE                    fetch a fresh access code and save the pcap

Every verb takes --fw FW_INSTANCE_ID (default: the project's only or first firewall).
Addresses: one IP or a CIDR; 0.0.0.0/0 or ::/0 for any. Ports: 80 or 1000-2000, TCP/UDP only.
Credentials: GUARDPOST_HOME/credentials.json, or GUARDPOST_ENDPOINT/AK/SK/PROJECT_ID.`;

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmp6: 58, icmpv6: 58, any: -1 };

interface Firewall { fw_instance_id: string; name: string; agent_status: string; capture_interfaces: string[] }
interface TaskRecord { task_id: string; name: string; status: number; progress: number; packets: number | null; capture_size: string; stop_reason: string | null; created_date: string; stop_detail?: string }

const STATUS_NAMES: Record<number, string> = { 0: 'abnormal', 1: 'success', 2: 'running', 4: 'stopped', 5: 'stopping' };

async function firewalls(client: HuaweiApiClient): Promise<Firewall[]> {
  const res = await client.call<{ data: { records: Firewall[] } }>('GET', '/v1/{project_id}/firewall/exist', { offset: 0, limit: 1024, service_type: 0 });
  return res.data.records;
}

async function pickFirewall(client: HuaweiApiClient, requested: string | undefined): Promise<string> {
  if (requested) return requested;
  const all = await firewalls(client);
  if (all.length === 0) throw new Error('no capture sensor is enrolled in this project (start an agent with --interfaces)');
  return all[0]!.fw_instance_id;
}

function printTasks(records: TaskRecord[]): void {
  for (const r of records) {
    console.log([r.task_id, r.name, STATUS_NAMES[r.status] ?? String(r.status), `${r.progress}%`, r.packets ?? '-', r.capture_size,
      r.stop_reason ?? '-', r.created_date].join('\t'));
  }
}

async function findTask(client: HuaweiApiClient, fw: string, taskId: string): Promise<TaskRecord | undefined> {
  for (let offset = 0; ; offset += 1024) {
    const page = await client.call<{ data: { total: number; records: TaskRecord[] } }>('GET', '/v1/{project_id}/capture-task', { fw_instance_id: fw, limit: 1024, offset });
    const found = page.data.records.find((r) => r.task_id === taskId);
    if (found || offset + 1024 >= page.data.total) return found;
  }
}

export async function captureCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' }, fw: { type: 'string' }, name: { type: 'string' }, src: { type: 'string' }, dst: { type: 'string' },
      proto: { type: 'string', default: 'any' }, sport: { type: 'string', default: '' }, dport: { type: 'string', default: '' },
      duration: { type: 'string', default: '1' }, 'max-packets': { type: 'string', default: '100000' }, wait: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    },
  });
  const [verb, ...rest] = positionals;
  if (values.help || !verb) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const client = new HuaweiApiClient(loadClientCredentials());
  switch (verb) {
    case 'firewalls':
      for (const f of await firewalls(client)) console.log([f.fw_instance_id, f.name, f.agent_status, f.capture_interfaces.join(',')].join('\t'));
      return 0;
    case 'create': {
      const fw = await pickFirewall(client, values.fw);
      if (!values.name || !values.src || !values.dst) throw new Error('create needs --name, --src and --dst');
      const protocol = PROTOCOLS[values.proto as string] ?? Number(values.proto);
      const family = (address: string) => (address.includes(':') ? 1 : 0);
      const created = await client.call<{ data: { task_id: string } }>('POST', '/v1/{project_id}/capture-task', { fw_instance_id: fw }, {
        name: values.name, duration: Number(values.duration), max_packets: Number(values['max-packets']),
        source: { address: values.src, address_type: family(values.src), type: 0 },
        destination: { address: values.dst, address_type: family(values.dst), type: 0 },
        service: { protocol, source_port: values.sport, dest_port: values.dport },
      });
      const taskId = created.data.task_id;
      console.log(taskId);
      if (!values.wait) return 0;
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        const task = await findTask(client, fw, taskId);
        if (!task) throw new Error('the task disappeared (deleted?)');
        process.stderr.write(`\r${STATUS_NAMES[task.status] ?? task.status} ${task.progress}% packets=${task.packets ?? 0}   `);
        if (task.status !== 2 && task.status !== 5) {
          process.stderr.write(`\n${task.stop_reason ?? ''}${task.stop_detail ? `: ${task.stop_detail}` : ''}\n`);
          return task.status === 0 ? 1 : 0;
        }
      }
    }
    case 'list': {
      const fw = await pickFirewall(client, values.fw);
      const page = await client.call<{ data: { records: TaskRecord[] } }>('GET', '/v1/{project_id}/capture-task', { fw_instance_id: fw, limit: 1024, offset: 0 });
      printTasks(page.data.records);
      return 0;
    }
    case 'stop': {
      const fw = await pickFirewall(client, values.fw);
      if (!rest[0]) throw new Error('stop needs a TASK_ID');
      await client.call('POST', '/v1/{project_id}/capture-task/stop', { fw_instance_id: fw }, { task_id: rest[0] });
      return 0;
    }
    case 'delete': {
      const fw = await pickFirewall(client, values.fw);
      if (rest.length === 0) throw new Error('delete needs at least one TASK_ID');
      await client.call('POST', '/v1/{project_id}/capture-task/batch-delete', { fw_instance_id: fw }, { task_ids: rest });
      return 0;
    }
    case 'download': {
      const fw = await pickFirewall(client, values.fw);
      if (!rest[0] || !values.output) throw new Error('download needs a TASK_ID and -o FILE');
      const result = await client.call<{ data: { url?: string; captcha?: string; file_list?: Array<{ url: string }> } }>(
        'GET', '/v1/{project_id}/capture-task/capture-result', { fw_instance_id: fw, task_id: rest[0] });
      const url = result.data.url ? `${result.data.url}?code=${result.data.captcha}` : result.data.file_list?.[0]?.url;
      if (!url) throw new Error('the server returned no download URL');
      const response = await fetch(url);
      if (!response.ok || !response.body) throw new Error(`download failed: HTTP ${response.status} ${await response.text()}`);
      await pipeline(Readable.fromWeb(response.body as never), fs.createWriteStream(values.output));
      console.log(`${values.output}: ${fs.statSync(values.output).size} bytes`);
      return 0;
    }
    default:
      console.error(`guardpost capture: unknown verb "${verb}"\n\n${HELP}`);
      return 2;
  }
}
