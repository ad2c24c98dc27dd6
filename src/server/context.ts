import type { BlobStore } from '../blobs/blob-store.js';
import type { GuardpostConfig } from '../config.js';
import type { IdentityService, Principal, RoleGrant } from '../identity/identity-service.js';
import type { LoginLimiter } from '../identity/login-limiter.js';
import type { AgentStore } from '../store/agent-store.js';
import type { HostStore } from '../store/host-store.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import type { ExportService } from '../export/export-service.js';
import type { HostCounter } from '../core/family.js';
import type { OpsStore } from '../store/ops-store.js';
import type { Store } from '../store/database.js';
import type { TaskStore } from '../store/task-store.js';
import type { ApiDialect } from './errors.js';
import type { Metrics } from './metrics.js';
import type { WorkNotifier } from './work-notifier.js';

/** Everything a route needs, assembled once per server process. */
export interface AppContext {
  config: GuardpostConfig;
  store: Store;
  blobs: BlobStore;
  identity: IdentityService;
  tasks: TaskStore;
  agents: AgentStore;
  hosts: HostStore;
  notifier: WorkNotifier;
  artifacts: ArtifactStore;
  /** The generic HSS export-task flow; families create exports of their report types through it. */
  exports: ExportService;
  ops: OpsStore;
  /** Filled once the families have started: the host-record counters they provide. */
  hostCounters: HostCounter[];
  metrics: Metrics;
  loginLimiter: LoginLimiter;
}

export type RouteAuth = 'huawei' | 'agent' | 'none';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Responses for the OpenAPI document only (binary bodies, headers, errors a route answers itself). */
    documentedResponses?: Record<string, object>;
    auth?: RouteAuth;
    dialect?: ApiDialect;
    /** A POST that only reads (Huawei puts some queries behind POST): the readonly role may call it. */
    readsOnly?: boolean;
    /** The route reads its body as a stream (uploads): AK/SK callers sign it as UNSIGNED-PAYLOAD (aksk-signature.ts). */
    streamedBody?: boolean;
  }
  interface FastifyRequest {
    rawBody?: Buffer;
    principal?: Principal;
    agentId?: string;
    agentProjectId?: string;
    grant?: RoleGrant;
  }
  interface FastifyInstance {
    ctx: AppContext;
  }
}
