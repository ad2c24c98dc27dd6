import { adminCommand } from './admin.js';
import { agentCommand } from './agent.js';
import { captureCommand } from '../families/capture/cli.js';
import { serveCommand, startCommand } from './server-commands.js';

type Command = (args: string[]) => Promise<number | void>;

const commands: Record<string, { run: Command; summary: string }> = {
  start: { run: startCommand, summary: 'all-in-one: server + local agent, SQLite and blobs under $GUARDPOST_HOME' },
  serve: { run: serveCommand, summary: 'the server only (stateless; point several at one PostgreSQL database)' },
  agent: { run: agentCommand, summary: 'the agent only: --server URL --enroll-token TOKEN (first run)' },
  capture: { run: captureCommand, summary: 'CFW packet capture from a terminal: firewalls, create, list, stop, delete, download' },
  admin: { run: adminCommand, summary: 'users, projects, enterprise projects, access keys, roles, enrollment tokens, agents, quotas' },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: guardpost <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "guardpost <command> --help" for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`guardpost: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await command.run(rest)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => { if (code !== 0) process.exitCode = code; },
  (error: unknown) => {
    console.error(`guardpost: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
