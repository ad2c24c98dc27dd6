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
  /**
   * Blocks this process has already read from the store (key → blocked until, ms): while one lasts, a refused
   * login costs no query. Only ever shortens a lookup; the store stays the authority for new blocks.
   */
  private readonly knownBlocks = new Map<string, number>();
  private static readonly MAX_KNOWN_BLOCKS = 10_000;

  constructor(private readonly failures: LoginFailureStore, private readonly limits: LoginLimits) {}

  private keys(subject: LoginSubject) {
    return { user: `user:${subject.domain}/${subject.userName}`, address: `addr:${subject.clientAddress}` };
  }

  /** Seconds until a login for `subject` may be tried again, or null when it may be tried now. */
  async retryAfterSeconds(subject: LoginSubject, now = Date.now()): Promise<number | null> {
    const windowMs = this.limits.windowSeconds * 1000;
    const keys = this.keys(subject);
    const toSeconds = (until: number) => Math.max(1, Math.ceil((until - now) / 1000));
    const known = Math.max(this.knownBlocks.get(keys.user) ?? 0, this.knownBlocks.get(keys.address) ?? 0);
    if (known > now) return toSeconds(known);
    const recent = await this.failures.recent([keys.user, keys.address], now - windowMs);
    let blockedUntil = 0;
    for (const [key, max] of [[keys.user, this.limits.maxFailuresPerUser], [keys.address, this.limits.maxFailuresPerAddress]] as const) {
      const seen = recent.get(key);
      if (seen && seen.count >= max) {
        blockedUntil = Math.max(blockedUntil, seen.oldest + windowMs);
        this.remember(key, seen.oldest + windowMs, now);
      }
    }
    return blockedUntil > now ? toSeconds(blockedUntil) : null;
  }

  private remember(key: string, until: number, now: number): void {
    if (this.knownBlocks.size >= LoginLimiter.MAX_KNOWN_BLOCKS) {
      for (const [k, u] of this.knownBlocks) if (u <= now) this.knownBlocks.delete(k);
      // Still full of live blocks: forget the oldest entry (the store still has its failures).
      if (this.knownBlocks.size >= LoginLimiter.MAX_KNOWN_BLOCKS) this.knownBlocks.delete(this.knownBlocks.keys().next().value as string);
    }
    this.knownBlocks.set(key, until);
  }

  async recordFailure(subject: LoginSubject, now = Date.now()): Promise<void> {
    const keys = this.keys(subject);
    await this.failures.record([keys.user, keys.address], now);
  }

  /** A correct password clears the user's own failures (typos before it); the address keeps its count. */
  async recordSuccess(subject: LoginSubject): Promise<void> {
    const key = this.keys(subject).user;
    this.knownBlocks.delete(key);
    await this.failures.clear(key);
  }

  async purge(now = Date.now()): Promise<void> {
    await this.failures.purgeBefore(now - this.limits.windowSeconds * 1000);
  }
}
