import type { TaskStore } from '../store/task-store.js';

type Waiter = () => void;

/**
 * Wakes agents' long-polls when work appears for them. Jobs created by this process wake at once;
 * jobs created by another replica are found by one shared query per tick (not one per waiting agent).
 */
export class WorkNotifier {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly tasks: TaskStore, private readonly tickMs = 1000) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
  }

  /** Resolves when work for the agent may exist, or after `timeoutMs`, or when `signal` aborts. */
  wait(agentId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(agentId);
      if (!set) this.waiters.set(agentId, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(agentId) === set) this.waiters.delete(agentId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  notify(agentId: string): void {
    const set = this.waiters.get(agentId);
    if (set) for (const wake of [...set]) wake();
  }

  waitingCount(): number {
    return this.waiters.size;
  }

  private async tick(): Promise<void> {
    if (this.polling || this.waiters.size === 0) return;
    this.polling = true;
    try {
      for (const agentId of await this.tasks.agentsWithWork()) this.notify(agentId);
    } catch {
      // A failed poll is retried on the next tick; long-polls still end on their own timeout.
    } finally {
      this.polling = false;
    }
  }
}
