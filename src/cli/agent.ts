import path from 'node:path';
import { parseArgs } from 'node:util';
import { AgentRevokedError, AgentRuntime } from '../agent/runtime.js';
import { StateDirLockedError } from '../agent/state-lock.js';
import { ensureEngineDeps } from '../agent/engine-deps.js';
import { agentFamilies, agentOptions } from '../families/agent.js';
import { readAgentOptions } from './agent-options.js';

const HELP = `usage: guardpost agent --server URL [--enroll-token TOKEN] [--state-dir DIR] [--name HOST] [family options]

Runs the Guardpost agent on this host. The first run enrolls with the token (also read from
GUARDPOST_ENROLL_TOKEN) and keeps the agent identity in DIR/agent.json (mode 0600); later runs reuse it.
One agent process per DIR: while one runs (DIR/agent.lock), another refuses to start (exit code 4).
At start, the system packages its engines need (clamav-daemon and clamav for antivirus, tcpdump for capture) are
installed with apt-get when missing, if the agent runs as root and GUARDPOST_NO_INSTALL is not 1; otherwise it
prints what to install, and the engine is reported unavailable with that reason.
Family options: ${agentOptions.all.map((o) => `--${o.flag} (${o.env}): ${o.description}`).join('\n')}`;

export async function agentCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      help: { type: 'boolean', short: 'h' },
      server: { type: 'string' },
      'enroll-token': { type: 'string' },
      'state-dir': { type: 'string' },
      name: { type: 'string' },
      ...Object.fromEntries(agentOptions.all.map((o) => [o.flag, { type: 'string' as const }])),
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const server = values.server ?? process.env.GUARDPOST_SERVER;
  if (!server || !/^https?:\/\/[^\s/]+(\/.*)?$/.test(server)) {
    console.error(`guardpost agent: --server must be the server's http(s) URL\n\n${HELP}`);
    return 2;
  }
  const familyOptions = readAgentOptions(values, process.env, false);
  if (typeof familyOptions === 'string') {
    console.error(`guardpost agent: ${familyOptions}`);
    return 2;
  }
  await ensureEngineDeps(agentFamilies.all.flatMap((f) => f.requirements ?? []), familyOptions);
  const runtime = new AgentRuntime({
    server,
    stateDir: path.resolve(values['state-dir'] ?? process.env.GUARDPOST_AGENT_STATE_DIR ?? './.guardpost-agent'),
    enrollmentToken: values['enroll-token'] ?? process.env.GUARDPOST_ENROLL_TOKEN,
    hostName: values.name,
    familyOptions,
  });
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    void runtime.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await runtime.run();
    await runtime.stop();
    return 0;
  } catch (error) {
    if (error instanceof AgentRevokedError) {
      console.error(`guardpost agent: ${error.message}`);
      return 3;
    }
    if (error instanceof StateDirLockedError) {
      console.error(`guardpost agent: ${error.message}`);
      return 4;
    }
    throw error;
  }
}
