/**
 * Decodes the build information the Go linker embeds in binaries (what `go version -m` prints): a 32-byte
 * header starting `\xff Go buildinf:`, then, since Go 1.18 (flag bit 2), the toolchain version and the module
 * info as uvarint-length-prefixed strings. The older pointer format needs address translation and is refused.
 */
export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_BYTES = 32;
const FLAG_VERSION_INLINE = 0x2;
const MAX_STRING_BYTES = 16 * 1024 * 1024;

export interface GoModule {
  path: string;
  version: string;
}

export interface GoBuildInfo {
  goVersion: string;
  main: GoModule | null;
  deps: GoModule[];
}

export class UnsupportedBuildInfoError extends Error {}

/** Finds and decodes the build info; null when the bytes hold no buildinfo header. */
export function readGoBuildInfo(bytes: Buffer): GoBuildInfo | null {
  const at = findHeader(bytes);
  if (at < 0) return null;
  const flags = bytes[at + 15] ?? 0;
  if ((flags & FLAG_VERSION_INLINE) === 0) {
    throw new UnsupportedBuildInfoError('Go build info in the pre-1.18 pointer format is not supported');
  }
  const version = readVarString(bytes, at + HEADER_BYTES);
  const mod = readVarString(bytes, version.next);
  return { goVersion: version.value.toString('utf8'), ...parseModInfo(stripSentinels(mod.value).toString('utf8')) };
}

/**
 * The header sits 16-byte aligned and names a pointer size of 4 or 8; the same magic as a string constant
 * (binaries that link `debug/buildinfo` carry one) fails those checks.
 */
function findHeader(bytes: Buffer): number {
  for (let at = bytes.indexOf(BUILDINFO_MAGIC); at >= 0; at = bytes.indexOf(BUILDINFO_MAGIC, at + 1)) {
    const ptrSize = bytes[at + 14];
    if (at % 16 === 0 && (ptrSize === 4 || ptrSize === 8) && at + HEADER_BYTES <= bytes.length) return at;
  }
  return -1;
}

function readVarString(bytes: Buffer, offset: number): { value: Buffer; next: number } {
  let length = 0;
  let shift = 0;
  let pos = offset;
  for (;;) {
    const byte = bytes[pos++];
    if (byte === undefined || shift > 28) throw new Error('truncated Go build info');
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  if (length > MAX_STRING_BYTES || pos + length > bytes.length) throw new Error('Go build info string runs past the end of the file');
  return { value: bytes.subarray(pos, pos + length), next: pos + length };
}

/** The module info is framed by 16-byte sentinels when it is long enough (`debug/buildinfo`). */
function stripSentinels(mod: Buffer): Buffer {
  if (mod.length >= 33 && mod[mod.length - 17] === 0x0a) return mod.subarray(16, mod.length - 16);
  return mod;
}

/** `mod\tpath\tversion\tsum`, `dep\tpath\tversion\tsum`, and `=>\tpath\tversion\tsum` replacing the line before. */
export function parseModInfo(text: string): { main: GoModule | null; deps: GoModule[] } {
  let main: GoModule | null = null;
  const deps: GoModule[] = [];
  for (const line of text.split('\n')) {
    const [kind, path, version] = line.split('\t');
    if (!path || !version) continue;
    if (kind === 'mod') main = { path, version };
    else if (kind === 'dep') deps.push({ path, version });
    else if (kind === '=>' && deps.length > 0) deps[deps.length - 1] = { path, version };
  }
  return { main, deps };
}
