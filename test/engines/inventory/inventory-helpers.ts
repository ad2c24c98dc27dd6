import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Shared helpers for the inventory tests (not a test file itself). */

/** A fresh temp root; `cleanup` removes it. */
export function tempRoot(prefix = 'gp-inv-'): { root: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Writes `contents` at `<root>/<rel>`, creating the directories on the way. */
export function put(root: string, rel: string, contents: string | Buffer): string {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, contents);
  return file;
}

/** Runs a program (argv, no shell) with a time limit; returns stdout. */
export function run(argv: string[], timeoutMs = 60_000): string {
  return execFileSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}
