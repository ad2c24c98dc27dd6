import fs from 'node:fs';
import path from 'node:path';
import { currentProcessIdentity, isProcessAlive, type ProcessIdentity } from './process-identity.js';

/**
 * One agent identity is held by one process at a time: the agent creates `<stateDir>/agent.lock`
 * atomically (O_EXCL) holding its PID, start time and server. A lock whose owner is gone is stale and
 * taken over; a live owner makes the second agent refuse to start.
 */

export interface LockOwner extends ProcessIdentity { server: string; acquired_at: number }

export class StateDirLockedError extends Error {
  constructor(public readonly stateDir: string, public readonly owner: LockOwner) {
    super(`another agent (pid ${owner.pid}) already runs with the state directory ${stateDir}; stop it first`);
    this.name = 'StateDirLockedError';
  }
}

const lockPath = (stateDir: string) => path.join(stateDir, 'agent.lock');

function readOwner(file: string): LockOwner | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (!Number.isInteger(parsed.pid)) return null;
    return {
      pid: parsed.pid as number, start_time: typeof parsed.start_time === 'string' ? parsed.start_time : null,
      server: typeof parsed.server === 'string' ? parsed.server : '', acquired_at: Number(parsed.acquired_at) || 0,
    };
  } catch {
    return null;
  }
}

/** The live process holding the state dir's lock, or null when nobody (alive) holds it. */
export function liveLockOwner(stateDir: string): LockOwner | null {
  const owner = readOwner(lockPath(stateDir));
  return owner && isProcessAlive(owner) ? owner : null;
}

export class StateLock {
  private released = false;

  private constructor(private readonly file: string, readonly owner: LockOwner) {}

  /** Takes the lock or throws StateDirLockedError while another live process holds it. */
  static acquire(stateDir: string, server: string): StateLock {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const file = lockPath(stateDir);
    const me: LockOwner = { ...currentProcessIdentity(), server, acquired_at: Date.now() };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx', 0o600);
        try {
          fs.writeSync(fd, `${JSON.stringify(me)}\n`);
        } finally {
          fs.closeSync(fd);
        }
        return new StateLock(file, me);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(file);
      if (owner && isProcessAlive(owner)) throw new StateDirLockedError(stateDir, owner);
      if (!owner) {
        // Possibly being written by another starter right now: give it a moment before calling it stale.
        const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
        if (age < 2000) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
          continue;
        }
      }
      // Stale: move it aside (atomic), and put it back if what moved was a fresh lock another starter just took.
      const aside = `${file}.stale.${process.pid}`;
      try {
        fs.renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readOwner(aside);
      if (moved && isProcessAlive(moved) && !fs.existsSync(file)) fs.renameSync(aside, file);
      else fs.rmSync(aside, { force: true });
    }
    throw new Error(`could not take the lock ${file}`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const owner = readOwner(this.file);
    if (owner && owner.pid === this.owner.pid && owner.acquired_at === this.owner.acquired_at) fs.rmSync(this.file, { force: true });
  }
}
