import type { Command } from 'commander';
import type { CliCommand } from '../../../cli/commands.js';
import { registerIsolation } from './isolate.js';
import { registerResults } from './results.js';
import { registerScan } from './scan.js';

/** `guardpost av …`: antivirus scans, their detections, isolation and restore, through the HSS API. */
export const antivirusCli: CliCommand = {
  name: 'av',
  summary: 'antivirus: scan hosts, list detections, isolate and restore files',
  register(program: Command) {
    const av = program.command('av').description('Antivirus verbs (through the HSS API, signed with the AK/SK).');
    registerScan(av);
    registerResults(av);
    registerIsolation(av);
  },
};
