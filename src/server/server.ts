import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { openBlobStore } from '../blobs/open-blob-store.js';
import { endpointOf, type GuardpostConfig } from '../config.js';
import { bootstrap, checkMasterKey, loadMasterKey, type Credentials } from '../identity/bootstrap.js';
import { IdentityService } from '../identity/identity-service.js';
import { LoginLimiter } from '../identity/login-limiter.js';
import { PasswordHasher } from '../identity/password-hasher.js';
import { LoginFailureStore } from '../store/login-failure-store.js';
import { AgentStore } from '../store/agent-store.js';
import { HostStore } from '../store/host-store.js';
import { exportTaskRoutes } from '../api/hss/export-tasks.js';
import { ExportService } from '../export/export-service.js';
import { exportRetention } from '../export/retention.js';
import { assembleFamilies, jobKinds as shippedKinds, allMigrations, serverFamilies } from '../families/server.js';
import type { ServerFamily } from '../families/types.js';
import { ArtifactStore } from '../store/artifact-store.js';
import { migrateToLatest, openStore } from '../store/database.js';
import { OpsStore } from '../store/ops-store.js';
import { TaskStore } from '../store/task-store.js';
import { startWorkers } from '../workers/index.js';
import { buildApp, type App } from './app.js';
import type { AppContext } from './context.js';
import { Metrics } from './metrics.js';
import { WorkNotifier } from './work-notifier.js';

export interface RunningServer {
  app: App;
  ctx: AppContext;
  endpoint: string;
  credentials: Credentials | null;
  close(): Promise<void>;
}

const shipped = { families: serverFamilies, jobKinds: shippedKinds, migrations: allMigrations };

/** Opens the stores, migrates, bootstraps on first start, starts the workers and listens. */
export interface StartOptions {
  logger?: boolean | object;
  bootstrap?: Partial<{ adminPassword: string; domainName: string; projectName: string }>;
  /** The families to run (default: every shipped family, src/families/server.ts); tests add their own. */
  families?: readonly ServerFamily[];
}

export async function startServer(config: GuardpostConfig, options: StartOptions = {}): Promise<RunningServer> {
  const { families: registry, jobKinds, migrations } = options.families ? assembleFamilies(options.families) : shipped;
  fs.mkdirSync(config.home, { recursive: true, mode: 0o700 });
  const store = openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  let blobStore: ReturnType<typeof openBlobStore> | undefined;
  try {
    await migrateToLatest(store, migrations);
    const box = loadMasterKey(config.home, config.masterKey);
    await checkMasterKey(store, box);
    const hasher = new PasswordHasher(config.login.hashConcurrency, config.login.hashQueue);
    const identity = new IdentityService(store.db, box, config.tokenTtlSeconds * 1000, hasher);
    const tasks = new TaskStore(store.db, store.dialect, jobKinds);
    const agents = new AgentStore(store.db, tasks);
    const notifier = new WorkNotifier(tasks);
    blobStore = openBlobStore(config);
    const { blobs } = blobStore;
    const artifacts = new ArtifactStore(store.db, blobs);
    const exports = new ExportService(tasks, artifacts);
    const ops = new OpsStore(store.db, migrations);
    const metrics = new Metrics({
      agentsOnline: () => ops.agentsOnline(config.agentOfflineSeconds * 1000), jobsByState: () => ops.jobsByState(),
    });
    const loginLimiter = new LoginLimiter(new LoginFailureStore(store.db), config.login);
    const ctx: AppContext = { config, store, blobs, artifacts, exports, identity, tasks, agents, hosts: new HostStore(store.db), notifier, ops, metrics, loginLimiter, hostCounters: [] };
    const families = registry.all.map((family) => family.start(ctx));
    ctx.hostCounters.push(...families.flatMap((f) => f.hostCounters ?? []));
    exports.register(families.flatMap((f) => f.reportTypes ?? []));
    const app = await buildApp(ctx, { logger: options.logger ?? false, routes: [exportTaskRoutes(exports), ...families.flatMap((f) => f.routes)] });
    await app.listen({ host: config.listenHost, port: config.listenPort });
    const port = (app.server.address() as AddressInfo).port;
    const endpoint = endpointOf(config, port);
    const credentials = await bootstrap(store, box, { home: config.home, endpoint, ...options.bootstrap });
    // A store that cannot be used is said at start-up (and by /readyz), not only at the first upload.
    blobStore.blobs.probe().catch((error: unknown) => app.log.error({ err: error }, `blob store (${blobStore?.description ?? ''}) is not usable`));
    notifier.start();
    const workers = startWorkers(ctx, app.log, {
      periodics: [exportRetention(exports, config), ...families.flatMap((f) => f.periodics ?? [])],
      serverJobs: [exports.runner(), ...families.flatMap((f) => f.serverJobs ?? [])],
    });
    return {
      app, ctx, endpoint, credentials,
      async close() {
        notifier.stop();
        await workers.stop();
        await app.close();
        await agents.flushHeartbeats().catch(() => undefined);
        await store.close();
        blobStore?.close();
      },
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    blobStore?.close();
    throw error;
  }
}
