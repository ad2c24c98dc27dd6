import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { baseName, MiB, PackageCollector } from './common.js';
import { readGoBuildInfo, type GoModule } from './go-buildinfo.js';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const MIN_BINARY_BYTES = 1024;
/** Trees that hold no executables worth opening (documentation, headers, configuration, package data). */
const NOT_BINARIES = /^(?:etc|usr\/share|usr\/include|usr\/src|var\/lib\/(?:dpkg|rpm|apk)|var\/cache|var\/log|proc|sys|dev|tmp)\//;

/** Extensionless names that are text by convention: `LICENSE`, `PKG-INFO`, `Makefile`, `Dockerfile`, … */
const LIKELY_TEXT = /^(?:[A-Z0-9_-]+|[A-Z][a-z]*file)$/;

/**
 * Go binaries (ELF): the modules compiled in, from the embedded build info, plus the Go standard library
 * as package `stdlib` at the toolchain's version (as OSV lists Go stdlib advisories). Candidates are files
 * under a `bin`/`sbin` directory, or extensionless files outside data trees; non-ELF files yield nothing.
 */
/** `(devel)` main modules and replacements by a local directory (`=> ./internal/x`) name no release. */
function isReleased(mod: GoModule): boolean {
  return mod.version !== '(devel)' && !mod.path.startsWith('.') && !mod.path.startsWith('/');
}

export const goBinaryExtractor: Extractor = {
  name: 'go/binary',
  version: 1,
  maxFileBytes: 128 * MiB,
  fileRequired(file: FileInfo): boolean {
    if (NOT_BINARIES.test(file.path) || `/${file.path}`.includes('/node_modules/')) return false;
    const name = baseName(file.path);
    const inBinDir = /(?:^|\/)s?bin\/[^/]+$/.test(file.path);
    if (!inBinDir && (name.includes('.') || LIKELY_TEXT.test(name) || /\.(?:dist|egg)-info\//.test(file.path))) return false;
    return file.size() >= MIN_BINARY_BYTES;
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const bytes = await input.read();
    if (bytes.length < 4 || !bytes.subarray(0, 4).equals(ELF_MAGIC)) return [];
    let info;
    try {
      info = readGoBuildInfo(bytes);
    } catch (err) {
      throw new Error(`${input.path}: ${(err as Error).message}`);
    }
    if (!info) return [];
    const out = new PackageCollector('Go', this.name, input.path);
    const toolchain = /^go(\d+\.\d+)(\.\d+)?/.exec(info.goVersion);
    if (toolchain?.[1]) out.add('stdlib', `${toolchain[1]}${toolchain[2] ?? '.0'}`);
    for (const mod of info.main ? [info.main, ...info.deps] : info.deps) {
      if (isReleased(mod)) out.add(mod.path, mod.version.replace(/^v/, ''));
    }
    return out.packages;
  },
};
