import path from 'node:path';

/**
 * The pay-per-scan API's `file_types`: 0 all, 1 executable, 2 archive, 3 script, 4 document, 5 image,
 * 6 audio/video. A file is classified by its extension, its mode (any execute bit makes it an
 * executable) and its first bytes (ELF / PE / Mach-O magic: executable; `#!`: script).
 */

export const FILE_TYPE_CODES = [0, 1, 2, 3, 4, 5, 6] as const;
export type FileTypeCode = (typeof FILE_TYPE_CODES)[number];

const BY_EXTENSION: Record<Exclude<FileTypeCode, 0>, readonly string[]> = {
  1: ['exe', 'dll', 'so', 'elf', 'bin', 'com', 'scr', 'sys', 'ko', 'o', 'a', 'dylib', 'msi', 'jar', 'class', 'apk', 'dex', 'deb', 'rpm'],
  2: ['zip', 'tar', 'gz', 'tgz', 'bz2', 'tbz2', 'xz', 'txz', 'zst', '7z', 'rar', 'cab', 'arj', 'lzh', 'iso', 'cpio', 'war', 'ear', 'lz', 'lzma'],
  3: ['sh', 'bash', 'zsh', 'ksh', 'csh', 'py', 'pl', 'pm', 'rb', 'php', 'phtml', 'php5', 'js', 'mjs', 'cjs', 'vbs', 'vbe', 'ps1', 'psm1', 'bat', 'cmd', 'lua', 'tcl', 'jsp', 'jspx', 'asp', 'aspx', 'cgi', 'awk'],
  4: ['pdf', 'doc', 'docx', 'docm', 'xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'pptm', 'rtf', 'odt', 'ods', 'odp', 'txt', 'csv', 'html', 'htm', 'xml', 'chm', 'one', 'eml', 'msg'],
  5: ['jpg', 'jpeg', 'png', 'gif', 'bmp', 'tif', 'tiff', 'ico', 'svg', 'webp', 'psd'],
  6: ['mp3', 'mp4', 'wav', 'avi', 'mkv', 'mov', 'flac', 'ogg', 'wmv', 'm4a', 'aac', 'webm', 'flv'],
};

const EXTENSION_TYPES = new Map<string, FileTypeCode>();
for (const [code, exts] of Object.entries(BY_EXTENSION)) for (const ext of exts) EXTENSION_TYPES.set(ext, Number(code) as FileTypeCode);

/** The bytes `fileTypeOf` looks at. */
export const MAGIC_BYTES = 4;

export function fileTypeOf(name: string, mode: number, head: Buffer): FileTypeCode | null {
  if (head.length >= 4 && (head.readUInt32BE(0) === 0x7f454c46 || [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(head.readUInt32BE(0)))) return 1;
  if (head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a) return 1;
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) return 3;
  const byExtension = EXTENSION_TYPES.get(path.extname(name).slice(1).toLowerCase());
  if (byExtension !== undefined) return byExtension;
  if ((mode & 0o111) !== 0) return 1;
  return null;
}

/** A filter for a `file_types` list; null when every file is wanted (empty list or one containing 0). */
export function fileTypeFilter(types: readonly number[] | undefined): ((name: string, mode: number, head: Buffer) => boolean) | null {
  if (!types || types.length === 0 || types.includes(0)) return null;
  for (const t of types) if (!FILE_TYPE_CODES.includes(t as FileTypeCode)) throw new Error(`unknown file type ${t} (0-6)`);
  const wanted = new Set(types);
  return (name, mode, head) => {
    const type = fileTypeOf(name, mode, head);
    return type !== null && wanted.has(type);
  };
}
