import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import type { Credentials } from '../../src/identity/bootstrap.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { freshDatabase, type FreshDatabase } from './db.js';

/** The repository root (tests run from dist/test/…). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const guardpostBin = path.join(repoRoot, 'bin', 'guardpost.js');

export interface TestServer {
  server: RunningServer;
  endpoint: string;
  credentials: Credentials;
  db: FreshDatabase;
  close(): Promise<void>;
}

/** The real server (Fastify on a loopback port, real SQL store, real blob dir) inside the test process. */
export async function startTestServer(options: { env?: Record<string, string>; adminPassword?: string } = {}): Promise<TestServer> {
  const db = await freshDatabase();
  const env: NodeJS.ProcessEnv = {
    GUARDPOST_HOME: db.dir, GUARDPOST_LISTEN: '127.0.0.1:0',
    ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}), ...options.env,
  };
  const server = await startServer(loadConfig(env), { bootstrap: { adminPassword: options.adminPassword } });
  if (!server.credentials) throw new Error('a fresh server must bootstrap credentials');
  return {
    server, endpoint: server.endpoint, credentials: server.credentials, db,
    async close() {
      await server.close();
      await db.drop();
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface GuardpostProcess {
  child: ChildProcess;
  endpoint: string;
  output(): string;
  /** SIGTERM, then waits for exit (SIGKILL after `graceMs`); resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<number | string | null>;
}

/** Runs `guardpost <args>` as a real child process and waits until `readyPath` answers 200 (or `ready()` is true). */
export async function spawnGuardpost(args: string[], options: {
  env: Record<string, string>; endpoint?: string; readyPath?: string; ready?: () => boolean | Promise<boolean>; timeoutMs?: number;
}): Promise<GuardpostProcess> {
  const child = spawn(process.execPath, [guardpostBin, ...args], {
    env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-200_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const proc: GuardpostProcess = {
    child, endpoint: options.endpoint ?? '', output: () => output,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`guardpost ${args.join(' ')} exited early:\n${output}`);
    let ok = false;
    try {
      if (options.ready) ok = await options.ready();
      else if (options.endpoint) ok = (await fetch(`${options.endpoint}${options.readyPath ?? '/openapi.json'}`)).status === 200;
    } catch {
      ok = false;
    }
    if (ok) return proc;
    if (Date.now() > deadline) {
      await proc.stop(2000);
      throw new Error(`guardpost ${args.join(' ')} was not ready in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function readCredentials(home: string): Credentials {
  return JSON.parse(fs.readFileSync(path.join(home, 'credentials.json'), 'utf8')) as Credentials;
}
