import type { TaskStore } from '../store/task-store.js';

type Waiter = () => void;

/**
 * Knows which agents may have work, and wakes their long-polls when work appears.
 *
 * One shared query per tick (not one per check-in, not one per waiting agent) lists the agents that have
 * queued jobs or running jobs with a cancel request (`TaskStore.agentsWithWork`, the same conditions as
 * `TaskStore.agentWork`). Check-ins of agents outside that set skip their own query, so an idle fleet costs
 * the database one query per second per replica. Work created by this process shows at once when its
 * creator calls `notify`; work created by another replica shows within one tick.
 *
 * When the set is stale (not started, or the query keeps failing) `mayHaveWork` answers true, so callers
 * fall back to querying per check-in.
 */
export class WorkNotifier {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private withWork = new Set<string>();
  /** Agents notified while a refresh was in flight: kept, since that refresh's snapshot may predate them. */
  private notifiedDuringRefresh = new Set<string>();
  /** When the query behind `withWork` started (0: never succeeded). */
  private refreshedAt = 0;

  constructor(private readonly tasks: TaskStore, private readonly tickMs = 1000) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.refreshedAt = 0;
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
  }

  /** False only when the last refresh (at most ~3 ticks old) saw no work for the agent and nobody notified since. */
  mayHaveWork(agentId: string, now = Date.now()): boolean {
    if (now - this.refreshedAt > 3 * this.tickMs) return true;
    return this.withWork.has(agentId);
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

  /** Work for the agent was created or changed (call after the commit): marks it and wakes its long-polls. */
  notify(agentId: string): void {
    this.withWork.add(agentId);
    if (this.polling) this.notifiedDuringRefresh.add(agentId);
    this.wake(agentId);
  }

  waitingCount(): number {
    return this.waiters.size;
  }

  private wake(agentId: string): void {
    const set = this.waiters.get(agentId);
    if (set) for (const wake of [...set]) wake();
  }

  private async tick(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    this.notifiedDuringRefresh = new Set();
    const startedAt = Date.now();
    try {
      const agents = await this.tasks.agentsWithWork();
      for (const agentId of this.notifiedDuringRefresh) agents.add(agentId);
      this.withWork = agents;
      this.refreshedAt = startedAt;
      if (this.waiters.size > 0) for (const agentId of agents) this.wake(agentId);
    } catch {
      // A failed poll is retried on the next tick; meanwhile a stale set makes check-ins query for themselves.
    } finally {
      this.polling = false;
    }
  }
}
