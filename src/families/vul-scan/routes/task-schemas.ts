import { Type } from 'typebox';
import { hssList, hssPaging } from '../../../api/common/paging.js';
import { EnterpriseProjectId, ProjectParams, StringEnum } from '../../../api/common/routes.js';
import { MAX_AGENTS_PER_REQUEST, SCAN_STATUSES, VUL_TYPES } from '../domain.js';
import { SCAN_PERIODS } from '../policy-store.js';

/**
 * HSS v5 scan-task and scan-policy schemas (api-surface §3.4), typed exactly as the Go SDK models decode them
 * (int32 counters, int64 ms times). Odd documented limits are widened where §6 item 13 says to be lenient.
 */

/** Epoch ms as the seed bounds the filters (13 digits). */
const MAX_MS = 9_999_999_999_999;
const Ms = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_MS, description });
const Int32 = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
const Int64 = Type.Integer({ minimum: 0 });

/** Guardpost task ids are 36-character UUIDs: the documented 32-character limit is widened to 64. */
const TaskIdValue = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' });
const VulTypeValue = StringEnum(VUL_TYPES);
const AgentId = Type.String({ minLength: 1, maxLength: 64 });
const HostId = Type.String({ minLength: 1, maxLength: 128 });

export const ScopeQuery = Type.Object({ enterprise_project_id: Type.Optional(EnterpriseProjectId) });
export const TaskParams = Type.Object({ ...ProjectParams.properties, task_id: TaskIdValue });
/** The lowercase `region` header many HSS operations declare: accepted and ignored (api-surface §6 item 14). */
export const RegionHeader = Type.Object({ region: Type.Optional(Type.String({ maxLength: 128 })) });

export const CreateScanBody = Type.Object({
  manual_scan_type: Type.Optional(Type.Array(VulTypeValue, { minItems: 1, maxItems: 200, description: 'Default: linux_vul and app_vul' })),
  batch_flag: Type.Optional(Type.Boolean({ description: 'Accepted; no effect in Guardpost' })),
  range_type: Type.Optional(StringEnum(['all_host', 'specific_host', ''], { description: 'Default: specific_host when agent_id_list is given, else all_host' })),
  agent_id_list: Type.Optional(Type.Array(AgentId, { minItems: 1, maxItems: MAX_AGENTS_PER_REQUEST, description: 'Agent IDs (not host IDs); only with specific_host' })),
  urgent_vul_id_list: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 200, description: 'Accepted; urgent_vul is not supported' })),
}, { additionalProperties: false });

export const CreateScanResponse = Type.Object({ task_id: Type.String() });

export const ListScanTasksQuery = Type.Object({
  ...ScopeQuery.properties,
  ...hssPaging({ minLimit: 0 }),
  scan_type: Type.Optional(StringEnum(['manual', 'schedule', ''])),
  task_id: Type.Optional(Type.String({ minLength: 0, maxLength: 64 })),
  min_start_time: Type.Optional(Ms('Minimum start time (epoch ms)')),
  max_start_time: Type.Optional(Ms('Maximum start time (epoch ms)')),
});

export const ScanTaskInfo = Type.Object({
  id: Type.String(),
  scan_type: Type.String(),
  start_time: Int64,
  end_time: Type.Optional(Type.Integer({ minimum: 0, description: 'Absent while the task runs' })),
  scan_vul_types: Type.Array(Type.String()),
  status: StringEnum(['running', 'finished']),
  scanning_host_num: Int32,
  success_host_num: Int32,
  failed_host_num: Int32,
  estimated_time: Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Minutes until the task is expected to finish; 0 when finished' }),
});
export const ListScanTasksResponse = hssList(ScanTaskInfo);

export const ListTaskHostsQuery = Type.Object({
  ...ScopeQuery.properties,
  ...hssPaging({ minLimit: 0 }),
  scan_status: Type.Optional(StringEnum([...SCAN_STATUSES, ''])),
});

const FailedReason = Type.Object({ vul_type: Type.String(), failed_reason: Type.String() });
const ScanVul = Type.Object({ vul_id: Type.String(), vul_name: Type.String(), status: Type.String(), failed_reason: Type.String() });
const ScanDetail = Type.Object({ vul_type: Type.String(), status: Type.String(), failed_reason: Type.String(), scan_vul_list: Type.Array(ScanVul) });

export const TaskHostInfo = Type.Object({
  host_id: Type.String(), host_name: Type.String(), public_ip: Type.String(), private_ip: Type.String(), asset_value: Type.String(),
  scan_status: StringEnum(SCAN_STATUSES),
  failed_reasons: Type.Array(FailedReason),
  vul_scan_details: Type.Array(ScanDetail),
  agent_id: Type.String({ description: 'Guardpost extra: the agent that scans the host' }),
});
export const ListTaskHostsResponse = hssList(TaskHostInfo);

export const RescanBody = Type.Object({
  range_type: StringEnum(['all_failed_host', 'specific_host']),
  host_ids: Type.Optional(Type.Array(HostId, { minItems: 1, maxItems: 1000, description: 'Host IDs of the task (only with specific_host)' })),
}, { additionalProperties: false });

export const EstimateBody = Type.Object({
  manual_scan_type: Type.Optional(Type.Array(VulTypeValue, { maxItems: 200 })),
  range_type: Type.Optional(StringEnum(['all_host', 'specific_host', ''])),
  agent_ids: Type.Optional(Type.Array(AgentId, { maxItems: 1000 })),
}, { additionalProperties: false });

export const EstimateResponse = Type.Object({
  queue_time: Type.Integer({ minimum: 0, description: 'Minutes waiting behind the agents\' queued scans' }),
  run_time: Type.Integer({ minimum: 1, description: 'Minutes to scan once started' }),
  total_time: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'queue_time + run_time' }),
});

export const StatisticsResponse = Type.Object({ unread_task_num: Int32 });

export const TaskTraceBody = Type.Object({ task_type: StringEnum(['vul_scan', 'vul_repair']) }, { additionalProperties: false });

/** ChangeVulScanPolicy `time`. hour_part is documented 0-11 [sic] and accepted 0-23; weekdays 0-7 (0 and 7 Sunday). */
const PolicyTimeBody = Type.Object({
  day_part: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 31 }), { maxItems: 31 })),
  hour_part: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
  minute_part: Type.Optional(Type.Integer({ minimum: 0, maximum: 59 })),
  next_scan_time: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 63, description: 'When given: the next run (epoch ms; int64, later than year 9999 is clamped)' })),
  timezone_offset: Type.Optional(Type.Integer({ minimum: -840, maximum: 720, description: 'Minutes west of UTC (GMT+8 is -480)' })),
}, { additionalProperties: false });

export const ChangePolicyBody = Type.Object({
  scan_period: StringEnum(SCAN_PERIODS),
  scan_range_type: StringEnum(['all_host', 'specific_host']),
  status: StringEnum(['open', 'close']),
  host_ids: Type.Optional(Type.Array(HostId, { maxItems: 20_000 })),
  scan_vul_types: Type.Optional(Type.Array(VulTypeValue, { maxItems: 5 })),
  time: Type.Optional(PolicyTimeBody),
}, { additionalProperties: false });

export const PolicyResponse = Type.Object({
  scan_period: Type.String(), scan_range_type: Type.String(), host_ids: Type.Array(Type.String()), scan_vul_types: Type.Array(Type.String()),
  status: Type.String(), total_host_num: Int64,
  time: Type.Object({
    day_part: Type.Array(Type.Integer()), hour_part: Type.Integer(), minute_part: Type.Integer(), timezone_offset: Type.Integer(),
    next_scan_time: Type.Optional(Type.Integer({ minimum: 0, description: 'Absent while the policy is closed' })),
  }),
});

/** Bodies of operations whose SDK response model has no fields. */
export const EmptyResponse = Type.Object({});
