import type { Selectable } from 'kysely';
import type { Database } from '../../store/schema.js';

/** The vulnerability-scan family's tables (migration vul-scan/0001_vul_scan). Times are epoch ms; JSON is TEXT. */

export interface VulAdvisoriesTable {
  id: string; modified_ms: number; modified: string;
  /** The record's `withdrawn` time when it was withdrawn (kept so an older copy is not re-imported). */
  withdrawn: string | null;
  summary: string; severity_level: string; cvss: number | null;
  /** JSON `[{cve_id, cvss}]`. */
  cves: string;
  /** JSON array of the ecosystems its `affected[]` names. */
  ecosystems: string;
  /** The OSV record as imported (JSON). */
  record: string;
  import_id: string; imported_at: number;
}

export interface VulAdvisoryPackagesTable {
  advisory_id: string;
  /** `advisoryKey(ecosystem, name)` of src/engines/vuln/package-keys.ts. */
  package_key: string;
  /** Base ecosystem (`AlmaLinux`, `PyPI`, `Debian`): what a re-match selects hosts by. */
  ecosystem: string;
}

export interface VulImportsTable {
  id: string; started_at: number; finished_at: number | null;
  /** JSON array of the paths imported. */
  sources: string;
  summary: string | null;
  changed_ecosystems: string | null;
  rematch_task_id: string | null;
}

export interface VulInventoriesTable {
  /** The agent's host_id: the latest inventory of that host. */
  host_id: string; project_id: string; agent_id: string;
  /** Blob holding the gzipped inventory JSON (`StoredInventory`). */
  blob_key: string;
  os: string | null; package_count: number;
  /** JSON array of the vul types the inventory was collected for. */
  scan_types: string;
  collected_at: number; matched_at: number | null;
}

export interface VulInventoryEcosystemsTable { host_id: string; ecosystem: string }

export interface VulFindingsTable {
  id: string; project_id: string; host_id: string; vul_id: string;
  /** `linux_vul` (OS package) or `app_vul` (application package). */
  type: string;
  app_name: string; app_version: string; ecosystem: string; app_path: string;
  fixed_version: string | null; severity_level: string; cvss: number | null;
  first_scan_time: number; scan_time: number;
}

export interface VulHostStatusTable {
  host_id: string; vul_id: string; project_id: string;
  /** `vul_status_ignored` or `vul_status_verified` (no row: `vul_status_unfix`). */
  status: string; remark: string; updated_by: string; updated_at: number;
}

export interface VulScanHostsTable {
  task_id: string; host_id: string; agent_id: string; project_id: string;
  inventory_job_id: string | null; match_job_id: string | null;
  /** `scanning`, `success` or `failed`. */
  scan_status: string;
  /** JSON `[{vul_type, failed_reason}]`. */
  failed_reasons: string;
  /** JSON `vul_scan_details` (`[{vul_type, status, failed_reason, scan_vul_list}]`). */
  details: string;
  started_at: number; finished_at: number | null;
}

export interface VulScanTasksTable {
  task_id: string; project_id: string;
  /** `manual` or `schedule`. */
  scan_type: string;
  /** JSON array of the requested vul types. */
  scan_vul_types: string;
  start_time: number; end_time: number | null;
}

export interface VulScanPoliciesTable { project_id: string; policy: string; next_scan_time: number | null; updated_at: number }

/** Digest of a host's current findings (the sorted identities), written with them (migration vul-scan/0002). */
export interface VulFindingsDigestsTable { host_id: string; project_id: string; digest: string }

export interface VulTaskViewsTable { project_id: string; task_type: string; viewed_at: number }

export type VulScanTables = {
  vul_advisories: VulAdvisoriesTable;
  vul_advisory_packages: VulAdvisoryPackagesTable;
  vul_imports: VulImportsTable;
  vul_inventories: VulInventoriesTable;
  vul_inventory_ecosystems: VulInventoryEcosystemsTable;
  vul_findings: VulFindingsTable;
  vul_host_status: VulHostStatusTable;
  vul_scan_hosts: VulScanHostsTable;
  vul_scan_tasks: VulScanTasksTable;
  vul_scan_policies: VulScanPoliciesTable;
  vul_task_views: VulTaskViewsTable;
  vul_findings_digests: VulFindingsDigestsTable;
};

export type VulScanDatabase = Database & VulScanTables;

export type VulFinding = Selectable<VulFindingsTable>;
export type VulScanHost = Selectable<VulScanHostsTable>;
export type VulScanTaskRow = Selectable<VulScanTasksTable>;
