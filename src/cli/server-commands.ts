import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, type GuardpostConfig } from '../config.js';
import { startServer, type RunningServer } from '../server/server.js';

const binPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/guardpost.js');

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

/** Keeps the local agent process running next to the server; restarts it with backoff if it dies. */
class LocalAgentSupervisor {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restarts = 0;

  constructor(private readonly server: RunningServer, private readonly config: GuardpostConfig, private readonly interfaces: string) {}

  private get stateDir(): string {
    return path.join(this.config.home, 'agent');
  }

  async start(): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.GUARDPOST_ENROLL_TOKEN;
    if (!fs.existsSync(path.join(this.stateDir, 'agent.json'))) {
      const projectId = this.server.credentials?.project_id
        ?? (await this.server.ctx.store.db.selectFrom('projects').select('id').orderBy('created_at').executeTakeFirstOrThrow()).id;
      const { token } = await this.server.ctx.agents.createEnrollmentToken({
        projectId, description: 'local agent of guardpost start', ttlMs: 10 * 60_000, maxUses: 1,
      });
      env.GUARDPOST_ENROLL_TOKEN = token; // by environment, never argv: argv is visible to every user
    }
    const child = spawn(process.execPath, [binPath, 'agent', '--server', this.server.endpoint, '--state-dir', this.stateDir,
      '--interfaces', this.interfaces], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    this.child = child;
    child.once('exit', (code, signal) => {
      this.child = null;
      if (this.stopping) return;
      if (code === 3) {
        console.error('guardpost: the local agent was revoked; not restarting it (remove $GUARDPOST_HOME/agent to enroll again)');
        return;
      }
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(this.restarts++, 5));
      console.error(`guardpost: local agent exited (${code ?? signal}); restarting in ${delay / 1000} s`);
      setTimeout(() => { if (!this.stopping) void this.start().catch((e: Error) => console.error(`guardpost: ${e.message}`)); }, delay).unref();
    });
  }

  async stop(graceMs = 25_000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

export async function startCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      help: { type: 'boolean', short: 'h' },
      interfaces: { type: 'string', default: process.env.GUARDPOST_CAPTURE_INTERFACES || 'any,lo' },
    },
  });
  if (values.help) {
    console.log('usage: guardpost start [--interfaces any,lo]\n\nStarts the server and one local agent (a child process speaking the agent protocol\n' +
      'over loopback). First start creates $GUARDPOST_HOME/credentials.json (mode 0600).\nEnvironment: as for "guardpost serve", plus GUARDPOST_ADMIN_PASSWORD (first start only).');
    return 0;
  }
  const config = loadConfig();
  const signal = shutdownSignal();
  const server = await runServer(config);
  const agent = new LocalAgentSupervisor(server, config, values.interfaces as string);
  await agent.start();
  console.log('guardpost: local agent started; press Ctrl-C to stop');
  await signal;
  console.log('guardpost: stopping');
  await agent.stop();
  await server.close();
  return 0;
}
