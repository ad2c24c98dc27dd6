/**
 * The clamd wire protocol, without sockets: commands are sent `z`-prefixed (NUL-terminated), replies
 * end with a NUL. INSTREAM data goes as chunks, each a 4-byte big-endian length then the bytes, and a
 * zero-length chunk ends the stream.
 */

export type ScanReply =
  | { kind: 'clean' }
  | { kind: 'found'; signature: string }
  /** The stream was longer than clamd's StreamMaxLength: clamd read only part of it. */
  | { kind: 'size-limit'; message: string }
  | { kind: 'error'; message: string };

export const END_OF_STREAM = Buffer.alloc(4);

export function commandBytes(command: string): Buffer {
  if (!/^[A-Z]+$/.test(command)) throw new Error(`not a clamd command: ${command}`);
  return Buffer.from(`z${command}\0`, 'latin1');
}

/**
 * `zSCAN /proc/<pid>/fd/<n>\0`: clamd opens the file the agent already holds open through its /proc magic link
 * (the very inode that was opened with O_NOFOLLOW and checked with fstat, not the path again). Nothing but such a
 * descriptor link is ever sent as a path.
 */
export function descriptorScanBytes(pid: number, fd: number): Buffer {
  if (!Number.isSafeInteger(pid) || pid <= 0 || !Number.isSafeInteger(fd) || fd < 0) throw new Error(`not a descriptor: ${pid}/${fd}`);
  return Buffer.from(`zSCAN ${descriptorLink(pid, fd)}\0`, 'latin1');
}

export function descriptorLink(pid: number, fd: number): string {
  return `/proc/${pid}/fd/${fd}`;
}

export function chunkHeader(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length, 0);
  return header;
}

/** A reply's text without the NUL terminator and without an IDSESSION request number ("3: "). */
export function replyText(raw: string): string {
  return raw.replace(/\0+$/, '').replace(/^\d+: /, '').trim();
}

/** Parses a reply to INSTREAM/SCAN: `stream: OK`, `stream: NAME FOUND`, `… ERROR`. */
export function parseScanReply(raw: string): ScanReply {
  const text = replyText(raw);
  if (/size limit exceeded/i.test(text)) return { kind: 'size-limit', message: text };
  if (text.endsWith(' ERROR')) return { kind: 'error', message: text.slice(0, -' ERROR'.length).trim() };
  const found = /^(?:.*?: )?(.+) FOUND$/.exec(text);
  if (found) return { kind: 'found', signature: (found[1] as string).trim() };
  if (/^(?:.*?: )?OK$/.test(text)) return { kind: 'clean' };
  return { kind: 'error', message: `unexpected clamd reply: ${text.slice(0, 200)}` };
}
