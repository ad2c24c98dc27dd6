import path from 'node:path';
import { parseArgs } from 'node:util';
import { AgentRevokedError, AgentRuntime } from '../agent/runtime.js';
import { StateDirLockedError } from '../agent/state-lock.js';

const HELP = `usage: guardpost agent --server URL [--enroll-token TOKEN] [--state-dir DIR] [--name HOST] [--interfaces any,eth0]

Runs the Guardpost agent on this host. The first run enrolls with the token (also read from
GUARDPOST_ENROLL_TOKEN) and keeps the agent identity in DIR/agent.json (mode 0600); later runs reuse it.
One agent process per DIR: while one runs (DIR/agent.lock), another refuses to start (exit code 4).
--interfaces lists the interfaces this agent offers for packet capture (empty: no capture capability);
NETNS/IFACE names an interface inside a network namespace. The first one is the firewall's capture interface.`;

export async function agentCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      help: { type: 'boolean', short: 'h' },
      server: { type: 'string' },
      'enroll-token': { type: 'string' },
      'state-dir': { type: 'string' },
      name: { type: 'string' },
      interfaces: { type: 'string', default: process.env.GUARDPOST_CAPTURE_INTERFACES ?? '' },
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
  const interfaces = (values.interfaces as string).split(',').map((s) => s.trim()).filter(Boolean);
  if (interfaces.some((name) => !/^(?:[A-Za-z0-9_.-]{1,64}\/)?[A-Za-z0-9_.:@-]{1,32}$/.test(name))) {
    console.error('guardpost agent: --interfaces takes a comma-separated list of interface names (NETNS/IFACE for one inside a network namespace)');
    return 2;
  }
  const runtime = new AgentRuntime({
    server,
    stateDir: path.resolve(values['state-dir'] ?? process.env.GUARDPOST_AGENT_STATE_DIR ?? './.guardpost-agent'),
    enrollmentToken: values['enroll-token'] ?? process.env.GUARDPOST_ENROLL_TOKEN,
    hostName: values.name,
    captureInterfaces: interfaces,
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
