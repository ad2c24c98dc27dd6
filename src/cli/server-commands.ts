import fs from 'node:fs';
import { agentOptions } from '../families/agent.js';
import { agentOptionArgv, readAgentOptions } from './agent-options.js';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type GuardpostConfig } from '../config.js';
import { startServer, type RunningServer } from '../server/server.js';
import { LocalAgentSupervisor } from './local-agent.js';

/** Resolves on the first SIGINT/SIGTERM; a second one exits at once. */
function shutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    let seen = false;
    const handler = (signal: string) => {
      if (seen) process.exit(130);
      seen = true;
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

async function runServer(config: GuardpostConfig): Promise<RunningServer> {
  const server = await startServer(config, {
    logger: { level: config.logLevel },
    bootstrap: { adminPassword: process.env.GUARDPOST_ADMIN_PASSWORD || undefined },
  });
  const credentialsFile = path.join(config.home, 'credentials.json');
  console.log(`guardpost: server listening at ${server.endpoint} (${server.ctx.store.dialect}; home ${config.home})`);
  if (fs.existsSync(credentialsFile)) console.log(`guardpost: credentials (project, user, AK/SK) in ${credentialsFile}`);
  return server;
}

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('usage: guardpost serve\n\nEnvironment: GUARDPOST_HOME, GUARDPOST_LISTEN (127.0.0.1:8080), GUARDPOST_DATABASE_URL (postgres://…),\n' +
      'GUARDPOST_BLOB_DIR, GUARDPOST_MASTER_KEY (share between replicas), GUARDPOST_LOG_LEVEL.');
    return 0;
  }
  const server = await runServer(loadConfig());
  await shutdownSignal();
  await server.close();
  return 0;
}

export async function startCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(agentOptions.all.map((o) => [o.flag, { type: 'string' as const }])),
    },
  });
  if (values.help) {
    console.log('usage: guardpost start [family agent options, e.g. --interfaces any,lo]\n\nStarts the server and one local agent (a child process speaking the agent protocol\n' +
      'over loopback). First start creates $GUARDPOST_HOME/credentials.json (mode 0600).\nEnvironment: as for "guardpost serve", plus GUARDPOST_ADMIN_PASSWORD (first start only).');
    return 0;
  }
  const familyOptions = readAgentOptions(values, process.env, true);
  if (typeof familyOptions === 'string') {
    console.error(`guardpost start: ${familyOptions}`);
    return 2;
  }
  const config = loadConfig();
  const signal = shutdownSignal();
  const server = await runServer(config);
  const agent = new LocalAgentSupervisor(server, config, agentOptionArgv(familyOptions));
  await agent.start();
  console.log('guardpost: local agent started; press Ctrl-C to stop');
  await signal;
  console.log('guardpost: stopping');
  await agent.stop();
  await server.close();
  return 0;
}
