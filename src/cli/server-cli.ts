import type { Command } from 'commander';
import { agentOptions } from '../families/agent.js';
import { exitWith, type CliCommand } from './commands.js';

/**
 * `start`, `serve` and `agent` on the CLI registry. Their options are declared here for help and
 * validation; the values go on, as argv, to the commands' own entry points, loaded only when run (the
 * server's modules are most of the CLI's start-up time).
 */

type Flags = Record<string, string | undefined>;

/** `{ stateDir: 'x' }` → `['--state-dir', 'x']` for the options that were given. */
function toArgv(flags: Flags): string[] {
  return Object.entries(flags).flatMap(([key, value]) =>
    (value === undefined ? [] : [`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, value]));
}

/** The families' agent options (capture's `--interfaces`, …), for the agent and for start's local agent. */
function withAgentOptions(command: Command, local: boolean): Command {
  for (const option of agentOptions.all) {
    const fallback = local && option.localDefault ? ` or ${option.localDefault}` : '';
    command.option(`--${option.flag} <value>`, `${option.description} (default: $${option.env}${fallback})`);
  }
  return command;
}

const SERVER_ENV = `
Environment:
  GUARDPOST_HOME          state directory (default ./.guardpost): SQLite file, blobs, master.key, credentials.json
  GUARDPOST_LISTEN        host:port to listen on (default 127.0.0.1:8080)
  GUARDPOST_DATABASE_URL  postgres://… to use PostgreSQL instead of SQLite
  GUARDPOST_BLOB_DIR      blob directory (default $GUARDPOST_HOME/blobs)
  GUARDPOST_MASTER_KEY    key sealing stored secrets (share it between replicas)
  GUARDPOST_LOG_LEVEL     info, debug, warn, …`;

const INSTALL_NOTE = `
Engine packages: at start the agent installs what its engines need when it is missing (antivirus: clamav-daemon,
clamav; capture: tcpdump) with apt-get, when it runs as root and GUARDPOST_NO_INSTALL is not 1. Otherwise it prints
the apt-get command to run, and the engine is reported unavailable with that reason (a scan on the host fails with it).
`;

export const startCli: CliCommand = {
  name: 'start',
  summary: 'all-in-one: server + local agent, SQLite and blobs under $GUARDPOST_HOME',
  register(program: Command) {
    withAgentOptions(program.command('start'), true)
      .description('Start the server and one local agent (a child process speaking the agent protocol over loopback).\n' +
        'The first start creates $GUARDPOST_HOME/credentials.json (mode 0600) with the admin password and an AK/SK.')
      .addHelpText('after', `${SERVER_ENV}\n  GUARDPOST_ADMIN_PASSWORD  the admin password to set on the first start\n${INSTALL_NOTE}`)
      .action((flags: Flags) => exitWith(async () => (await import('./server-commands.js')).startCommand(toArgv(flags))));
  },
};

export const serveCli: CliCommand = {
  name: 'serve',
  summary: 'the server only (stateless; point several at one PostgreSQL database)',
  register(program: Command) {
    program.command('serve')
      .description('Run the server only; agents connect to it with "guardpost agent --server URL".')
      .addHelpText('after', SERVER_ENV)
      .action(() => exitWith(async () => (await import('./server-commands.js')).serveCommand([])));
  },
};

export const agentCli: CliCommand = {
  name: 'agent',
  summary: 'the agent only: --server URL --enroll-token TOKEN (first run)',
  register(program: Command) {
    withAgentOptions(program.command('agent'), false)
      .description('Run the Guardpost agent on this host. The first run enrolls with the token and keeps the agent\n' +
        'identity in DIR/agent.json (mode 0600); later runs reuse it.')
      .option('--server <url>', "the server's http(s) URL (default: $GUARDPOST_SERVER)")
      .option('--enroll-token <token>', 'enrollment token for the first run (better: $GUARDPOST_ENROLL_TOKEN, argv is visible to all users)')
      .option('--state-dir <dir>', 'where agent.json lives (default: $GUARDPOST_AGENT_STATE_DIR or ./.guardpost-agent)')
      .option('--name <host>', 'host name to report (default: the system host name)')
      .addHelpText('after', `${INSTALL_NOTE}\nExit codes: 0 stopped, 1 failed, 2 usage, 3 this agent was revoked (enroll again with a new token), 4 another agent process holds the state directory.`)
      .action((flags: Flags) => exitWith(async () => (await import('./agent.js')).agentCommand(toArgv(flags))));
  },
};
