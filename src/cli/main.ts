import fs from 'node:fs';
import { adminCli } from './admin.js';
import { captureCli } from './capture.js';
import { buildProgram, runProgram, type CliCommand } from './commands.js';
import { agentCli, serveCli, startCli } from './server-cli.js';

/** Every top-level verb, in help order. Families add theirs here (duplicates are refused). */
const COMMANDS: readonly CliCommand[] = [startCli, serveCli, agentCli, adminCli, captureCli];

function packageVersion(): string {
  // dist/src/cli/main.js → the repository's package.json
  const file = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

const program = buildProgram(COMMANDS, { version: packageVersion() });
process.exitCode = await runProgram(program, process.argv.slice(2));
