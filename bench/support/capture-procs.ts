import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

/**
 * Plain child processes for bench/capture.ts (the agent, UDP senders, UDP sinks): spawned with argv,
 * stdout read line by line, stderr tail kept for error messages. `stop` signals only this child's pid.
 * stdin stays a pipe, so children that watch it (senders) end when the bench dies.
 */
export interface BenchProc {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Resolves with the first stdout line matching `re` (lines seen before the call count too). */
  waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Writes one line to the child's stdin (ignored once it exited). */
  send(line: string): void;
  stderrTail(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`; resolves once the child has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const live = new Set<BenchProc>();

/** Children still running (for emergency cleanup on SIGINT / uncaught errors). */
export function runningProcs(): BenchProc[] {
  return [...live];
}

export function spawnProc(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): BenchProc {
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: failed to spawn ${command}`);
  const pid = child.pid;
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  const stderr: string[] = [];
  let stderrChars = 0;
  child.stdin?.on('error', () => undefined); // EPIPE after the child exited
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr.push(chunk);
    stderrChars += chunk.length;
    while (stderrChars > 16_384 && stderr.length > 1) stderrChars -= (stderr.shift() as string).length;
  });
  readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (lines.length < 1000) lines.push(line);
    for (const waiter of [...waiters]) waiter(line);
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(handle);
      resolve({ code, signal });
    });
    child.once('error', () => {
      done = true;
      live.delete(handle);
      resolve({ code: null, signal: null });
    });
  });

  const handle: BenchProc = {
    name, pid, process: child, exited,
    isRunning: () => !done,
    stderrTail: () => stderr.join('').slice(-4000),
    send(line: string) {
      if (!done && child.stdin?.writable) child.stdin.write(`${line}\n`);
    },
    waitForLine(re: RegExp, timeoutMs: number) {
      for (const line of lines) {
        const m = re.exec(line);
        if (m) return Promise.resolve(m);
      }
      return new Promise<RegExpMatchArray>((resolve, reject) => {
        const finish = (error: Error | null, m?: RegExpMatchArray) => {
          clearTimeout(timer);
          waiters.delete(onLine);
          if (error) reject(error);
          else resolve(m as RegExpMatchArray);
        };
        const onLine = (line: string) => {
          const m = re.exec(line);
          if (m) finish(null, m);
        };
        const timer = setTimeout(() => finish(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms\n${handle.stderrTail()}`)), timeoutMs);
        waiters.add(onLine);
        void exited.then(({ code, signal }) => {
          // Let a final line that arrived with the exit be seen first.
          setImmediate(() => finish(new Error(`${name}: exited (code ${code}, signal ${signal}) before printing ${re}\n${handle.stderrTail()}`)));
        });
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
      if (done) return;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), graceMs); });
      const outcome = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout' && !done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  live.add(handle);
  return handle;
}
