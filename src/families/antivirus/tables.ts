import type { Generated, Selectable } from 'kysely';
import type { Database } from '../../store/schema.js';

/** The antivirus family's tables (migration antivirus/0001_antivirus). Times are epoch ms; JSON is TEXT; booleans 0/1. */

export interface AvTasksTable {
  task_id: string; project_id: string; task_name: string;
  scan_type: string; action: string; start_type: string;
  whether_paid_task: number;
  /** The request's `;`-separated lists as given (custom / paid scans), '' otherwise. */
  scan_dir: string; ignore_dir: string;
  /** JSON array of `file_types` codes. */
  file_types: string;
  /** The policy a scheduled run came from (null for `now` tasks). */
  policy_id: string | null;
  start_time: number;
  /** Set when no host is left scanning. */
  end_time: number | null;
}

export interface AvTaskHostsTable {
  task_id: string; host_id: string; agent_id: string; project_id: string;
  /** The host's current `av-scan` job (null when it failed before one was queued: offline, no engine). */
  job_id: string | null;
  host_task_status: string;
  scan_file_num: number; files_total: number; scanned_bytes: number;
  /** 0-100. */
  scan_progress: number;
  virus_num: number;
  fail_reason: string;
  start_time: number; end_time: number | null;
  whether_using_quota: number;
  updated_at: number;
  /** Highest streamed detection batch stored as results (migration 0003). */
  streamed_batches: Generated<number>;
}

export interface AvResultsTable {
  result_id: string; project_id: string; task_id: string; host_id: string; agent_id: string; job_id: string;
  file_path: string; malware_name: string; malware_type: string; event_type: number; severity: string;
  file_hash: string; file_size: number; file_attr: string; file_owner: string; file_mtime: number; file_ctime: number;
  occur_time: number;
  handle_status: string;
  /** Last handling (`mark_as_handled`, `ignore`, `add_to_alarm_whitelist`, `isolate_and_kill`), null while unhandled. */
  handle_method: string | null;
  memo: string | null;
  /** `isolating` → `isolated` | `failed`; `restoring` → `restored` (or back to `isolated`); null before. */
  isolate_state: string | null;
  /** Where the host's quarantine vault keeps the file (opaque to the server). */
  vault_ref: string | null;
  /** The `av-isolate` job moving the file (migration 0002); null before any. */
  isolate_job_id: string | null;
  isolate_reason: string | null;
  /** Who started the current isolation: `auto` (task action or the auto-kill setting) or `manual` (migration 0003). */
  isolate_origin: string | null;
  /** 1 while the result waits for automatic isolation (stored with the result; cleared once it is queued or refused). */
  auto_isolate_pending: number;
  updated_at: number;
}

export interface AvHandleHistoryTable {
  id: string; project_id: string; result_id: string;
  operate_type: string; user_id: string; user_name: string; notes: string;
  handle_time: number;
}

/** A file hash + path pair the project's later scans do not report (migration antivirus/0002_alarm_whitelist). */
export interface AvAlarmWhitelistTable {
  project_id: string; file_hash: string; file_path: string; created_by: string; created_at: number;
}

/** Per-project switches (migration antivirus/0003_settings); a project without a row has the defaults. */
export interface AvSettingsTable {
  project_id: string; pay_per_scan_enabled: number; auto_kill_enabled: number; updated_at: number;
}

/** An alarm whitelist rule (HandleAntiVirusResult `event_white_rules`): later detections it matches are not stored. */
export interface AvWhiteRulesTable {
  project_id: string; event_type: number; field_key: string; judge_type: string; field_value: string; created_by: string; created_at: number;
}

export type AntivirusTables = {
  av_tasks: AvTasksTable;
  av_task_hosts: AvTaskHostsTable;
  av_results: AvResultsTable;
  av_handle_history: AvHandleHistoryTable;
  av_alarm_whitelist: AvAlarmWhitelistTable;
  av_settings: AvSettingsTable;
  av_white_rules: AvWhiteRulesTable;
};

export type AntivirusDatabase = Database & AntivirusTables;
export type AvTaskRow = Selectable<AvTasksTable>;
export type AvTaskHostRow = Selectable<AvTaskHostsTable>;
export type AvResultRow = Selectable<AvResultsTable>;
