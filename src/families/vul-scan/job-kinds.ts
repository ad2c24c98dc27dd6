import { Type, type Static } from 'typebox';
import { defineJobKind } from '../../core/job-kind.js';

/**
 * The family's jobs. A host's scan is an agent job (`vul-inventory`: collect the inventory under the host
 * root and upload it as `inventory.json.gz`) followed by a server job (`vul-match`: store the inventory as
 * the host's latest and match it against the advisory store). An advisory import enqueues one server job
 * (`vul-rematch`) that re-matches every stored inventory of the ecosystems the import changed.
 */

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const SupportedType = Type.Union([Type.Literal('linux_vul'), Type.Literal('app_vul')]);

export const inventoryJobKind = defineJobKind({
  name: 'vul-inventory',
  version: 1,
  runsOn: 'agent',
  payload: Type.Object({
    scan_types: Type.Array(SupportedType, { minItems: 1, maxItems: 2, uniqueItems: true }),
  }, { additionalProperties: false }),
  result: Type.Object({
    packages: Count,
    os_ecosystem: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
    entries: Count,
    bytes_read: Count,
    unreadable: Count,
    truncated: Type.Boolean(),
    truncated_reason: Type.Optional(Type.String({ maxLength: 500 })),
    duration_ms: Count,
    extractor_errors: Count,
  }, { additionalProperties: false }),
  capability: Type.Object({
    host_root: Type.String({ minLength: 1, maxLength: 4096 }),
    app_roots: Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 64 }),
    /** Wall-time bound of one inventory walk (`--vul-max-seconds`); the engine's default when absent. */
    max_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  }, { additionalProperties: false }),
});

export const matchJobKind = defineJobKind({
  name: 'vul-match',
  version: 1,
  runsOn: 'server',
  payload: Type.Object({
    task_id: Type.String({ maxLength: 64 }),
    host_id: Type.String({ maxLength: 128 }),
    agent_id: Type.String({ maxLength: 64 }),
    inventory_job_id: Type.String({ maxLength: 64 }),
  }, { additionalProperties: false }),
  result: Type.Object({
    packages: Count,
    linux_findings: Count,
    app_findings: Count,
    advisories: Count,
  }, { additionalProperties: false }),
  capability: Type.Object({}, { additionalProperties: false }),
});

export const rematchJobKind = defineJobKind({
  name: 'vul-rematch',
  version: 1,
  runsOn: 'server',
  payload: Type.Object({ import_id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
  result: Type.Object({ hosts: Count, findings: Count, failed_hosts: Count }, { additionalProperties: false }),
  capability: Type.Object({}, { additionalProperties: false }),
});

export type InventoryJobResult = Static<typeof inventoryJobKind.result>;
export type InventoryCapability = Static<typeof inventoryJobKind.capability>;

export const VUL_SCAN_JOB_KINDS = [inventoryJobKind, matchJobKind, rematchJobKind];
