import { hashPassword, verifyPassword } from './secrets.js';

/** Thrown when more logins wait for a hashing slot than the queue holds: the caller answers 429 at once. */
export class HashQueueFullError extends Error {
  constructor() {
    super('too many logins are waiting for password verification');
  }
}

/**
 * scrypt with bounded concurrency: at most `concurrency` hashes run at once (each on a libuv pool thread, so
 * file and DNS work keeps threads of its own) and at most `queueLimit` wait; further calls fail fast.
 */
export class PasswordHasher {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly concurrency = 1, private readonly queueLimit = 32) {}

  hash(password: string): Promise<string> {
    return this.run(() => hashPassword(password));
  }

  verify(password: string, stored: string): Promise<boolean> {
    return this.run(() => verifyPassword(password, stored));
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queueLimit) throw new HashQueueFullError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), or release it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
