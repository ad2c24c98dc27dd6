import { Type } from 'typebox';
import { hssList, hssPaging } from '../../../api/common/paging.js';
import { EnterpriseProjectId, StringEnum } from '../../../api/common/routes.js';
import { OPERATE_TYPES, REPAIR_PRIORITIES, VUL_STATUSES, VUL_TYPES } from '../domain.js';

/**
 * Request and response schemas of ListVulnerabilities, ListVulHosts, ListHostVuls and ChangeVulStatus: the union
 * of the API-definitions snapshot and the Go SDK models (api-surface §3.4), with the SDK's types (int32/int64
 * integers, float `cvss`). An empty query value (the SDKs send `?key` for "") is the same as leaving it out.
 */

const OptionalEnum = <const T extends readonly string[]>(values: T) => Type.Optional(StringEnum(['', ...values]));
const Text = (maxLength: number) => Type.Optional(Type.String({ minLength: 0, maxLength }));
/** 0 to 2^63-1 ms; as a JS number 2^63-1 reads as 2^63, hence that bound. */
const ScanTime = Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 63 }));
const ASSET_VALUES = ['important', 'common', 'test'] as const;
const HANDLE_STATUSES = ['unhandled', 'handled'] as const;

export const ListVulnerabilitiesQuery = Type.Object({
  enterprise_project_id: Type.Optional(EnterpriseProjectId),
  type: OptionalEnum(VUL_TYPES),
  vul_id: Text(256), vul_name: Text(256),
  ...hssPaging({ minLimit: 0 }),
  repair_priority: OptionalEnum(REPAIR_PRIORITIES),
  handle_status: Type.Optional(StringEnum(['', ...HANDLE_STATUSES], { description: 'default unhandled' })),
  cve_id: Text(32), label_list: Text(128),
  status: OptionalEnum(VUL_STATUSES),
  asset_value: OptionalEnum(ASSET_VALUES),
  group_name: Text(256),
});

export const ListVulHostsQuery = Type.Object({
  enterprise_project_id: Type.Optional(EnterpriseProjectId),
  vul_id: Type.String({ minLength: 0, maxLength: 64 }),
  type: StringEnum(VUL_TYPES),
  host_name: Text(256), host_ip: Text(128),
  status: OptionalEnum(VUL_STATUSES),
  ...hssPaging({ minLimit: 10 }),
  asset_value: OptionalEnum(ASSET_VALUES), group_name: Text(256),
  handle_status: OptionalEnum(HANDLE_STATUSES),
  severity_level: Text(32),
  is_affect_business: Type.Optional(Type.Boolean()),
  repair_priority: OptionalEnum(REPAIR_PRIORITIES),
  cluster_name: Text(64), cluster_id: Text(64),
  is_container: Type.Optional(Type.Boolean({ default: false })),
  container_name: Text(128),
  min_scan_time: ScanTime, max_scan_time: ScanTime,
});

export const ListHostVulsQuery = Type.Object({
  enterprise_project_id: Type.Optional(EnterpriseProjectId),
  type: OptionalEnum(VUL_TYPES),
  vul_name: Text(256), vul_id: Text(256),
  ...hssPaging({ minLimit: 0 }),
  handle_status: OptionalEnum(HANDLE_STATUSES),
  status: OptionalEnum(VUL_STATUSES),
  repair_priority: OptionalEnum(REPAIR_PRIORITIES),
  severity_level: Text(128),
  is_affect_business: Type.Optional(Type.Boolean()),
  label_list: Text(128), excluded_label_list: Text(128),
});

export const HostParams = Type.Object({
  project_id: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'Project ID' }),
  host_id: Type.String({ minLength: 1, maxLength: 128 }),
});

export const ScopeQuery = Type.Object({ enterprise_project_id: Type.Optional(EnterpriseProjectId) });

const Id64 = Type.String({ minLength: 1, maxLength: 64 });
export const MAX_OPERATE_ITEMS = 500;

export const ChangeVulStatusBody = Type.Object({
  operate_type: StringEnum(OPERATE_TYPES),
  remark: Type.Optional(Type.String({ minLength: 0, maxLength: 512 })),
  select_type: Type.Optional(StringEnum(['all_vul', 'all_host'])),
  type: Type.Optional(StringEnum(VUL_TYPES, { description: 'default linux_vul; used with select_type' })),
  data_list: Type.Optional(Type.Array(Type.Object({
    vul_id: Id64,
    host_id_list: Type.Array(Id64, { minItems: 1, maxItems: MAX_OPERATE_ITEMS }),
  }), { minItems: 1, maxItems: MAX_OPERATE_ITEMS })),
  host_data_list: Type.Optional(Type.Array(Type.Object({
    host_id: Id64,
    vul_id_list: Type.Array(Id64, { minItems: 1, maxItems: MAX_OPERATE_ITEMS }),
  }), { minItems: 1, maxItems: MAX_OPERATE_ITEMS })),
  backup_info_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  custom_backup_hosts: Type.Optional(Type.Array(Type.Object({
    host_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    vault_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    backup_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  }), { minItems: 1, maxItems: 50 })),
});

const CveItem = Type.Object({ cve_id: Type.String(), cvss: Type.Number({ minimum: 0, maximum: 10 }) });
const DisabledOperate = Type.Object({ operate_type: Type.String(), reason: Type.String() });
const Count32 = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
const Ms = Type.Integer({ minimum: 0 });

export const VulInfo = Type.Object({
  vul_name: Type.String(), vul_id: Type.String(), label_list: Type.Array(Type.String()),
  repair_necessity: Type.String(), severity_level: Type.String(),
  host_num: Count32, unhandle_host_num: Count32, scan_time: Ms,
  solution_detail: Type.String(), url: Type.String(), description: Type.String(), type: Type.String(),
  host_id_list: Type.Array(Type.String()), cve_list: Type.Array(CveItem),
  patch_url: Type.Optional(Type.String()), repair_priority: Type.String(),
  hosts_num: Type.Object({ important: Count32, common: Count32, test: Count32 }),
  repair_success_num: Count32, fixed_num: Count32, ignored_num: Count32, verify_num: Count32,
  repair_priority_list: Type.Array(Type.Object({ repair_priority: Type.String(), host_num: Count32 })),
});

export const VulHostInfo = Type.Object({
  host_id: Type.String(), agent_id: Type.String(), repair_necessity: Type.String(), severity_level: Type.String(),
  host_name: Type.String(), host_ip: Type.String(), private_ip: Type.String(), public_ip: Type.String(), region_name: Type.String(),
  cve_num: Count32, cve_id_list: Type.Array(Type.String()), status: Type.String(), remark: Type.String(),
  repair_cmd: Type.Optional(Type.String()), version: Type.String(), app_path: Type.Optional(Type.String()),
  is_affect_business: Type.Boolean(), asset_value: Type.String(), group_name: Type.String(), group_id: Type.String(),
  os_type: Type.String(), os_name: Type.String(), os_version: Type.String(), os_kernel: Type.String(),
  host_status: Type.String(), agent_status: Type.String(),
  first_scan_time: Ms, scan_time: Ms, support_restore: Type.Boolean(),
  disabled_operate_types: Type.Array(DisabledOperate), repair_priority: Type.String(),
});

export const HostVulApp = Type.Object({
  app_name: Type.String(), app_version: Type.String(), upgrade_version: Type.String(),
  app_path: Type.String({ description: 'The file the package was found in' }),
  ecosystem: Type.String({ description: 'Guardpost extension: the OSV ecosystem of the package' }),
});

export const HostVulInfo = Type.Object({
  vul_name: Type.String(), vul_id: Type.String(), label_list: Type.Array(Type.String()), repair_necessity: Type.String(),
  scan_time: Ms, type: Type.String(), app_list: Type.Array(HostVulApp), severity_level: Type.String(),
  solution_detail: Type.String(), url: Type.String(), description: Type.String(), repair_cmd: Type.Optional(Type.String()),
  status: Type.String(), repair_success_num: Count32, cve_list: Type.Array(CveItem), is_affect_business: Type.Boolean(),
  first_scan_time: Ms, app_name: Type.String(), app_path: Type.String(), app_version: Type.String(), version: Type.String(),
  support_restore: Type.Boolean(), disabled_operate_types: Type.Array(DisabledOperate), repair_priority: Type.String(),
  software_version: Type.Optional(Type.String()),
});

export const VulListResponse = hssList(VulInfo);
export const VulHostListResponse = hssList(VulHostInfo);
export const HostVulListResponse = hssList(HostVulInfo);
export const EmptyResponse = Type.Object({});
