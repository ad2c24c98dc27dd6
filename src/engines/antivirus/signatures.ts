import { spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoundedText } from '../capture/tool-output.js';

/**
 * The signature database clamd is started on: Guardpost's own signatures (shipped in the repository,
 * validated with clamscan first) plus the official ClamAV database when the host has one. Both are
 * staged into one private directory, the only DatabaseDirectory clamd accepts.
 */

export const OFFICIAL_DATABASE_DIR = '/var/lib/clamav';

/** Extensions libclamav loads from a database directory (cli_loaddbdir), signed containers first. */
const DATABASE_EXTENSIONS = new Set([
  '.cvd', '.cld', '.cud', '.hdb', '.hsb', '.hdu', '.hsu', '.mdb', '.msb', '.mdu', '.msu', '.ndb', '.ndu', '.ldb',
  '.ldu', '.idb', '.cdb', '.crb', '.cat', '.fp', '.sfp', '.ign', '.ign2', '.pdb', '.gdb', '.wdb', '.cbc', '.ftm',
  '.cfg', '.info', '.yar', '.yara', '.pwdb', '.imp',
]);

/** Guardpost's signature directory: `signatures/antivirus/` at the repository root (from src/ or dist/src/). */
export function guardpostSignatureDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'signatures', 'antivirus');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../signatures/antivirus');
}

export function isDatabaseFile(name: string): boolean {
  return DATABASE_EXTENSIONS.has(path.extname(name).toLowerCase()) && !name.startsWith('.');
}

/** Database files directly in `dir` (regular files only; a missing directory has none). */
export async function listDatabaseFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isFile() && isDatabaseFile(e.name)).map((e) => e.name).sort();
}

export type ValidationResult = { ok: true } | { ok: false; reason: string };

/** Warnings that mean signatures were dropped although clamscan exits 0 (a bad YARA rule is skipped). */
const DROPPED_RE = /failed to parse or load|empty database file|Malformed|Can't load/i;

/**
 * Loads every database file in `dir` with clamscan (libclamav's own parser, as clamd uses it) and scans
 * one empty file. Any load error, or a warning that rules were skipped, refuses the directory.
 */
export async function validateSignatureDir(dir: string, clamscanPath: string, scratchDir: string, timeoutMs = 120_000): Promise<ValidationResult> {
  const empty = path.join(scratchDir, 'validate-empty');
  await fsp.writeFile(empty, '');
  const out = new BoundedText();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(clamscanPath, ['--no-summary', '--stdout', `--database=${dir}`, empty], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (t: string) => out.add(t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => out.add(t));
    child.once('error', (err) => {
      out.add(`cannot run ${clamscanPath}: ${err.message}`);
      clearTimeout(timer);
      resolve(null);
    });
    child.once('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  await fsp.rm(empty, { force: true });
  const text = out.toString().trim();
  const problems = text.split('\n').filter((line) => /LibClamAV Error|^ERROR/.test(line) || DROPPED_RE.test(line));
  if (code === 0 && problems.length === 0) return { ok: true };
  const why = problems.length > 0 ? problems.join('; ') : text || `clamscan exited with ${code}`;
  return { ok: false, reason: why.replaceAll(dir + '/', '').slice(0, 2000) };
}

export interface StageOptions {
  /** Guardpost's signatures (default: the repository's signatures/antivirus). */
  guardpostDir: string;
  /** The official database (default /var/lib/clamav); null leaves it out. */
  officialDir: string | null;
  /** Private directory the staged database is built in (replaced on every staging). */
  stagingDir: string;
  clamscanPath: string;
}

export type StageResult =
  | { ok: true; databaseDir: string; guardpostFiles: string[]; officialFiles: string[] }
  | { ok: false; reason: string };

/**
 * Builds `stagingDir/db`: copies of Guardpost's signature files (validated as copied) and symlinks to
 * the official database files (freshclam replaces them by rename, so the links follow its updates).
 */
export async function stageDatabase(opts: StageOptions): Promise<StageResult> {
  const next = path.join(opts.stagingDir, 'db-next');
  const databaseDir = path.join(opts.stagingDir, 'db');
  await fsp.rm(next, { recursive: true, force: true });
  await fsp.mkdir(next, { recursive: true, mode: 0o700 });
  const guardpostFiles = await listDatabaseFiles(opts.guardpostDir);
  for (const name of guardpostFiles) await fsp.copyFile(path.join(opts.guardpostDir, name), path.join(next, name));
  if (guardpostFiles.length > 0) {
    const check = await validateSignatureDir(next, opts.clamscanPath, opts.stagingDir);
    if (!check.ok) {
      await fsp.rm(next, { recursive: true, force: true });
      return { ok: false, reason: `Guardpost signatures in ${opts.guardpostDir} refused by clamscan: ${check.reason}` };
    }
  }
  const officialFiles = opts.officialDir ? (await listDatabaseFiles(opts.officialDir)).filter((n) => !guardpostFiles.includes(n)) : [];
  for (const name of officialFiles) await fsp.symlink(path.join(opts.officialDir as string, name), path.join(next, name));
  if (guardpostFiles.length + officialFiles.length === 0) {
    await fsp.rm(next, { recursive: true, force: true });
    const official = opts.officialDir ? `${opts.officialDir} holds no ClamAV database (run freshclam)` : 'the official database is not used';
    return { ok: false, reason: `no signature database: ${official} and ${opts.guardpostDir} has no signature files` };
  }
  await fsp.rm(databaseDir, { recursive: true, force: true });
  await fsp.rename(next, databaseDir);
  return { ok: true, databaseDir, guardpostFiles, officialFiles };
}
