import fs from 'node:fs';
import path from 'node:path';
import { cleanBytes, cleanTree, eicar, guardpostMarker, put, SIG_EICAR, SIG_MARKER } from '../engines/antivirus/av-helpers.js';

/**
 * Trees and process helpers of the antivirus HTTP end-to-end test (not a test file). Markers are assembled at run
 * time (av-helpers); every count the API must return is known here in advance.
 */

export interface Tree { root: string; files: number; detections: Map<string, string> }

/** Thousands of small clean files and some larger ones (enough work to watch the counters move), two markers. */
export function bigTree(root: string, small = 12_000, large = 120): Tree {
  cleanTree(root, 'small', 60, small / 60);
  for (let i = 0; i < large; i++) put(root, `large/l${i}.bin`, cleanBytes(50_000 + i, 256 * 1024));
  const detections = new Map<string, string>([
    [put(root, 'web/shell.php', Buffer.concat([Buffer.from('<?php\n'), eicar()])), SIG_EICAR],
    [put(root, 'home/notes.txt', Buffer.concat([cleanBytes(7, 2000), guardpostMarker()])), SIG_MARKER],
  ]);
  return { root, files: small + large + 2, detections };
}

/** A few files, each detected: `name → contents` (distinct bytes, so distinct hashes). */
export function markerTree(root: string, names: readonly string[]): Tree {
  const detections = new Map<string, string>();
  names.forEach((name, i) => detections.set(put(root, name, Buffer.concat([cleanBytes(900 + i, 100 + i), Buffer.from('\n'), eicar()])), SIG_EICAR));
  put(root, 'clean.txt', cleanBytes(1, 300));
  return { root, files: names.length + 1, detections };
}

/** PIDs of clamd processes whose command line names `dir` (the agent's private clamd work dir). */
export function clamdPidsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (path.basename(argv[0] ?? '') === 'clamd' && argv.some((a) => a.includes(dir))) pids.push(Number(pid));
    } catch {
      // gone
    }
  }
  return pids;
}

export function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
