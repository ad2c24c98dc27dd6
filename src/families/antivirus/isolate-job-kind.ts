import { Type, type Static } from 'typebox';
import { defineJobKind } from '../../core/job-kind.js';
import { MAX_DIR_LENGTH } from './domain.js';

/**
 * The `av-isolate` job: isolates one detected file into the host's quarantine vault (checking it still has the
 * scanned SHA-256 and killing the processes running it), or restores it from the vault by its reference.
 */
export const avIsolateJobKind = defineJobKind({
  name: 'av-isolate',
  version: 1,
  runsOn: 'agent',
  payload: Type.Object({
    operation: Type.Union([Type.Literal('isolate'), Type.Literal('restore')]),
    path: Type.String({ minLength: 1, maxLength: MAX_DIR_LENGTH * 2, pattern: '^/' }),
    /** The file's SHA-256 at the scan (isolate refuses a file that changed since). */
    sha256: Type.String({ minLength: 64, maxLength: 64, pattern: '^[0-9a-fA-F]{64}$' }),
    /** For restore: what isolate returned. */
    vault_ref: Type.Optional(Type.String({ minLength: 32, maxLength: 32, pattern: '^[0-9a-f]{32}$' })),
  }, { additionalProperties: false }),
  result: Type.Object({
    vault_ref: Type.String({ maxLength: 32 }),
    killed_pids: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100_000 }),
  }, { additionalProperties: false }),
  capability: Type.Object({ vault: Type.Literal('aes-256-gcm') }, { additionalProperties: false }),
});

export type AvIsolatePayload = Static<typeof avIsolateJobKind.payload>;
export type AvIsolateResult = Static<typeof avIsolateJobKind.result>;
