import fs from 'node:fs';
import type { Command } from 'commander';
import { adminCli } from './admin.js';
import { serverFamilies } from '../families/server.js';
import { buildProgram, type CliCommand } from './commands.js';
import { agentCli, serveCli, startCli } from './server-cli.js';

/** Every top-level verb, in help order: the core's, then each family's (from its ServerFamily; duplicates are refused). */
export const COMMANDS: readonly CliCommand[] = [startCli, serveCli, agentCli, adminCli, ...serverFamilies.all.flatMap((f) => f.cli ?? [])];

export function packageVersion(): string {
  // dist/src/cli/program.js → the repository's package.json
  const file = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

export function createProgram(commands: readonly CliCommand[] = COMMANDS): Command {
  return buildProgram(commands, { version: packageVersion() });
}
