import type { Selectable } from 'kysely';
import type { Database } from '../../store/schema.js';

/**
 * The image family's tables (migration image/0001_image). Times are epoch ms; JSON is TEXT. An image row is one
 * image (its config digest) of one source in one enterprise project; its findings live in one table per report
 * type, keyed by the image row and an ordinal, and are replaced as a whole by every scan.
 */

export interface ImageImagesTable {
  /** Row id (hex); what findings, tasks and lists refer to. */
  id: string;
  project_id: string; enterprise_project_id: string;
  /** Config digest `sha256:…`. */
  image_id: string;
  /** `cicd`, `local` or `registry`. */
  source: string;
  /** Host id for local images, registry id for registry images, '' for CI/CD uploads. */
  origin_id: string;
  namespace: string; image_name: string; image_version: string;
  /** Manifest digest when known, else the image id. */
  image_digest: string;
  /** `cicd_name` of the pipeline that uploaded it ('' otherwise). */
  cicd_name: string;
  /** Blob holding the archive of the last upload (CI/CD), null otherwise or once purged. */
  blob_key: string | null;
  /** Agent id of a local image's host; where the path lives on that host. */
  agent_id: string | null; local_path: string | null;
  scan_status: string; scan_failed_desc: string;
  format: string; architecture: string; os_name: string; os_version: string;
  /** JSON `ReportLayer[]`. */
  layers: string;
  image_size: number;
  apps_num: number; vul_num: number; files_num: number; files_size: number; malicious_file_num: number;
  sensitive_num: number; non_compliant_num: number; build_risk_num: number;
  /** Highest risk over every finding: 0 none … 4 critical. */
  risk_rank: number;
  /** JSON `AnalyzerProblem[]`. */
  problems: string;
  latest_update_time: number; latest_scan_time: number | null;
  last_task_id: string | null;
  /** Registry images: the synced registry image (`image_registry_images.id`) this row was pulled from; null otherwise. */
  registry_image_id: number | null;
}

interface Layered { image_row: string; seq: number; layer_index: number | null; layer_digest: string; created_by: string }

export interface ImageAppsTable extends Layered {
  app_name: string; app_type: string; app_version: string; source_name: string; app_path: string;
  ecosystem: string; kind: string; license: string; vul_num: number;
}
export interface ImageFilesTable extends Layered { file_name: string; file_path: string; size: number; mode: number; flags: string }
export interface ImageMalwaresTable extends Layered {
  file_name: string; file_path: string; size: number; description: string; sha256: string; removed: number;
}
export interface ImageSensitiveTable extends Layered {
  sensitive_info_id: string; rule_id: string; severity: string; name: string; description: string;
  file_path: string; position: string; content: string;
}
export interface ImageNonCompliantTable extends Layered {
  app_name: string; app_version: string; app_path: string; license: string; reason: string;
}
export interface ImageBuildRisksTable extends Layered {
  rule_id: string; risk_name: string; risk_level: string; description: string; history_index: number | null;
  build_instruction: string; remediation: string;
}
/** One vulnerability of one app row of an image (ListImageVulnerabilities). */
export interface ImageVulnsTable {
  image_row: string; seq: number; vul_id: string; type: string; app_name: string; app_version: string; app_path: string;
  severity_level: string; fixed_version: string; description: string; layer_index: number | null; layer_digest: string;
}

/** An image scan task (core task of family `image`): its HSS fields. Its images are its jobs. */
export interface ImageScanTasksTable {
  task_id: string; project_id: string;
  /** `local`, `registry` or `cicd`. */
  image_type: string;
  task_type: string; scan_scope: number; rate_limit: number; is_all: number;
  begin_time: number; end_time: number | null;
}

export interface ImageScanTaskImagesTable {
  task_id: string; image_row: string; job_id: string | null;
  /** Set when the image could not be queued at all (no agent, agent offline). */
  failed_reason: string;
}

/** `image-local-scan` jobs claimed by the sweep (one replica stores each job); `stored_at` 0 while being stored. */
export interface ImageLocalResultsTable { job_id: string; stored_at: number }

export type ImageTables = {
  image_local_results: ImageLocalResultsTable;
  image_images: ImageImagesTable;
  image_apps: ImageAppsTable;
  image_files: ImageFilesTable;
  image_malwares: ImageMalwaresTable;
  image_sensitive: ImageSensitiveTable;
  image_non_compliant: ImageNonCompliantTable;
  image_build_risks: ImageBuildRisksTable;
  image_vulns: ImageVulnsTable;
  image_scan_tasks: ImageScanTasksTable;
  image_scan_task_images: ImageScanTaskImagesTable;
};

export type ImageDatabase = Database & ImageTables;
export type ImageRow = Selectable<ImageImagesTable>;
