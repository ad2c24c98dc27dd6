import type { Insertable, Selectable, Updateable } from 'kysely';

/** Times are epoch milliseconds; JSON columns are TEXT holding JSON. */

export interface DomainsTable { id: string; name: string; created_at: number }

export interface UsersTable {
  id: string; domain_id: string; name: string; password_hash: string;
  created_at: number; disabled: number;
}

export interface ProjectsTable { id: string; domain_id: string; name: string; created_at: number }

export interface EnterpriseProjectsTable { id: string; domain_id: string; name: string; created_at: number }

export type RoleName = 'admin' | 'readonly';

export interface RoleAssignmentsTable {
  user_id: string; project_id: string; role: RoleName;
  /** JSON array of enterprise project ids the user may see, or null for all of them. */
  enterprise_project_ids: string | null;
}

export interface AccessKeysTable {
  ak: string; user_id: string; sk_sealed: string; description: string;
  created_at: number; status: 'active' | 'inactive';
}

export interface TokensTable {
  token_hash: string; user_id: string; project_id: string | null; domain_scoped: number;
  methods: string; issued_at: number; expires_at: number;
}

export interface LoginFailuresTable { limit_key: string; failed_at: number }

export interface EnrollmentTokensTable {
  id: string; token_hash: string; project_id: string; enterprise_project_id: string;
  description: string; created_at: number; expires_at: number | null;
  max_uses: number | null; uses: number; revoked_at: number | null;
}

export interface AgentsTable {
  id: string; host_id: string; project_id: string; enterprise_project_id: string;
  secret_hash: string; host_name: string; os_name: string; os_version: string; os_type: string;
  kernel_version: string; os_bit: string;
  private_ips: string; public_ips: string; agent_version: string; capabilities: string;
  facts_digest: string; asset_value: string; protect_status: string;
  enrolled_at: number; last_seen_at: number; facts_updated_at: number; revoked_at: number | null;
}

import type { JobState } from '../core/job-states.js';

export type { JobState };

export interface TasksTable {
  id: string; project_id: string; enterprise_project_id: string; family: string; kind: string;
  name: string; params: string; created_by: string; created_at: number; updated_at: number;
  cancel_requested_at: number | null;
}

export interface JobsTable {
  id: string; task_id: string; project_id: string; agent_id: string | null; kind: string; state: JobState;
  payload: string; attempts: number; max_attempts: number; lease_owner: string | null;
  lease_expires_at: number | null; cancel_requested_at: number | null;
  progress: number; progress_detail: string | null; result: string | null; failure_reason: string | null;
  /** The job kind's version that produced `result` (null before migration 0005 or when there is no result). */
  result_version: number | null;
  created_at: number; updated_at: number; started_at: number | null; finished_at: number | null;
}

export interface ArtifactsTable {
  id: string; job_id: string; task_id: string; project_id: string; name: string; blob_key: string;
  size: number; sha256: string; content_type: string; created_at: number;
}

export interface QuotasTable { project_id: string; name: string; limit_value: number }

export interface SettingsTable { key: string; value: string }

/** The core's tables. Families keep their own table types and reach them with `db.withTables<…>()`. */
export interface Database {
  domains: DomainsTable;
  users: UsersTable;
  projects: ProjectsTable;
  enterprise_projects: EnterpriseProjectsTable;
  role_assignments: RoleAssignmentsTable;
  access_keys: AccessKeysTable;
  tokens: TokensTable;
  login_failures: LoginFailuresTable;
  enrollment_tokens: EnrollmentTokensTable;
  agents: AgentsTable;
  tasks: TasksTable;
  jobs: JobsTable;
  artifacts: ArtifactsTable;
  quotas: QuotasTable;
  settings: SettingsTable;
}

export type Agent = Selectable<AgentsTable>;
export type Task = Selectable<TasksTable>;
export type Job = Selectable<JobsTable>;
export type NewJob = Insertable<JobsTable>;
export type JobUpdate = Updateable<JobsTable>;
export type User = Selectable<UsersTable>;
export type Project = Selectable<ProjectsTable>;
