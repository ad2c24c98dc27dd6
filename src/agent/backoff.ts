/**
 * Reconnect delays with "full jitter": each wait is uniform in [0, min(cap, base·2^attempt)), so a fleet
 * that lost its server at the same moment does not come back in lockstep. `random` is injectable for tests.
 */
export interface BackoffOptions { baseMs?: number; capMs?: number; random?: () => number }

export function reconnectDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const cap = options.capMs ?? 30_000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(0, Math.floor(attempt)), 30));
  const r = Math.min(Math.max((options.random ?? Math.random)(), 0), 1);
  // At least a tenth of the base, so a failing server is never hammered in a tight loop.
  return Math.max(Math.floor(base / 10), Math.floor(r * ceiling));
}
