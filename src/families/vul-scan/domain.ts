/** Vocabulary of HSS vulnerability scans (api-surface §3.3) and what Guardpost supports of it. */

export const VUL_SCAN_FAMILY = 'vul-scan';

export const VUL_TYPES = ['linux_vul', 'windows_vul', 'web_cms', 'app_vul', 'urgent_vul'] as const;
export type VulType = (typeof VUL_TYPES)[number];

/** What Guardpost scans: OS packages (`linux_vul`) and application packages (`app_vul`). */
export const SUPPORTED_VUL_TYPES = ['linux_vul', 'app_vul'] as const satisfies readonly VulType[];
export type SupportedVulType = (typeof SUPPORTED_VUL_TYPES)[number];

export function isSupportedVulType(type: string): type is SupportedVulType {
  return (SUPPORTED_VUL_TYPES as readonly string[]).includes(type);
}

/** Why an accepted but unsupported type is reported failed on every host of a task. */
export const UNSUPPORTED_VUL_TYPE_REASONS: Readonly<Record<Exclude<VulType, SupportedVulType>, string>> = {
  windows_vul: 'Guardpost does not scan Windows hosts for vulnerabilities (windows_vul is not supported)',
  web_cms: 'Guardpost has no Web-CMS vulnerability rules (web_cms is not supported)',
  urgent_vul: 'Guardpost has no emergency-vulnerability feed (urgent_vul is not supported)',
};

export const SCAN_STATUSES = ['scanning', 'success', 'failed'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

/** Task kinds in the core `tasks` table: user scans (listed by ListVulScanTask) and internal re-matches (not listed). */
export const SCAN_TASK_KINDS = ['manual', 'schedule'] as const;
export type ScanTaskKind = (typeof SCAN_TASK_KINDS)[number];
export const REMATCH_TASK_KIND = 'rematch';

/** Artifact name of the gzipped inventory an agent uploads. */
export const INVENTORY_ARTIFACT = 'inventory.json.gz';

/** Blob key of a host's latest inventory (kept apart from task artifacts, so task retention never removes it). */
export const inventoryBlobKey = (projectId: string, hostId: string): string => `vul-scan/inventories/${projectId}/${hostId}.json.gz`;

export const VUL_STATUSES = [
  'vul_status_unfix', 'vul_status_ignored', 'vul_status_verified', 'vul_status_fixing', 'vul_status_fixed',
  'vul_status_reboot', 'vul_status_failed', 'vul_status_fix_after_reboot',
] as const;

export const OPERATE_TYPES = ['ignore', 'not_ignore', 'immediate_repair', 'manual_repair', 'verify', 'add_to_whitelist'] as const;

export const REPAIR_PRIORITIES = ['Critical', 'High', 'Medium', 'Low'] as const;

/** At most this many hosts in one scan task (CreateVulnerabilityScanTask `agent_id_list` maxItems). */
export const MAX_AGENTS_PER_REQUEST = 200;
