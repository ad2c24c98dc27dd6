import { InvalidArgumentError, Option, type Command } from 'commander';
import { HuaweiApiClient, loadClientCredentials } from '../../../cli/api-client.js';
import { exitWith } from '../../../cli/commands.js';
import { formatBytes, printJson, printListing } from '../../../cli/output.js';
import { ProgressReporter } from '../../../cli/progress.js';
import { jsonOption, positiveInteger } from '../../../cli/values.js';
import { ACTIONS, parseDirList, SCAN_TYPES } from '../domain.js';
import { createTask, findTask, hostIdsOf, isPaidSpec, type TaskHost, type TaskRecord } from './api.js';

/**
 * `guardpost av scan`: CreateAntiVirusTask (quick, full) or CreateAntiVirusPaidTask (custom directories, ignored
 * directories, file types) through the HTTP API, AK/SK-signed like the SDKs; with `--wait` a progress bar (files,
 * bytes, detections) on stderr until every host is done, then one line per host.
 */

export const EXIT_DETECTIONS = 3;

/** `file_types` codes of the pay-per-scan API by name. */
export const FILE_TYPES: Readonly<Record<string, number>> = { all: 0, executable: 1, archive: 2, script: 3, document: 4, image: 5, media: 6 };

interface ScanFlags {
  type: string; dir: string[]; ignoreDir: string[]; fileTypes?: number[]; host: string[]; action: string; name?: string;
  wait?: boolean; json?: boolean; maxMinutes: number;
}

const POLL_MS = 1000;

const collect = (value: string, previous: string[]) => [...previous, value];

function absoluteDir(value: string, previous: string[]): string[] {
  const parsed = parseDirList('directory', value);
  if ('problem' in parsed) throw new InvalidArgumentError(parsed.problem);
  if (parsed.dirs.length === 0) throw new InvalidArgumentError('must name a directory');
  return [...previous, ...parsed.dirs];
}

function fileTypes(value: string): number[] {
  const codes = value.split(',').map((v) => v.trim()).filter(Boolean).map((v) => {
    const code = /^\d$/.test(v) ? Number(v) : FILE_TYPES[v];
    if (code === undefined || code > 6) throw new InvalidArgumentError(`unknown file type ${v} (one of ${Object.keys(FILE_TYPES).join(', ')}, or 0-6)`);
    return code;
  });
  if (codes.length === 0) throw new InvalidArgumentError('must name at least one file type');
  return [...new Set(codes)];
}

const percentOf = (h: TaskHost) => (h.host_task_status === 'scanning' ? Number.parseInt(h.scan_progress, 10) || 0 : 100);

export function progressLabel(task: TaskRecord): { fraction: number | undefined; label: string } {
  const hosts = task.host_info_list;
  const files = hosts.reduce((n, h) => n + h.scan_file_num, 0);
  const detections = hosts.reduce((n, h) => n + h.virus_num, 0);
  const bytes = hosts.some((h) => typeof h.scanned_bytes === 'number') ? hosts.reduce((n, h) => n + (h.scanned_bytes ?? 0), 0) : undefined;
  const done = hosts.filter((h) => h.host_task_status !== 'scanning').length;
  const label = [`${files} files`, ...(bytes === undefined ? [] : [formatBytes(bytes)]), `${detections} detection(s)`,
    `${done}/${hosts.length} hosts done`].join(', ');
  const fraction = hosts.length === 0 ? undefined : hosts.reduce((n, h) => n + percentOf(h), 0) / (100 * hosts.length);
  return { fraction, label };
}

/** 1 when a host did not succeed, else 3 when something was detected, else 0. */
export function scanExitCode(task: TaskRecord): number {
  if (task.host_info_list.some((h) => h.host_task_status !== 'success')) return 1;
  return task.host_info_list.some((h) => h.virus_num > 0) ? EXIT_DETECTIONS : 0;
}

async function waitForTask(api: HuaweiApiClient, taskId: string, name: string, paid: boolean, flags: ScanFlags): Promise<number> {
  const progress = new ProgressReporter(process.stderr);
  const deadline = Date.now() + flags.maxMinutes * 60_000;
  let task = await findTask(api, taskId, name, paid);
  while (task.task_status === 'scanning') {
    progress.update(progressLabel(task));
    if (Date.now() > deadline) {
      progress.done(`${progressLabel(task).label}; still scanning after ${flags.maxMinutes} minute(s)`);
      process.stderr.write(`guardpost: task ${taskId} has not finished; follow it with "guardpost av results --task ${taskId}" or ListAntiVirusTask\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
    task = await findTask(api, taskId, name, paid);
  }
  progress.done(`${progressLabel(task).label}; task ${task.task_status}`);
  printListing({
    json: flags.json, rows: task.host_info_list, empty: 'the task has no hosts', jsonValue: { task_id: taskId, task },
    columns: [
      { header: 'HOST', value: (h) => h.host_name }, { header: 'HOST ID', value: (h) => h.host_id }, { header: 'STATUS', value: (h) => h.host_task_status },
      { header: 'FILES', value: (h) => h.scan_file_num }, { header: 'DETECTIONS', value: (h) => h.virus_num },
      { header: 'SECONDS', value: (h) => h.run_duration }, { header: 'REASON', value: (h) => h.fail_reason },
    ],
  });
  return scanExitCode(task);
}

async function scan(flags: ScanFlags, command: Command): Promise<number> {
  // A usage error (exit 2), printed like commander's own.
  if (flags.type === 'custom' && flags.dir.length === 0) command.error('error: --type custom needs at least one --dir', { exitCode: 2 });
  if (flags.type !== 'custom' && flags.dir.length > 0) command.error(`error: --dir is only for --type custom (${flags.type} scans the host's own roots)`, { exitCode: 2 });
  const api = new HuaweiApiClient(loadClientCredentials());
  const hostIds = await hostIdsOf(api, flags.host);
  const spec = {
    name: flags.name ?? `guardpost av scan ${flags.type} ${new Date().toISOString()}`, type: flags.type, action: flags.action, hostIds,
    dirs: flags.dir, ignoreDirs: flags.ignoreDir, fileTypes: flags.fileTypes ?? [],
  };
  const created = await createTask(api, spec);
  for (const f of created.fail_reasons) process.stderr.write(`guardpost: host ${f.host_id} cannot scan: ${f.reason}\n`);
  if (!flags.wait) {
    if (flags.json) printJson(created);
    else process.stdout.write(`${created.task_id}\n`);
    return created.result ? 0 : 1;
  }
  if (!flags.json) process.stderr.write(`task ${created.task_id}\n`);
  return waitForTask(api, created.task_id, spec.name, isPaidSpec(spec), flags);
}

export function registerScan(av: Command): void {
  av.command('scan')
    .description('Start an antivirus scan task on hosts (HSS CreateAntiVirusTask; CreateAntiVirusPaidTask for custom directories,\n' +
      'ignored directories or file types); prints its task id, or with --wait follows it to the end.')
    .addOption(new Option('--type <type>', 'quick (where malware lands), full (every local filesystem) or custom (--dir)').choices(SCAN_TYPES).makeOptionMandatory())
    .option('--dir <dir>', 'custom scans: an absolute directory to scan (repeatable)', absoluteDir, [])
    .option('--ignore-dir <dir>', 'an absolute directory to leave out (repeatable)', absoluteDir, [])
    .option('--file-types <types>', `comma-separated file types to scan (${Object.keys(FILE_TYPES).join(', ')}, or their codes 0-6); default all`, fileTypes)
    .option('--host <host>', 'a host name, host id or agent id (repeatable; default: every host of the project)', collect, [])
    .addOption(new Option('--action <action>', 'auto isolates detections at once; manual leaves them to "guardpost av isolate"').choices(ACTIONS).default('manual'))
    .option('--name <name>', 'the task name (default: "guardpost av scan TYPE TIME")')
    .option('--wait', 'wait until every host is done: a progress bar of files, bytes and detections on stderr, then one line per host')
    .option('--max-minutes <n>', 'with --wait: give up waiting after this many minutes', positiveInteger, 60)
    .addOption(jsonOption())
    .addHelpText('after', '\nExit code: 0 created (with --wait: every host succeeded and nothing was detected), 3 (with --wait) detections,\n' +
      '1 the call failed, a host cannot scan or failed, or the wait timed out; 2 usage.')
    .action((flags: ScanFlags, command: Command) => exitWith(() => scan(flags, command)));
}
