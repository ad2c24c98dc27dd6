import type { Database } from '../../store/schema.js';

/** The capture family's own tables (migration 0002_capture); the core `Database` type does not know them. */

export interface CaptureTasksTable {
  task_id: string; project_id: string; fw_instance_id: string; agent_id: string; name: string;
  retention_until: number; deleted_at: number | null; files_purged_at: number | null;
}

export interface CaptureLinksTable {
  id: string; task_id: string; project_id: string; code_hash: string;
  /** JSON array of client IPs allowed to download; empty = any. */
  allowed_ips: string; expires_at: number; failed_attempts: number; locked_at: number | null; created_at: number;
}

export type CaptureTables = {
  capture_tasks: CaptureTasksTable;
  capture_links: CaptureLinksTable;
};

export type CaptureDatabase = Database & CaptureTables;
