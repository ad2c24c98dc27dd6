import type { LoginLimits } from '../config.js';
import type { LoginFailureStore } from '../store/login-failure-store.js';

export interface LoginSubject {
  /** The domain as resolved (its id) or as given when it does not exist, and the user name. */
  domain: string;
  userName: string;
  clientAddress: string;
}

/**
 * Failed-password limits over a sliding window, per user and per client address, counted in the shared store so
 * every replica enforces the same budget. While a key is over its limit, logins for it are refused before any
 * hashing; the block lifts as the oldest failure in the window ages out, so nobody is locked out for longer than
 * the window by failures that stopped.
 */
export class LoginLimiter {
  constructor(private readonly failures: LoginFailureStore, private readonly limits: LoginLimits) {}

  private keys(subject: LoginSubject) {
    return { user: `user:${subject.domain}/${subject.userName}`, address: `addr:${subject.clientAddress}` };
  }

  /** Seconds until a login for `subject` may be tried again, or null when it may be tried now. */
  async retryAfterSeconds(subject: LoginSubject, now = Date.now()): Promise<number | null> {
    const windowMs = this.limits.windowSeconds * 1000;
    const keys = this.keys(subject);
    const recent = await this.failures.recent([keys.user, keys.address], now - windowMs);
    let blockedUntil = 0;
    for (const [key, max] of [[keys.user, this.limits.maxFailuresPerUser], [keys.address, this.limits.maxFailuresPerAddress]] as const) {
      const seen = recent.get(key);
      if (seen && seen.count >= max) blockedUntil = Math.max(blockedUntil, seen.oldest + windowMs);
    }
    return blockedUntil > now ? Math.max(1, Math.ceil((blockedUntil - now) / 1000)) : null;
  }

  async recordFailure(subject: LoginSubject, now = Date.now()): Promise<void> {
    const keys = this.keys(subject);
    await this.failures.record([keys.user, keys.address], now);
  }

  /** A correct password clears the user's own failures (typos before it); the address keeps its count. */
  async recordSuccess(subject: LoginSubject): Promise<void> {
    await this.failures.clear(this.keys(subject).user);
  }

  async purge(now = Date.now()): Promise<void> {
    await this.failures.purgeBefore(now - this.limits.windowSeconds * 1000);
  }
}
