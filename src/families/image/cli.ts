import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { HuaweiApiClient, loadClientCredentials } from '../../cli/api-client.js';
import { exitWith, type CliCommand } from '../../cli/commands.js';
import { printJson } from '../../cli/output.js';
import { jsonOption, positiveInteger } from '../../cli/values.js';
import { packLayout, uploadArchive } from './cli-upload.js';
import { riskRank, RISK_LEVELS, SECURITY_REPORT_TYPES } from './domain.js';

/**
 * `guardpost image scan ARCHIVE`: uploads a docker-archive / OCI archive (or an OCI layout directory, packed on
 * the fly) as a CI/CD image, prints its image_id, and with `--wait` (implied by `--fail-on`) waits for the scan
 * and prints one line per report type. Exit codes: 0 done (below the threshold); 1 the upload, the scan or the
 * wait failed; 2 usage; 3 the image has a finding at or above `--fail-on` — the highest of: its apps'
 * vulnerability severities, any malware (critical), its sensitive-information severities and its build-command
 * risk levels (non-compliant software and unowned files carry no level).
 */

interface ScanFlags { name?: string; version?: string; wait?: boolean; failOn?: string; json?: boolean; maxMinutes: number }
interface CicdImage { image_id: string; scan_status: string; scan_failed_desc: string; highest_risk_level?: string; vul_num: number; malicious_file_num: number }
interface ScanTask { task_id: string; task_status: number; failed_images: Array<{ failed_reason: string }> }

export const EXIT_RISK = 3;
const POLL_MS = 1000;

function failLevel(value: string): string {
  if (!(RISK_LEVELS as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${RISK_LEVELS.join(', ')}`);
  return value;
}

async function archiveOf(source: string): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const stat = await fsp.stat(source);
  if (!stat.isDirectory()) return { file: source, cleanup: async () => undefined };
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'guardpost-image-'));
  const file = path.join(dir, 'layout.tar');
  await packLayout(source, file);
  return { file, cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
}

async function waitForTask(api: HuaweiApiClient, taskId: string, maxMinutes: number): Promise<ScanTask> {
  const deadline = Date.now() + maxMinutes * 60_000;
  for (;;) {
    const page = await api.call<{ data_list: ScanTask[] }>('GET', '/v5/{project_id}/image/tasks', { type: 'image_scan', task_id: taskId, limit: 10, offset: 0 });
    const task = page.data_list.find((t) => t.task_id === taskId);
    if (task && (task.task_status === 100 || task.task_status < 0)) return task;
    if (Date.now() > deadline) throw new Error(`the scan of task ${taskId} has not finished after ${maxMinutes} minute(s)`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function scan(archive: string, flags: ScanFlags): Promise<number> {
  const creds = loadClientCredentials();
  const api = new HuaweiApiClient(creds);
  const source = await archiveOf(path.resolve(archive));
  let uploaded;
  try {
    uploaded = await uploadArchive(creds, source.file, { ...(flags.name ? { image_name: flags.name } : {}), ...(flags.version ? { image_version: flags.version } : {}) });
  } finally {
    await source.cleanup();
  }
  const wait = flags.wait || flags.failOn !== undefined;
  if (!wait) {
    if (flags.json) printJson(uploaded);
    else process.stdout.write(`${uploaded.image_id}\n`);
    return 0;
  }
  if (!flags.json) process.stderr.write(`image ${uploaded.image_id}: task ${uploaded.task_id}\n`);
  await waitForTask(api, uploaded.task_id, flags.maxMinutes);
  const page = await api.call<{ data_list: CicdImage[] }>('GET', '/v5/{project_id}/image/cicd/images', { image_id: uploaded.image_id, limit: 10, offset: 0 });
  const image = page.data_list.find((i) => i.image_id === uploaded.image_id);
  if (!image) throw new Error(`image ${uploaded.image_id} is not listed`);
  const counts: Record<string, number> = {};
  for (const type of ['vulnerability', ...SECURITY_REPORT_TYPES]) {
    const stat = await api.call<{ total_num: number }>('POST', '/v5/{project_id}/image/security-report/statistic', { security_report_type: type },
      { image_type: 'cicd', operate_all: false, image_id_list: [uploaded.image_id] });
    counts[type] = stat.total_num;
  }
  const highest = image.highest_risk_level ?? '';
  const over = flags.failOn !== undefined && riskRank(highest) >= riskRank(flags.failOn);
  if (flags.json) {
    printJson({ ...uploaded, scan_status: image.scan_status, scan_failed_desc: image.scan_failed_desc, highest_risk_level: highest, counts, fail_on: flags.failOn ?? null, failed: over });
  } else {
    process.stdout.write(`${uploaded.image_id}\n`);
    process.stdout.write(`scan ${image.scan_status}${image.scan_failed_desc ? ` (${image.scan_failed_desc})` : ''}, highest risk ${highest || 'none'}\n`);
    for (const [type, n] of Object.entries(counts)) process.stdout.write(`${type.padEnd(20)} ${n}\n`);
  }
  if (image.scan_status !== 'success') return 1;
  if (over) {
    if (!flags.json) process.stderr.write(`guardpost: the image has a ${highest} finding (--fail-on ${flags.failOn})\n`);
    return EXIT_RISK;
  }
  return 0;
}

export const imageCli: CliCommand = {
  name: 'image',
  summary: 'image scans: scan (upload an image archive as a CI/CD image and report its risks)',
  register(program: Command) {
    // `image scan --version V` names the image version: the program's own -V/--version is then only an option
    // before the verb (`guardpost --version`), not anywhere on the line.
    program.enablePositionalOptions();
    const image = program.command('image').description('Container image verbs.');
    image.command('scan')
      .description('Upload ARCHIVE (docker save / skopeo / podman archive, OCI archive, or an OCI layout directory) as a CI/CD image and scan it.\n' +
        `Exit codes: 0 ok, 1 failed, 2 usage, ${EXIT_RISK} a finding at or above --fail-on.`)
      .argument('<archive>', 'image archive file or OCI layout directory')
      .option('--name <name>', 'image name (default: the archive\'s first repo tag)')
      .option('--version <version>', 'image version (default: the tag of the archive\'s first repo tag)')
      .option('--wait', 'wait for the scan and print a summary per report type')
      .option('--fail-on <level>', 'exit 3 when a finding is at or above this level (critical, high, medium, low); implies --wait', failLevel)
      .option('--max-minutes <n>', 'give up waiting after this many minutes', positiveInteger, 30)
      .addOption(jsonOption())
      .action((archive: string, flags: ScanFlags) => exitWith(() => scan(archive, flags)));
  },
};
