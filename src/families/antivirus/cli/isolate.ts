import type { Command } from 'commander';
import { HuaweiApiClient, loadClientCredentials } from '../../../cli/api-client.js';
import { exitWith } from '../../../cli/commands.js';
import { printJson } from '../../../cli/output.js';
import { jsonOption, positiveInteger } from '../../../cli/values.js';
import { findResult, handleResult, type ResultRecord } from './api.js';

/**
 * `guardpost av isolate|restore RESULT_ID`: HandleAntiVirusResult `manual_isolate_and_kill` / `do_not_isolate_or_kill`,
 * then the result is polled until the host's isolation job has ended, and its outcome is printed.
 * Exit codes: 0 done, 1 the call or the job failed (the reason is printed) or the wait timed out, 2 usage.
 */

interface IsolateFlags { json?: boolean; maxSeconds: number }

const POLL_MS = 500;

interface Verb { name: 'isolate' | 'restore'; operateType: string; want: string; doing: string; summary: string }

const VERBS: readonly Verb[] = [
  {
    name: 'isolate', operateType: 'manual_isolate_and_kill', want: 'isolated', doing: 'isolating',
    summary: 'Isolate the file of a detection: kill the processes running it and move it into the host\'s encrypted quarantine vault',
  },
  {
    name: 'restore', operateType: 'do_not_isolate_or_kill', want: 'restored', doing: 'restoring',
    summary: 'Restore an isolated file from the host\'s quarantine vault: the same bytes, mode, owner and times at its original path',
  },
];

async function run(verb: Verb, resultId: string, flags: IsolateFlags): Promise<number> {
  const api = new HuaweiApiClient(loadClientCredentials());
  const before = await findResult(api, resultId);
  await handleResult(api, before, verb.operateType);
  const deadline = Date.now() + flags.maxSeconds * 1000;
  let now: ResultRecord = before;
  for (;;) {
    now = await findResult(api, resultId, before.file_info.file_hash);
    if (now.isolate_status !== verb.doing && now.isolate_status !== undefined) break;
    if (Date.now() > deadline) {
      process.stderr.write(`guardpost: the host has not finished ${verb.doing} ${before.file_info.file_path} after ${flags.maxSeconds} s; see "guardpost av results"\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const ok = now.isolate_status === verb.want;
  if (flags.json) printJson(now);
  else if (ok) process.stdout.write(`${verb.want} ${now.file_info.file_path} on ${now.resource_info.host_name} (result ${resultId})\n`);
  if (!ok) {
    process.stderr.write(`guardpost: ${verb.name} of ${now.file_info.file_path} on ${now.resource_info.host_name} failed: ${now.isolate_reason ?? `the result is ${now.isolate_status ?? 'unknown'}`}\n`);
  }
  return ok ? 0 : 1;
}

export function registerIsolation(av: Command): void {
  for (const verb of VERBS) {
    av.command(verb.name)
      .description(`${verb.summary} (HSS HandleAntiVirusResult ${verb.operateType}); waits for the host's outcome and prints it.`)
      .argument('<result-id>', 'the detection (see "guardpost av results")')
      .option('--max-seconds <s>', 'give up waiting for the host after this many seconds', positiveInteger, 120)
      .addOption(jsonOption())
      .addHelpText('after', '\nExit code: 0 done, 1 the call or the host\'s job failed (the reason is printed) or the wait timed out, 2 usage.')
      .action((resultId: string, flags: IsolateFlags) => exitWith(() => run(verb, resultId, flags)));
  }
}
