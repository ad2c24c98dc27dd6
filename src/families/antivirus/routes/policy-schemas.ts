import { Type } from 'typebox';
import { hssList, hssPaging } from '../../../api/common/paging.js';
import { StringEnum } from '../../../api/common/routes.js';
import { ACTIONS, MAX_HOSTS_PER_TASK, SCAN_TYPES, START_TYPES } from '../domain.js';
import { SCAN_PERIODS } from '../schedule.js';
import { ScopeQuery } from './schemas.js';

/**
 * HSS v5 antivirus policy schemas as the Go SDK models decode them (CreateAntiVirusPolicyRequestBody,
 * ChangeAntivirusPolicyRequestInfo, DeleteAntivirusPolicyRequestInfo, AntiVirusPolicyResponseInfo). The documented
 * ranges of `scan_hour` (1-24) and `scan_minute` (1-31) are typos — Huawei's own example sends 0 and 0 — so they are
 * the clock's 0-23 and 0-59. `scan_period_date` is further checked against `scan_period` (schedule.ts).
 */

/** Year 9999 in epoch ms: later values would not fit the database as ms. */
export const MAX_SCAN_TIME = 253_402_300_799_999;

const Int32 = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
const PolicyName = Type.String({ minLength: 1, maxLength: 64 });
const PolicyId = Type.String({ minLength: 1, maxLength: 64 });
const HostId = Type.String({ minLength: 1, maxLength: 64 });
const FileTypes = Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 6, description: '0 all, 1 executable, 2 archive, 3 script, 4 document, 5 image, 6 audio/video' });

const policyFields = {
  policy_name: PolicyName,
  start_type: StringEnum(START_TYPES),
  scan_type: Type.Optional(StringEnum(SCAN_TYPES, { description: 'Missing: custom when scan_dir names directories' })),
  action: StringEnum(ACTIONS),
  file_types: FileTypes,
  host_ids: Type.Array(HostId, { minItems: 1, maxItems: MAX_HOSTS_PER_TASK }),
  whether_paid_task: Type.Boolean(),
  scan_dir: Type.Optional(Type.String({ maxLength: 65_536, description: 'Directories to scan (custom scans), ";"-separated absolute paths' })),
  ignore_dir: Type.Optional(Type.String({ maxLength: 65_536, description: 'Directories left out, ";"-separated absolute paths' })),
  scan_time: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SCAN_TIME, description: 'start_type=later: when it runs (epoch ms, in the future)' })),
  scan_period: Type.Optional(StringEnum(SCAN_PERIODS)),
  scan_period_date: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, description: 'week: 1-7 = Sunday..Saturday; month: 1-28' })),
  scan_hour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
  scan_minute: Type.Optional(Type.Integer({ minimum: 0, maximum: 59 })),
  timezone_offset: Type.Optional(Type.Integer({ minimum: -720, maximum: 720, description: 'Minutes west of UTC (GMT+8 is -480); default 0' })),
};

export const CreatePolicyBody = Type.Object({
  ...policyFields,
  task_id: Type.Optional(Type.Union([Type.String({ maxLength: 64, description: 'Accepted when empty only: a policy is not a rescan' }), Type.Null()])),
}, { additionalProperties: false });

export const ChangePolicyBody = Type.Object({ policy_id: PolicyId, ...policyFields }, { additionalProperties: false });

export const DeletePolicyBody = Type.Object({
  policy_ids: Type.Optional(Type.Array(PolicyId, { minItems: 1, maxItems: 50 })),
}, { additionalProperties: false });

/** The SDK's responses have no fields; Guardpost adds the policy's id (and the task a `now` policy started). */
export const SavePolicyResponse = Type.Object({
  policy_id: Type.Optional(Type.String({ description: 'Guardpost extension' })),
  task_id: Type.Optional(Type.String({ description: 'Guardpost extension: the task a start_type=now policy started' })),
});

export const ListPoliciesQuery = Type.Object({
  ...ScopeQuery.properties,
  ...hssPaging(),
  policy_name: Type.Optional(PolicyName),
});

const PolicyHostInfo = Type.Object({
  host_id: Type.String(), host_name: Type.String(), private_ip: Type.String(), public_ip: Type.String(), asset_value: Type.String(),
});

export const PolicyInfo = Type.Object({
  policy_id: Type.String(), policy_name: Type.String(), start_type: StringEnum(START_TYPES),
  scan_period: Type.Optional(StringEnum(SCAN_PERIODS)), scan_period_date: Type.Optional(Int32), scan_time: Type.Optional(Type.Integer({ minimum: 0 })),
  scan_hour: Type.Optional(Int32), scan_minute: Type.Optional(Int32), next_start_time: Type.Optional(Type.Integer({ minimum: 0 })),
  scan_dir: Type.String(), ignore_dir: Type.String(), action: Type.String(), invalidate: Type.Boolean(), host_num: Int32,
  host_info_list: Type.Array(PolicyHostInfo), whether_paid_task: Type.Boolean(), file_type_list: Type.Array(Type.Integer()),
  scan_type: StringEnum(SCAN_TYPES, { description: 'Guardpost extension (not in AntiVirusPolicyResponseInfo)' }),
  timezone_offset: Type.Optional(Type.Integer({ description: 'Guardpost extension (period policies)' })),
});
export const ListPoliciesResponse = hssList(PolicyInfo);
