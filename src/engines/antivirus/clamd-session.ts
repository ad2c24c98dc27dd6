import net from 'node:net';
import { ClamdConnectionError, type FileScanReply } from './clamd-client.js';
import { readAt } from './scan-files.js';
import { chunkHeader, commandBytes, descriptorScanBytes, END_OF_STREAM, parseScanReply } from './clamd-protocol.js';

/**
 * Pipelined scans over clamd IDSESSION connections: each session sends one request after another (an INSTREAM
 * of the file's bytes, or a descriptor SCAN that lets clamd read the open file itself) without waiting for the
 * verdicts, which clamd returns as `N: …` (N = request number within the session) while its threads scan. This
 * removes the connect-and-wait round trip per file that dominates the cost of small files. Any failure of a session fails its pending requests with
 * ClamdConnectionError (the caller retries); a session clamd closed for idleness is replaced.
 */

export interface SessionPoolOptions {
  socketPath: string;
  /** Sessions open at once (default 2). */
  sessions?: number;
  /**
   * Files in flight per session: sent but not yet answered (default 4). Deep enough that clamd's threads never wait
   * for the agent's next request, which on a loaded host is often not scheduled at once.
   */
  inflightPerSession?: number;
  commandTimeoutMs?: number;
  /** No progress for this long (write drained, answer received) fails the session. */
  idleTimeoutMs?: number;
  chunkBytes?: number;
}

interface Pending {
  resolve: (text: string) => void;
  reject: (err: Error) => void;
}

const MAX_REPLY_BYTES = 64 * 1024;

class Session {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private buffered = '';
  private failure: ClamdConnectionError | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  private constructor(private readonly socket: net.Socket, idleMs: number) {
    this.timer = setTimeout(() => this.fail(new ClamdConnectionError(`clamd session made no progress for ${idleMs} ms`)), idleMs);
    this.timer.unref();
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => this.onData(data));
    socket.on('error', (err) => this.fail(new ClamdConnectionError(`clamd session failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    socket.on('close', () => this.fail(new ClamdConnectionError('clamd closed the session')));
  }

  static open(socketPath: string, timeoutMs: number, idleMs: number): Promise<Session> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ path: socketPath });
      const timer = setTimeout(() => socket.destroy(new ClamdConnectionError(`connecting to clamd timed out after ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof ClamdConnectionError ? err : new ClamdConnectionError(`clamd connection failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.write(commandBytes('IDSESSION'));
        resolve(new Session(socket, idleMs));
      });
    });
  }

  get alive(): boolean {
    return this.failure === null;
  }

  get inflight(): number {
    return this.pending.size;
  }

  /** Streams one file; resolves with clamd's verdict once it arrives. */
  async scan(fd: number, size: number, chunkBytes: number, signal?: AbortSignal): Promise<FileScanReply> {
    // Requests are numbered in the order clamd receives them, so each stream is written whole before the next.
    const written = this.writing.then(() => this.stream(fd, size, chunkBytes, signal));
    this.writing = written.then(() => undefined, () => undefined);
    const { answer, bytes } = await written;
    return { reply: parseScanReply(await answer), bytes };
  }

  /** Has clamd read the open file `fd` itself (descriptor SCAN); one small write, queued behind any stream. */
  async scanDescriptor(fd: number, size: number, signal?: AbortSignal): Promise<FileScanReply> {
    const written = this.writing.then(() => this.request(descriptorScanBytes(process.pid, fd), signal));
    this.writing = written.then(() => undefined, () => undefined);
    return { reply: parseScanReply(await (await written)), bytes: size };
  }

  close(): void {
    if (this.failure) return;
    this.socket.end(commandBytes('END'));
    this.fail(new ClamdConnectionError('session closed'));
  }

  /** Registers the next request number's waiter (before the request's first byte leaves) and returns its answer. */
  private expectAnswer(): Promise<string> {
    const id = ++this.nextId;
    const answer = new Promise<string>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    answer.catch(() => undefined); // observed by the caller; a failed request must not leave it unhandled
    return answer;
  }

  private async request(bytes: Buffer, signal?: AbortSignal): Promise<Promise<string>> {
    if (this.failure) throw this.failure;
    signal?.throwIfAborted();
    const answer = this.expectAnswer();
    if (!this.socket.write(bytes)) await this.drained();
    this.timer.refresh();
    return answer;
  }

  private async stream(fd: number, size: number, chunkBytes: number, signal?: AbortSignal): Promise<{ answer: Promise<string>; bytes: number }> {
    if (this.failure) throw this.failure;
    signal?.throwIfAborted();
    // Registered before the first byte leaves: clamd may answer before the stream ends (size limit).
    const answer = this.expectAnswer();
    let sent = 0;
    this.socket.write(commandBytes('INSTREAM'));
    try {
      while (sent < size) {
        if (this.failure) throw this.failure;
        const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, size - sent));
        const bytesRead = await readAt(fd, buffer, buffer.length, sent);
        if (bytesRead === 0) break; // the file shrank: scan what there is
        const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
        sent += bytesRead;
        this.socket.write(chunkHeader(bytesRead));
        if (!this.socket.write(chunk)) await this.drained();
        this.timer.refresh();
      }
    } catch (err) {
      // A half-written stream leaves the session unusable (clamd would read the next command as data).
      this.fail(err instanceof ClamdConnectionError ? err : new ClamdConnectionError('stream interrupted'));
      throw err;
    }
    if (this.failure) throw this.failure;
    this.socket.write(END_OF_STREAM);
    return { answer, bytes: sent };
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        if (this.failure) reject(this.failure);
        else resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private onData(data: string): void {
    this.buffered += data;
    this.timer.refresh();
    for (let end = this.buffered.indexOf('\0'); end >= 0; end = this.buffered.indexOf('\0')) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      const m = /^(\d+): (.*)$/s.exec(line);
      const waiter = m ? this.pending.get(Number(m[1])) : undefined;
      if (!m || !waiter) {
        this.fail(new ClamdConnectionError(`unexpected clamd session reply: ${line.slice(0, 200)}`));
        return;
      }
      this.pending.delete(Number(m[1]));
      waiter.resolve(m[2] as string);
    }
    if (this.buffered.length > MAX_REPLY_BYTES) this.fail(new ClamdConnectionError('clamd reply too long'));
  }

  private fail(err: ClamdConnectionError): void {
    if (this.failure) return;
    this.failure = err;
    clearTimeout(this.timer);
    this.socket.destroy();
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}

/** A few IDSESSION connections shared by all scanning workers; dead sessions are replaced on demand. */
export class ClamdSessionPool {
  private readonly sessions: (Session | null)[];
  private opening: (Promise<Session> | null)[];
  private readonly inflightLimit: number;
  private readonly waiting: (() => void)[] = [];
  private active = 0;

  constructor(private readonly opts: SessionPoolOptions) {
    const count = Math.max(1, opts.sessions ?? 2);
    this.sessions = Array.from({ length: count }, () => null);
    this.opening = Array.from({ length: count }, () => null);
    this.inflightLimit = Math.max(1, opts.inflightPerSession ?? 4);
  }

  async scanFile(fd: number, size: number, signal?: AbortSignal): Promise<FileScanReply> {
    return this.withSession((session) => session.scan(fd, size, this.opts.chunkBytes ?? 256 * 1024, signal));
  }

  /** Descriptor SCAN of `fd`, which this process keeps open until the verdict is in. */
  async scanDescriptor(fd: number, size: number, signal?: AbortSignal): Promise<FileScanReply> {
    return this.withSession((session) => session.scanDescriptor(fd, size, signal));
  }

  private async withSession(fn: (session: Session) => Promise<FileScanReply>): Promise<FileScanReply> {
    while (this.active >= this.sessions.length * this.inflightLimit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn(await this.pick());
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Ends every session (clamd is told END). */
  close(): void {
    for (const s of this.sessions) s?.close();
    this.sessions.fill(null);
  }

  private async pick(): Promise<Session> {
    let best = -1;
    for (let i = 0; i < this.sessions.length; i++) {
      const s = this.sessions[i];
      if (!s || !s.alive) return this.openAt(i);
      if (best < 0 || s.inflight < (this.sessions[best] as Session).inflight) best = i;
    }
    return this.sessions[best] as Session;
  }

  private openAt(i: number): Promise<Session> {
    let opening = this.opening[i];
    if (!opening) {
      opening = Session.open(this.opts.socketPath, this.opts.commandTimeoutMs ?? 5000, this.opts.idleTimeoutMs ?? 120_000).then(
        (s) => {
          this.sessions[i] = s;
          this.opening[i] = null;
          return s;
        },
        (err: unknown) => {
          this.opening[i] = null;
          throw err;
        },
      );
      this.opening[i] = opening;
    }
    return opening;
  }
}
