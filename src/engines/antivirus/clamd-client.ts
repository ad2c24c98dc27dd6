import net from 'node:net';
import { readAt } from './scan-files.js';
import { chunkHeader, commandBytes, descriptorScanBytes, END_OF_STREAM, parseScanReply, replyText, type ScanReply } from './clamd-protocol.js';

/** Talks to one clamd over its unix socket: PING, VERSION, INSTREAM and descriptor SCAN, each on its own connection. */

export interface ClamdClientOptions {
  socketPath: string;
  /** Most connections open at once; further requests wait their turn. */
  maxConnections?: number;
  /** Connect + PING/VERSION answer. */
  commandTimeoutMs?: number;
  /** No progress (write drained or reply received) for this long aborts a scan. */
  scanIdleTimeoutMs?: number;
  chunkBytes?: number;
}

/** The connection failed (clamd gone, restarting, timed out): the request may be retried. */
export class ClamdConnectionError extends Error {}

export interface FileScanReply {
  reply: ScanReply;
  /** Bytes clamd was given (streamed, or the file's size when clamd read the descriptor itself). */
  bytes: number;
}

const MAX_REPLY_BYTES = 64 * 1024;

export class ClamdClient {
  readonly socketPath: string;
  private readonly maxConnections: number;
  private readonly commandTimeoutMs: number;
  private readonly scanIdleTimeoutMs: number;
  private readonly chunkBytes: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(opts: ClamdClientOptions) {
    this.socketPath = opts.socketPath;
    this.maxConnections = Math.max(1, opts.maxConnections ?? 4);
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 5000;
    this.scanIdleTimeoutMs = opts.scanIdleTimeoutMs ?? 120_000;
    this.chunkBytes = Math.max(4096, opts.chunkBytes ?? 256 * 1024);
  }

  async ping(): Promise<boolean> {
    return (await this.simple('PING')) === 'PONG';
  }

  version(): Promise<string> {
    return this.simple('VERSION');
  }

  /** Asks clamd to reload its database directory (it keeps scanning with the old one meanwhile). */
  async reload(): Promise<void> {
    const answer = await this.simple('RELOAD');
    if (answer !== 'RELOADING') throw new ClamdConnectionError(`clamd refused RELOAD: ${answer}`);
  }

  /** Streams `size` bytes of an open file to clamd (INSTREAM) and returns its verdict. */
  async scanFile(fd: number, size: number, signal?: AbortSignal): Promise<FileScanReply> {
    return this.withSlot(() => this.instream(fd, size, signal));
  }

  /** Has clamd scan the file this process holds open as `fd` (descriptor SCAN, see clamd-protocol). */
  async scanDescriptor(fd: number, size: number): Promise<FileScanReply> {
    return this.withSlot(async () => {
      const conn = await this.connect(this.commandTimeoutMs);
      try {
        conn.socket.write(descriptorScanBytes(process.pid, fd));
        return { reply: parseScanReply(await conn.reply(this.scanIdleTimeoutMs)), bytes: size };
      } finally {
        conn.socket.destroy();
      }
    });
  }

  private async simple(command: string): Promise<string> {
    return this.withSlot(async () => {
      const conn = await this.connect(this.commandTimeoutMs);
      try {
        conn.socket.write(commandBytes(command));
        return replyText(await conn.reply(this.commandTimeoutMs));
      } finally {
        conn.socket.destroy();
      }
    });
  }

  private async instream(fd: number, size: number, signal?: AbortSignal): Promise<FileScanReply> {
    const conn = await this.connect(this.commandTimeoutMs);
    const onAbort = (): void => void conn.socket.destroy(new ClamdConnectionError('scan aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    let sent = 0;
    try {
      const replied = conn.reply(this.scanIdleTimeoutMs);
      replied.catch(() => undefined); // observed below; clamd may answer (size limit) before the end
      conn.socket.write(commandBytes('INSTREAM'));
      const buffer = Buffer.allocUnsafe(Math.min(this.chunkBytes, Math.max(size, 1)));
      while (sent < size && !conn.answered()) {
        const bytesRead = await readAt(fd, buffer, Math.min(buffer.length, size - sent), sent);
        if (bytesRead === 0) break; // the file shrank: scan what there is
        const chunk = buffer.subarray(0, bytesRead);
        sent += bytesRead;
        conn.socket.cork();
        conn.socket.write(chunkHeader(bytesRead));
        const flushed = conn.socket.write(Buffer.from(chunk));
        conn.socket.uncork();
        conn.touch();
        if (!flushed) await conn.drained(this.scanIdleTimeoutMs);
        conn.touch();
      }
      if (!conn.answered()) conn.socket.write(END_OF_STREAM);
      const reply = parseScanReply(await replied);
      return { reply, bytes: sent };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      conn.socket.destroy();
    }
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.active >= this.maxConnections) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private connect(timeoutMs: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ path: this.socketPath });
      const timer = setTimeout(() => socket.destroy(new ClamdConnectionError(`connecting to clamd timed out after ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(asConnectionError(err));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new Connection(socket));
      });
    });
  }
}

function asConnectionError(err: Error): ClamdConnectionError {
  if (err instanceof ClamdConnectionError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new ClamdConnectionError(`clamd connection failed: ${code ?? err.message}`);
}

/** One socket: collects the NUL-terminated reply, bounded in size and idle time. */
class Connection {
  private text = '';
  private done = false;
  private failure: Error | null = null;
  private readonly listeners: (() => void)[] = [];
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      this.text += data;
      if (this.text.includes('\0') || this.text.length > MAX_REPLY_BYTES) this.finish();
    });
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', (err) => {
      this.failure ??= asConnectionError(err);
      this.finish();
    });
  }

  /** Progress was made (a chunk was written): restarts the reply's idle timer. */
  touch(): void {
    this.idleTimer?.refresh();
  }

  answered(): boolean {
    return this.done;
  }

  reply(idleMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        const end = this.text.indexOf('\0');
        const text = end >= 0 ? this.text.slice(0, end) : this.text;
        if (text.trim() !== '') resolve(text);
        else reject(this.failure ?? new ClamdConnectionError('clamd closed the connection without an answer'));
      };
      const timer = setTimeout(() => this.socket.destroy(new ClamdConnectionError(`no answer from clamd within ${idleMs} ms`)), idleMs);
      this.idleTimer = timer;
      if (this.done) settle();
      else this.listeners.push(settle);
    });
  }

  drained(idleMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.done) {
        // A destroyed socket never drains: the reply (or the failure) is already in.
        if (this.failure && !this.text.includes('\0')) reject(this.failure);
        else resolve();
        return;
      }
      const timer = setTimeout(() => this.socket.destroy(new ClamdConnectionError(`clamd stopped reading for ${idleMs} ms`)), idleMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.socket.off('drain', finish);
        if (this.failure && !this.text.includes('\0')) reject(this.failure);
        else resolve();
      };
      this.socket.once('drain', finish);
      this.listeners.push(finish);
    });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
}
