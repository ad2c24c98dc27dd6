import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

/** A server child process the bench started; `stop` signals only this pid. */
export interface ServerChild {
  name: string;
  pid: number;
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const liveChildren = new Set<ServerChild>();

/** Children still running (for emergency cleanup on SIGINT / uncaught errors). */
export function runningChildren(): ServerChild[] {
  return [...liveChildren];
}

/**
 * Starts `node <script>` with `env`, waits for its `READY <endpoint>` line (stdout), and returns a handle.
 * stdin stays a pipe: the child exits by itself when this process dies and the pipe closes.
 */
export async function startServerChild(name: string, script: string, env: NodeJS.ProcessEnv, options: {
  nodeArgs?: string[]; readyTimeoutMs?: number;
} = {}): Promise<ServerChild> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], {
    env, stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: failed to spawn ${script}`);
  const pid = child.pid;
  const stderrTail: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail.push(chunk);
    if (stderrTail.length > 50) stderrTail.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const handle: ServerChild = {
    name, pid, endpoint: '', process: child,
    async stop() {
      liveChildren.delete(handle);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  liveChildren.add(handle);

  const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
  try {
    handle.endpoint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no READY line within ${options.readyTimeoutMs ?? 60_000} ms`)),
        options.readyTimeoutMs ?? 60_000);
      lines.on('line', (line) => {
        const match = /^READY (\S+)$/.exec(line.trim());
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name}: exited before READY (code ${code}, signal ${signal})\n${stderrTail.join('')}`));
      });
    });
  } catch (error) {
    await handle.stop();
    throw error;
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  lines.on('line', () => undefined);
  return handle;
}

/** The environment for a bench child: this process's, less GUARDPOST_* and BENCH_* settings, plus `extra`. */
export function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GUARDPOST_') && !key.startsWith('BENCH_')) env[key] = value;
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}
