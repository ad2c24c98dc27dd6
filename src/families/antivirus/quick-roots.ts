import { hostQuickScanRoots } from '../../engines/antivirus/index.js';
import type { AgentOptionValues } from '../../agent/handlers/handler.js';
import { parseDirList } from './domain.js';

/**
 * Where this agent's quick scans look: `--av-quick-roots` (`;`-separated absolute directories) replaces the engine's
 * list (temp dirs, homes, autostart dirs, local binaries, web roots, running executables) when given.
 */

export const QUICK_ROOTS_FLAG = 'av-quick-roots';

export function validateQuickRoots(value: string): string | null {
  const parsed = parseDirList(`--${QUICK_ROOTS_FLAG}`, value);
  return 'problem' in parsed ? parsed.problem : null;
}

export async function quickRootsFor(options: AgentOptionValues): Promise<string[]> {
  const parsed = parseDirList(`--${QUICK_ROOTS_FLAG}`, options[QUICK_ROOTS_FLAG] ?? '');
  return 'dirs' in parsed && parsed.dirs.length > 0 ? parsed.dirs : hostQuickScanRoots();
}
