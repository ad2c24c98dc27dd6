import type { Command } from 'commander';
import { HuaweiApiClient, loadClientCredentials } from '../../../cli/api-client.js';
import { exitWith } from '../../../cli/commands.js';
import { formatTime, printListing } from '../../../cli/output.js';
import { jsonOption } from '../../../cli/values.js';
import { listResults, type ResultRecord } from './api.js';

/** `guardpost av results`: the detections (ListAntiVirusResult, every page), newest first. */

interface ResultsFlags { task?: string; json?: boolean }

/** `handled (isolated)`, `unhandled`, `handled (isolating)`, … */
export function resultState(r: ResultRecord): string {
  const isolation = r.isolate_status && r.isolate_status !== 'none' ? r.isolate_status : undefined;
  const detail = isolation ?? r.handle_method;
  return detail ? `${r.handle_status} (${detail})` : r.handle_status;
}

export function registerResults(av: Command): void {
  av.command('results')
    .description('List the antivirus detections (HSS ListAntiVirusResult), newest first: one row per file and signature.\n' +
      'Credentials: $GUARDPOST_HOME/credentials.json, or GUARDPOST_ENDPOINT / GUARDPOST_AK / GUARDPOST_SK / GUARDPOST_PROJECT_ID.')
    .option('--task <task>', 'only the detections of this task (its id, or its exact name)')
    .addOption(jsonOption())
    .action((flags: ResultsFlags) => exitWith(async () => {
      const api = new HuaweiApiClient(loadClientCredentials());
      const rows = await listResults(api, flags.task);
      printListing({
        json: flags.json, rows, empty: flags.task ? `no detections in task ${flags.task}` : `no detections in project ${api.projectId}`,
        columns: [
          { header: 'RESULT ID', value: (r) => r.result_id }, { header: 'MALWARE', value: (r) => r.malware_name },
          { header: 'SEVERITY', value: (r) => r.severity }, { header: 'HOST', value: (r) => r.resource_info.host_name },
          { header: 'PATH', value: (r) => r.file_info.file_path }, { header: 'STATE', value: resultState },
          { header: 'FOUND', value: (r) => formatTime(r.occur_time) },
        ],
      });
    }));
}
