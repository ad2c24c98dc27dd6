import type { Selectable } from 'kysely';
import type { Database } from '../../store/schema.js';

/** The antivirus policy tables (migration antivirus/0004_policies). Times are epoch ms; JSON is TEXT; booleans 0/1. */

export interface AvPoliciesTable {
  policy_id: string; project_id: string; enterprise_project_id: string; policy_name: string;
  start_type: string; scan_type: string; action: string; whether_paid_task: number;
  /** The request's `;`-separated lists as given. */
  scan_dir: string; ignore_dir: string;
  /** JSON array of `file_types` codes. */
  file_types: string;
  /** `later` only. */
  scan_time: number | null;
  /** `period` only. */
  scan_period: string | null; scan_period_date: number | null; scan_hour: number | null; scan_minute: number | null; timezone_offset: number | null;
  /** When the next run is due; null when the policy will not run again (ListAntiVirusPolicy `invalidate`). */
  next_run_at: number | null;
  /** Grows on every change: a run is claimed against the version it was read at. */
  version: number;
  last_run_at: number | null;
  created_by: string; created_at: number; updated_at: number;
}

export interface AvPolicyHostsTable {
  policy_id: string; host_id: string; project_id: string;
  /** Order of `host_ids` in the request. */
  position: number;
}

export type PolicyTables = { av_policies: AvPoliciesTable; av_policy_hosts: AvPolicyHostsTable };
export type PolicyDatabase = Database & PolicyTables;
export type AvPolicyRow = Selectable<AvPoliciesTable>;
