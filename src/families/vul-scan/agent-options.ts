import path from 'node:path';

/**
 * The vulnerability-scan options of `guardpost agent`: where the host's filesystem is (`--host-root`, e.g. `/host`
 * when the agent runs in a container with the host mounted) and where application packages are looked for
 * (`--app-roots`, directories relative to the host root; `/` = the whole root, minus the walker's skip list).
 */

export const DEFAULT_HOST_ROOT = '/';
export const DEFAULT_APP_ROOTS = '/';
export const MAX_APP_ROOTS = 64;

/** `--app-roots` as normalized absolute paths inside the host root (`/` = everywhere); null when one is not acceptable. */
export function parseAppRoots(value: string): string[] | null {
  const parts = (value.trim() === '' ? DEFAULT_APP_ROOTS : value).split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0 || parts.length > MAX_APP_ROOTS) return null;
  const roots: string[] = [];
  for (const part of parts) {
    if (part.includes('\u0000') || part.length > 4096) return null;
    if (part.split('/').includes('..')) return null;
    const normalized = path.posix.normalize(`/${part}`).replace(/\/+$/, '') || '/';
    if (!roots.includes(normalized)) roots.push(normalized);
  }
  return roots.includes('/') ? ['/'] : roots;
}

/** Whether a root-relative path (`opt/app/x`) lies under one of the app roots. */
export function underAppRoots(relative: string, roots: readonly string[]): boolean {
  return roots.some((root) => root === '/' || relative === root.slice(1) || relative.startsWith(`${root.slice(1)}/`));
}

export const MAX_WALK_SECONDS = 86_400;

/** `--vul-max-seconds`: a whole number of seconds (1–86400), or undefined for the engine's default; null when bad. */
export function parseMaxSeconds(value: string): number | undefined | null {
  if (value.trim() === '') return undefined;
  if (!/^\d{1,5}$/.test(value.trim())) return null;
  const seconds = Number(value.trim());
  return seconds >= 1 && seconds <= MAX_WALK_SECONDS ? seconds : null;
}
