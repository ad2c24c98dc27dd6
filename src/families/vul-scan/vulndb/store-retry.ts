/**
 * Runs one advisory batch transaction again when it lost a race with another writer: two imports at once on
 * PostgreSQL (both saw an id missing → unique violation; crossed row locks → deadlock; serialization failure)
 * or a SQLite writer that held the lock longer than the busy timeout. The batch rolled back whole, and the
 * retry sees what the other writer committed, so retrying is safe.
 */

const RETRYABLE = new Set(['23505', '40P01', '40001', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT']);
const MAX_ATTEMPTS = 6;

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

export async function withStoreRetry<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      const code = codeOf(error);
      if (attempt >= MAX_ATTEMPTS || code === undefined || !RETRYABLE.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt * attempt + Math.random() * 50));
    }
  }
}
