import { sql, type Kysely } from 'kysely';
import { pendingMigrations, type MigrationSet } from './database.js';
import { JOB_STATES, type JobState } from '../core/job-states.js';
import type { Database } from './schema.js';


/** The few read-only queries readiness checks and metrics need; none of them is on a request path. */
export class OpsStore {
  constructor(private readonly db: Kysely<Database>, private readonly migrations: MigrationSet) {}

  /** Throws when the database cannot answer a trivial query. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Names of migrations this build has that the database has not applied (empty when up to date). */
  pendingMigrations(): Promise<string[]> {
    return pendingMigrations(this.db, this.migrations);
  }

  /** Enrolled, unrevoked agents seen within `offlineMs` (the same rule the host and firewall lists use). */
  async agentsOnline(offlineMs: number, now = Date.now()): Promise<number> {
    const row = await this.db.selectFrom('agents').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('revoked_at', 'is', null).where('last_seen_at', '>=', now - offlineMs).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Job counts for every state, zeros included. */
  async jobsByState(): Promise<Record<JobState, number>> {
    const rows = await this.db.selectFrom('jobs').select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state').execute();
    const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }
}
