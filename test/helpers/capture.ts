import type { Kysely } from 'kysely';
import { CaptureStore } from '../../src/families/capture/store.js';
import type { CaptureDatabase, CaptureTables } from '../../src/families/capture/tables.js';
import type { AppContext } from '../../src/server/context.js';

/** The capture family's store over a running server's database (stores are stateless: any instance sees the same rows). */
export function captureStoreOf(ctx: AppContext): CaptureStore {
  return new CaptureStore(ctx.store.db, ctx.store.dialect, ctx.artifacts);
}

/** The server's database with the capture tables typed, for tests that inspect or age rows directly. */
export function captureDb(ctx: AppContext): Kysely<CaptureDatabase> {
  return ctx.store.db.withTables<CaptureTables>();
}
