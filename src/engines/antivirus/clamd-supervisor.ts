import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { promises as fsp } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BoundedText } from '../capture/tool-output.js';
import { findExecutable } from '../capture/tools.js';
import { ClamdClient, type FileScanReply } from './clamd-client.js';
import { ClamdSessionPool } from './clamd-session.js';
import { buildClamdConfig, DEFAULT_LIMITS, type ClamdLimits } from './clamd-config.js';
import { endLeftoverClamd, forgetClamdPid, recordClamdPid } from './clamd-leftover.js';
import { descriptorScansWork } from './descriptor-probe.js';
import { guardpostSignatureDir, OFFICIAL_DATABASE_DIR, stageDatabase } from './signatures.js';

/**
 * Runs Guardpost's private clamd: stages the signature database, writes a generated config (unix socket
 * in a private 0700 directory, no TCP), starts `clamd` in the foreground, waits until it answers PING,
 * restarts it with backoff when it dies, and stops it by PID (recorded in `clamd.pid`, so that the next agent
 * of the work directory ends a clamd this one left behind when it was killed). With `existingSocket` it starts
 * nothing and only talks to that clamd. Files are scanned by descriptor when clamd can read them that way (see
 * descriptor-probe.ts; clamd then reads the open file itself with its own threads), else streamed (INSTREAM). When clamd cannot run (not installed, no usable database, refused
 * signatures, keeps dying) the supervisor is `unavailable` with a reason; it never pretends to scan.
 */

/**
 * Default private working directory. Debian's and Ubuntu's AppArmor profile for /usr/sbin/clamd lets it
 * read and write only below /var/lib/clamav and /tmp (besides its stock config and socket): a config,
 * socket or database anywhere else is denied on hosts that enforce the profile. Below /var/lib/clamav it
 * also survives tmp cleaners; freshclam ignores subdirectories.
 */
export const DEFAULT_CLAMD_WORK_DIR = '/var/lib/clamav/guardpost';

export interface ClamdSupervisorOptions {
  /**
   * Private working directory (created 0700): config, socket, staged database, clamd's temp files.
   * Default DEFAULT_CLAMD_WORK_DIR; keep it below /var/lib/clamav or /tmp (AppArmor, see there).
   */
  workDir?: string;
  /** Use this clamd instead of starting one. */
  existingSocket?: string;
  guardpostSignatureDir?: string;
  /** Default /var/lib/clamav; null leaves the official database out. */
  officialDatabaseDir?: string | null;
  limits?: Partial<ClamdLimits>;
  /** Connections the client opens at once for PING/VERSION and unpipelined scans (default: clamd's thread count). */
  maxConnections?: number;
  /**
   * IDSESSION connections that pipeline scans (default 8: clamd runs a descriptor SCAN of a session before reading its
   * next command, so parallelism comes from sessions; each with up to 4 files in flight); 0 scans each
   * file on a connection of its own and waits for the verdict.
   */
  sessions?: number;
  /**
   * Let clamd read each open file itself through `/proc/<agent pid>/fd/<n>` when a probe shows it can (default
   * true); false always streams the bytes (INSTREAM).
   */
  descriptorScans?: boolean;
  /** How long clamd may take to load its database and answer PING (default 180 s: the official database is large). */
  startTimeoutMs?: number;
  /** Restart backoff: first delay, doubled per quick death up to the maximum. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** Deaths within `restartWindowMs` after which the supervisor gives up (unavailable). */
  maxRestarts?: number;
  restartWindowMs?: number;
  clamdPath?: string;
  clamscanPath?: string;
  /** Scheduling niceness of clamd (default 10: scans yield the CPU to the host's own work). */
  niceness?: number;
  /** Start clamd through `ionice -c 2 -n 7` (lowest best-effort I/O priority) when ionice exists; default true. */
  lowIoPriority?: boolean;
}

export type SupervisorState = 'stopped' | 'starting' | 'ready' | 'restarting' | 'unavailable';

export class ClamdUnavailableError extends Error {
  override name = 'ClamdUnavailableError';
}

/** Signatures refused on a reload; clamd keeps the database it had. */
export class ClamdSignatureError extends Error {
  override name = 'ClamdSignatureError';
}

/** Largest file scanned by descriptor on a clamd this supervisor did not configure (ClamAV's MaxFileSize default is larger). */
const DESCRIPTOR_MAX_FOREIGN = 16 * 1024 * 1024;
const DEFAULT_SESSIONS = 8;

export class ClamdSupervisor extends EventEmitter {
  readonly limits: ClamdLimits;
  readonly socketPath: string;
  readonly client: ClamdClient;
  private readonly pool: ClamdSessionPool | null;
  private stateValue: SupervisorState = 'stopped';
  private reason: string | null = null;
  private child: ChildProcess | null = null;
  private output = new BoundedText();
  private deaths: number[] = [];
  private restartsDone = 0;
  private stopping = false;
  private starting: Promise<void> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly exitHook = (): void => void this.child?.kill('SIGKILL');
  private readonly workDir: string;
  private descriptors = false;

  constructor(private readonly opts: ClamdSupervisorOptions) {
    super();
    this.workDir = opts.workDir ?? DEFAULT_CLAMD_WORK_DIR;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.socketPath = opts.existingSocket ?? path.join(this.workDir, 'clamd.sock');
    this.client = new ClamdClient({ socketPath: this.socketPath, maxConnections: opts.maxConnections ?? this.limits.maxThreads });
    const sessions = opts.sessions ?? DEFAULT_SESSIONS;
    this.pool = sessions > 0 ? new ClamdSessionPool({ socketPath: this.socketPath, sessions }) : null;
  }

  get state(): SupervisorState {
    return this.stateValue;
  }

  /** Why clamd is unavailable (set in state `unavailable`). */
  get unavailableReason(): string | null {
    return this.reason;
  }

  /** PID of the clamd this supervisor started (null when none runs or an existing socket is used). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** StreamMaxLength of the clamd this supervisor started (unknown for an existing socket). */
  get maxFileSize(): number | undefined {
    return this.opts.existingSocket ? undefined : this.limits.maxFileSize;
  }

  /** How files reach clamd: `descriptor` (clamd reads the agent's open file) or `stream` (INSTREAM). */
  get scanMode(): 'descriptor' | 'stream' {
    return this.descriptors ? 'descriptor' : 'stream';
  }

  get restarts(): number {
    return this.restartsDone;
  }

  /** Starts clamd and resolves once it answers PING; rejects with ClamdUnavailableError and its reason. */
  async start(): Promise<void> {
    this.stopping = false;
    if (this.opts.existingSocket) {
      this.setState('starting');
      if (!(await this.pingUntil(Date.now() + (this.opts.startTimeoutMs ?? 10_000)))) {
        throw this.fail(`the configured clamd socket ${this.socketPath} does not answer PING`);
      }
      this.descriptors = this.opts.descriptorScans !== false && (await descriptorScansWork(this.client, tmpdir()));
      this.setState('ready');
      return;
    }
    this.starting ??= this.launch().finally(() => (this.starting = null));
    return this.starting;
  }

  /** Resolves when clamd is ready (waiting through a restart); rejects when unavailable, stopped or after `timeoutMs`. */
  async whenReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.stateValue !== 'ready') {
      if (this.stateValue === 'unavailable') throw new ClamdUnavailableError(this.reason ?? 'clamd is unavailable');
      if (this.stateValue === 'stopped') throw new ClamdUnavailableError('clamd is stopped');
      if (Date.now() >= deadline) throw new ClamdUnavailableError(`clamd was not ready within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /**
   * Scans an open file through this supervisor's clamd: by descriptor when possible (a clamd of someone else only up
   * to DESCRIPTOR_MAX_FOREIGN: its MaxFileSize is unknown and a file over it would be skipped as "OK", where INSTREAM
   * says "size limit exceeded"), streamed otherwise and whenever clamd could not read the descriptor.
   */
  async scanFile(fd: number, size: number, signal?: AbortSignal): Promise<FileScanReply> {
    if (this.descriptors && (!this.opts.existingSocket || size <= DESCRIPTOR_MAX_FOREIGN)) {
      const answer = this.pool ? await this.pool.scanDescriptor(fd, size, signal) : await this.client.scanDescriptor(fd, size);
      if (answer.reply.kind !== 'error') return answer;
    }
    return this.pool ? this.pool.scanFile(fd, size, signal) : this.client.scanFile(fd, size, signal);
  }

  /** Stops clamd (SIGTERM by PID, SIGKILL after `graceMs`). */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    this.pool?.close();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    }
    this.child = null;
    process.off('exit', this.exitHook);
    if (child?.pid !== undefined) await forgetClamdPid(this.workDir, child.pid).catch(() => undefined);
    if (!this.opts.existingSocket) await fsp.rm(this.socketPath, { force: true });
    if (this.stateValue !== 'unavailable') this.setState('stopped');
  }

  private async launch(): Promise<void> {
    this.setState('starting');
    const clamd = this.opts.clamdPath ?? findExecutable('clamd');
    const clamscan = this.opts.clamscanPath ?? findExecutable('clamscan');
    if (!clamd || !clamscan) {
      throw this.fail(`clamd is not installed (need ${[!clamd && 'clamd (clamav-daemon)', !clamscan && 'clamscan (clamav)'].filter(Boolean).join(' and ')})`);
    }
    await fsp.mkdir(this.workDir, { recursive: true, mode: 0o700 });
    await fsp.chmod(this.workDir, 0o700);
    await endLeftoverClamd(this.workDir, clamd);
    const staged = await this.stage(clamscan);
    if (!staged.ok) throw this.fail(staged.reason);
    const tempDir = path.join(this.workDir, 'tmp');
    await fsp.mkdir(tempDir, { recursive: true, mode: 0o700 });
    const configPath = path.join(this.workDir, 'clamd.conf');
    await fsp.writeFile(configPath, buildClamdConfig({ socketPath: this.socketPath, databaseDir: staged.databaseDir, tempDir, limits: this.limits }), { mode: 0o600 });
    await this.spawnUntilReady(clamd, configPath);
    this.descriptors = this.opts.descriptorScans !== false && (await descriptorScansWork(this.client, this.workDir));
  }

  /**
   * Re-stages the database (Guardpost's signatures validated again, the official files relinked) and
   * has clamd reload it. Refused signatures throw ClamdSignatureError and leave the loaded database as it was.
   */
  async reloadSignatures(): Promise<void> {
    if (this.opts.existingSocket) throw new Error('the signatures of an existing clamd are managed by whoever runs it');
    const clamscan = this.opts.clamscanPath ?? findExecutable('clamscan');
    if (!clamscan) throw new ClamdSignatureError('clamscan (clamav) is not installed: signatures cannot be validated');
    const staged = await this.stage(clamscan);
    if (!staged.ok) throw new ClamdSignatureError(staged.reason);
    await this.client.reload();
  }

  private stage(clamscan: string): ReturnType<typeof stageDatabase> {
    return stageDatabase({
      guardpostDir: this.opts.guardpostSignatureDir ?? guardpostSignatureDir(),
      officialDir: this.opts.officialDatabaseDir === undefined ? OFFICIAL_DATABASE_DIR : this.opts.officialDatabaseDir,
      stagingDir: this.workDir,
      clamscanPath: clamscan,
    });
  }

  private async spawnUntilReady(clamd: string, configPath: string): Promise<void> {
    if (this.stopping) throw new ClamdUnavailableError('clamd was stopped while starting');
    await fsp.rm(this.socketPath, { force: true });
    this.output = new BoundedText();
    // ionice execs clamd in place: the PID stays clamd's.
    const ionice = this.opts.lowIoPriority === false ? null : findExecutable('ionice');
    const argv = [...(ionice ? [ionice, '-c', '2', '-n', '7'] : []), clamd, `--config-file=${configPath}`];
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    this.child = child;
    process.once('exit', this.exitHook);
    if (child.pid !== undefined) {
      void recordClamdPid(this.workDir, child.pid).catch(() => undefined);
      try {
        setPriority(child.pid, this.opts.niceness ?? 10);
      } catch {
        // not permitted: clamd runs at the agent's priority
      }
    }
    child.stdout?.setEncoding('utf8').on('data', (t: string) => this.output.add(t));
    child.stderr?.setEncoding('utf8').on('data', (t: string) => this.output.add(t));
    let exited = false;
    child.once('error', (err) => this.output.add(`cannot start clamd: ${err.message}\n`));
    child.once('exit', (code, signal) => {
      exited = true;
      this.onExit(child, code, signal, clamd, configPath);
    });
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 180_000);
    while (!exited && !this.stopping) {
      if (await this.client.ping().catch(() => false)) {
        this.setState('ready');
        return;
      }
      if (Date.now() >= deadline) {
        child.kill('SIGKILL');
        throw this.fail(`clamd did not answer PING within ${this.opts.startTimeoutMs ?? 180_000} ms${this.outputNote()}`);
      }
      await sleep(100);
    }
    if (this.stopping) throw new ClamdUnavailableError('clamd was stopped while starting');
    throw this.fail(`clamd exited while starting${this.outputNote()}`);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, clamd: string, configPath: string): void {
    if (this.child === child) this.child = null;
    process.off('exit', this.exitHook);
    this.emit('exit', { code, signal });
    if (this.stopping || this.stateValue !== 'ready') return;
    const now = Date.now();
    const windowMs = this.opts.restartWindowMs ?? 60_000;
    this.deaths = [...this.deaths.filter((t) => now - t < windowMs), now];
    if (this.deaths.length > (this.opts.maxRestarts ?? 5)) {
      this.fail(`clamd died ${this.deaths.length} times within ${windowMs / 1000} s (last: ${signal ?? `exit code ${code}`})${this.outputNote()}`);
      return;
    }
    const base = this.opts.restartDelayMs ?? 250;
    const delay = Math.min(this.opts.maxRestartDelayMs ?? 10_000, base * 2 ** (this.deaths.length - 1));
    this.setState('restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.restartsDone++;
      this.spawnUntilReady(clamd, configPath)
        .then(() => this.emit('restarted', { pid: this.pid }))
        .catch(() => undefined); // the failure is in state/unavailableReason
    }, delay);
  }

  private async pingUntil(deadline: number): Promise<boolean> {
    while (Date.now() < deadline) {
      if (await this.client.ping().catch(() => false)) return true;
      await sleep(100);
    }
    return false;
  }

  private fail(reason: string): ClamdUnavailableError {
    this.reason = reason;
    this.setState('unavailable');
    return new ClamdUnavailableError(reason);
  }

  private outputNote(): string {
    const text = this.output.toString().trim().split('\n').slice(-8).join(' | ');
    return text ? `: ${text}` : '';
  }

  private setState(state: SupervisorState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.emit('state', state);
  }
}
