import { Type } from 'typebox';
import { hssList, hssPaging } from '../../../api/common/paging.js';
import { EnterpriseProjectId, StringEnum } from '../../../api/common/routes.js';
import { ACTIONS, HANDLE_STATUSES, HOST_TASK_STATUSES, MAX_HOSTS_PER_TASK, SCAN_TYPES, START_TYPES, TASK_STATUSES } from '../domain.js';

/**
 * HSS v5 antivirus schemas (api-surface §4.4), typed as the Go SDK models decode them: int32 counters, int64 ms
 * times and file counts, `scan_progress` a string, `begin_time`/`end_time` 13-digit strings.
 */

const Int32 = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
const Int64 = Type.Integer({ minimum: 0 });
const HostId = Type.String({ minLength: 1, maxLength: 64 });
const TaskName = Type.String({ minLength: 1, maxLength: 255 });
const Ms13 = Type.String({ minLength: 13, maxLength: 13, pattern: '^[0-9]{13}$', description: 'Epoch ms as a 13-digit string' });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const ScopeQuery = Type.Object({ enterprise_project_id: Type.Optional(EnterpriseProjectId) });
export const RegionHeader = Type.Object({ region: Type.Optional(Type.String({ maxLength: 128 })) });
export const EmptyResponse = Type.Object({});

/** CreateAntiVirusTask and CreateAntiVirusPaidTask share one body: the paid one's directory fields are accepted on both. */
export const CreateTaskBody = Type.Object({
  task_name: TaskName,
  scan_type: StringEnum(SCAN_TYPES),
  action: StringEnum(ACTIONS),
  host_ids: Type.Array(HostId, { minItems: 1, maxItems: MAX_HOSTS_PER_TASK }),
  task_id: Type.Optional(Type.Union([Type.String({ minLength: 0, maxLength: 64 }), Type.Null()])),
  file_types: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7 })),
  scan_dir: Type.Optional(Type.String({ maxLength: 65_536, description: 'Directories to scan (custom scans), ";"-separated absolute paths' })),
  ignore_dir: Type.Optional(Type.String({ maxLength: 65_536, description: 'Directories left out, ";"-separated absolute paths' })),
}, { additionalProperties: false });

export const CreateTaskResponse = Type.Object({
  result: Type.Boolean(),
  task_id: Type.String(),
  policy_id: Type.Optional(Type.String()),
  fail_reasons: Type.Array(Type.Object({ host_id: Type.String(), reason: Type.String() })),
});

export const ListTasksQuery = Type.Object({
  ...ScopeQuery.properties,
  ...hssPaging(),
  whether_paid_task: Type.Boolean(),
  task_name: Type.Optional(TaskName),
  last_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })),
  begin_time: Type.Optional(Ms13),
  end_time: Type.Optional(Ms13),
  task_status: Type.Optional(StringEnum([...TASK_STATUSES, ''])),
  host_name: Type.Optional(Text(256)),
  private_ip: Type.Optional(Text(128)),
  public_ip: Type.Optional(Text(128)),
  host_task_status: Type.Optional(Type.Array(StringEnum(HOST_TASK_STATUSES), { maxItems: 5 })),
});

const TaskHostInfo = Type.Object({
  host_id: Type.String(), host_name: Type.String(), private_ip: Type.String(), public_ip: Type.String(), asset_value: Type.String(),
  start_time: Int64, run_duration: Int64, scan_progress: Type.String(), virus_num: Int32, scan_file_num: Int64,
  scanned_bytes: Type.Integer({ minimum: 0, description: 'Guardpost extension: bytes the scan has read so far' }),
  host_task_status: StringEnum(HOST_TASK_STATUSES), fail_reason: Type.String(), deleted: Type.Boolean(), whether_using_quota: Int32,
  agent_id: Type.String(), os_type: Type.String(), host_status: Type.String(), agent_status: Type.String(), protect_status: Type.String(),
  os_name: Type.String(), os_version: Type.String(),
});

export const TaskInfo = Type.Object({
  task_id: Type.String(), task_name: Type.String(), scan_type: StringEnum(SCAN_TYPES), start_type: StringEnum(START_TYPES),
  action: Type.String(), start_time: Int64, task_status: StringEnum(TASK_STATUSES),
  host_num: Int32, success_host_num: Int32, fail_host_num: Int32, cancel_host_num: Int32,
  host_info_list: Type.Array(TaskHostInfo), rescan: Type.Boolean(), whether_paid_task: Type.Boolean(),
  policy_id: Type.Optional(Type.String({ description: 'Guardpost extension: the policy this task is a run of' })),
});
export const ListTasksResponse = hssList(TaskInfo);

export const SwitchTaskBody = Type.Object({
  task_id: Type.String({ minLength: 1, maxLength: 64 }),
  task_name: TaskName,
  host_ids: Type.Array(HostId, { minItems: 1, maxItems: MAX_HOSTS_PER_TASK }),
}, { additionalProperties: false });

export const ListResultsQuery = Type.Object({
  ...ScopeQuery.properties,
  ...hssPaging(),
  host_name: Type.Optional(Text(256)),
  private_ip: Type.Optional(Text(128)),
  public_ip: Type.Optional(Text(128)),
  handle_status: Type.Optional(StringEnum([...HANDLE_STATUSES, ''])),
  severity_list: Type.Optional(Type.Array(StringEnum(['Low', 'Medium', 'High', 'Critical']), { maxItems: 5 })),
  asset_value: Type.Optional(StringEnum(['important', 'common', 'test', ''])),
  malware_name: Type.Optional(Text(128)),
  file_path: Type.Optional(Text(512)),
  file_hash: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Fa-f]+$' })),
  task_name: Type.Optional(TaskName),
  manual_isolate: Type.Optional(Type.Boolean({ description: 'true: results isolated by HandleAntiVirusResult (isolate_tag manual); false: the others' })),
});

const ResultInfo = Type.Object({
  result_id: Type.String(), malware_type: Type.String(), malware_name: Type.String(), severity: Type.String(),
  task_id: Type.String(), task_name: Type.String(), event_type: Type.Integer({ minimum: 0, maximum: 6000 }), occur_time: Int64,
  file_info: Type.Object({
    file_path: Type.String(), file_hash: Type.String(), file_size: Int64, file_owner: Type.String(), file_attr: Type.String(),
    file_ctime: Int64, file_mtime: Int64,
  }),
  resource_info: Type.Object({
    host_id: Type.String(), host_name: Type.String(), private_ip: Type.String(), public_ip: Type.String(), asset_value: Type.String(),
    os_type: Type.String(), os_name: Type.String(), os_version: Type.String(), agent_id: Type.String(), agent_status: Type.String(),
    host_status: Type.String(), protect_status: Type.String(),
  }),
  handle_status: Type.String(),
  handle_method: Type.Optional(Type.String()),
  memo: Type.Optional(Type.String()),
  operate_accept_list: Type.Array(Type.String()),
  operate_detail_list: Type.Array(Type.Object({ hash: Type.String(), keyword: Type.String() })),
  isolate_tag: StringEnum(['auto_isolate', 'manual', 'none']),
  isolate_status: Type.String({ description: 'Guardpost extension: none, isolating, isolated, failed, restoring or restored' }),
  isolate_reason: Type.Optional(Type.String({ description: 'Guardpost extension: why the last isolation or restore failed' })),
});
export const ListResultsResponse = hssList(ResultInfo);

/** ListAntiVirusHost and ListAntiVirusPaidHosts (missing offset/limit take their defaults, 0 and 10). */
export const ListHostsQuery = Type.Object({
  ...ScopeQuery.properties,
  ...hssPaging(),
  scan_type: StringEnum(SCAN_TYPES),
  start_type: StringEnum(['now', 'period']),
  host_id: Type.Optional(Text(64)),
  host_name: Type.Optional(Text(256)),
  private_ip: Type.Optional(Text(128)),
  public_ip: Type.Optional(Text(128)),
  group_id: Type.Optional(Type.String({ maxLength: 128, description: 'Accepted; Guardpost has no server groups' })),
  policy_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only the hosts of this policy (of this scan_type)' })),
  next_start_time: Type.Optional(Type.Integer({ minimum: 0, description: 'Only the hosts of policies whose next run is at this time (ms)' })),
});

export const ListHostsResponse = hssList(Type.Object({
  agent_id: Type.String(), group_id: Type.String(), host_id: Type.String(), host_name: Type.String(), os_type: Type.String(),
  private_ip: Type.String(), public_ip: Type.String(),
}));
