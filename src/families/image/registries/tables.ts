import type { Database } from '../../../store/schema.js';

/** Tables of migration image/0002_registries; the core `Database` type does not know them. */

export interface ImageRegistriesTable {
  id: string; project_id: string; enterprise_project_id: string; name: string;
  /** `Harbor` | `Jfrog` | `Other`. */
  registry_type: string; api_version: string;
  /** `https` | `http` (http = registered as insecure). */
  protocol: string;
  /** `host[:port]`. */
  address: string; username: string;
  /** SecretBox-sealed password or token: never logged, never returned. */
  password_sealed: string;
  ca_pem: string | null; namespace: string | null; connect_cluster_id: string; scan_channel: string;
  /** `accessing` | `success` | `fail` (HSS RegistryInfo.status). */
  status: string;
  /** HSS RegistryInfo.fail_reason (`REQUEST_API_ERROR`, `SERVER_ERROR`). */
  fail_reason: string | null;
  /** The registry client's typed code and message (kept for operators; credentials never appear in it). */
  fail_detail: string | null;
  images_num: number; latest_sync_time: number | null; created_at: number;
}

export interface ImageRegistryImagesTable {
  /** Stable int64 (53-bit) id of registry + repository + tag: a re-sync keeps it. */
  id: number; registry_id: string; project_id: string;
  /** The repository path before its last segment ('' when none). */
  namespace: string; image_name: string; image_version: string; image_digest: string;
  is_multiple_arch: number; image_size: number; latest_sync_time: number;
}

export type RegistryTables = {
  image_registries: ImageRegistriesTable;
  image_registry_images: ImageRegistryImagesTable;
};

export type RegistryDatabase = Database & RegistryTables;
