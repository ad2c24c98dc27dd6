import fs from 'node:fs';
import { FsBlobStore } from '../../../src/blobs/fs-blob-store.js';
import type { JobContext, JobOutcome } from '../../../src/agent/handlers/handler.js';
import type { OsvRecord } from '../../../src/engines/vuln/osv-schema.js';
import { inventoryHandler } from '../../../src/families/vul-scan/agent-handler.js';
import { matchRunner } from '../../../src/families/vul-scan/match-runner.js';
import { rematchRunner } from '../../../src/families/vul-scan/rematch-runner.js';
import { pipelineServices, type PipelineServices } from '../../../src/families/vul-scan/services.js';
import type { Agent, Job } from '../../../src/store/schema.js';
import { ArtifactStore } from '../../../src/store/artifact-store.js';
import type { TaskStore } from '../../../src/store/task-store.js';
import { ServerJobWorker } from '../../../src/workers/server-jobs.js';
import { loadConfig } from '../../../src/config.js';
import { tempDir } from '../../helpers/db.js';
import { put } from '../../engines/inventory/inventory-helpers.js';
import { hostFacts, type StoreFixture } from '../../store/fixture.js';

/** Shared pieces of the scan-pipeline tests (not a test file): fixture roots and advisories, real stores, job runs. */

export const ALPINE_OS_RELEASE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n';
export const DEBIAN_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';

/** Alpine 3.19: libcrypto3 (origin openssl) 3.1.2-r0, busybox 1.36.1-r15; PyPI requests 2.19.0 and jinja2 3.1.4 under opt/app. */
export function alpineRoot(root: string): string {
  put(root, 'etc/os-release', ALPINE_OS_RELEASE);
  put(root, 'lib/apk/db/installed',
    'P:libcrypto3\nV:3.1.2-r0\nA:x86_64\no:openssl\n\nP:busybox\nV:1.36.1-r15\nA:x86_64\no:busybox\n\n');
  put(root, 'opt/app/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA', 'Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n\nbody\n');
  put(root, 'opt/app/lib/python3.11/site-packages/Jinja2-3.1.4.dist-info/METADATA', 'Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.4\n');
  return root;
}

/** Debian 12: libssl3 from source openssl 3.0.11-1~deb12u1; bash 5.2.15-2+b2 (source bash 5.2.15-2). */
export function debianRoot(root: string): string {
  put(root, 'etc/os-release', DEBIAN_OS_RELEASE);
  put(root, 'var/lib/dpkg/status', [
    'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u1\n',
    'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nSource: bash (5.2.15-2)\nVersion: 5.2.15-2+b2\n',
    'Package: removed\nStatus: deinstall ok config-files\nVersion: 1.0-1\n',
  ].join('\n'));
  return root;
}

/** An application-only root: no os-release, one PyPI package. */
export function appOnlyRoot(root: string): string {
  put(root, 'srv/site-packages/requests-2.19.0.dist-info/METADATA', 'Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n');
  return root;
}

const range = (fixed: string, introduced = '0') => [{ type: 'ECOSYSTEM' as const, events: [{ introduced }, { fixed }] }];

export function advisory(id: string, ecosystem: string, name: string, fixed: string, extra: Partial<OsvRecord> = {}): OsvRecord {
  return {
    id, modified: '2024-01-01T00:00:00Z', summary: `${name} problem ${id}`, aliases: [`CVE-2024-${id.replace(/\D/g, '').padStart(4, '0')}`],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [{ package: { ecosystem, name }, ranges: range(fixed) }],
    ...extra,
  };
}

/**
 * Advisories with exactly known outcomes on the fixture roots: hits (apk origin, Debian source name with `~`,
 * PEP 503 name folding) and misses (already fixed, other release, binary name where the source is meant).
 */
export const FIXTURE_ADVISORIES: OsvRecord[] = [
  advisory('ALPINE-1', 'Alpine:v3.19', 'openssl', '3.1.4-r1'),
  advisory('ALPINE-2', 'Alpine:v3.19', 'busybox', '1.36.1-r2'),
  advisory('ALPINE-3', 'Alpine:v3.18', 'openssl', '3.1.4-r1'),
  advisory('DEBIAN-1', 'Debian:12', 'openssl', '3.0.11-1'),
  advisory('DEBIAN-2', 'Debian:12', 'openssl', '3.0.13-1~deb12u1'),
  advisory('DEBIAN-3', 'Debian:12', 'libssl3', '9.9'),
  advisory('DEBIAN-4', 'Debian:12', 'bash', '5.2.15-2+b1'),
  advisory('PYSEC-1', 'PyPI', 'requests', '2.20.0'),
  advisory('PYSEC-2', 'PyPI', 'requests', '2.0'),
  advisory('PYSEC-3', 'PyPI', 'jinja2', '3.1.5'),
];

export interface PipelineFixture {
  services: PipelineServices;
  artifacts: ArtifactStore;
  blobDir: string;
}

export function pipelineFixture(fx: StoreFixture, store = fx.store, tasks: TaskStore = fx.tasks, blobDir = tempDir('gp-vul-blobs-')): PipelineFixture {
  const blobs = new FsBlobStore(blobDir);
  const artifacts = new ArtifactStore(store.db, blobs);
  const config = loadConfig({ GUARDPOST_HOME: blobDir });
  return { services: pipelineServices({ tasks, artifacts, config, store, blobs }), artifacts, blobDir };
}

export async function enrollAgents(fx: StoreFixture, projectId: string, names: readonly string[]): Promise<Agent[]> {
  const token = await fx.agents.createEnrollmentToken({ projectId });
  const agents: Agent[] = [];
  for (const name of names) agents.push((await fx.agents.enroll(token.token, hostFacts({ host_name: name }))).agent);
  return agents;
}

/** Claims an inventory job as its agent would, runs the real handler on `hostRoot`, uploads into the real artifact store, finishes it. */
export async function runInventoryJob(fx: StoreFixture, pf: PipelineFixture, job: Job, hostRoot: string, appRoots = '/', signal?: AbortSignal): Promise<JobOutcome> {
  const owner = job.agent_id as string;
  const claimed = await fx.tasks.claimForAgent(job.id, owner, 60_000);
  if (!claimed) throw new Error(`job ${job.id} could not be claimed`);
  const capability = inventoryHandler.capability({ 'host-root': hostRoot, 'app-roots': appRoots });
  if (!capability) throw new Error(`no capability for ${hostRoot}`);
  const workDir = tempDir('gp-vul-job-');
  const controller = new AbortController();
  const ctx: JobContext = {
    jobId: job.id, taskId: job.task_id, payload: JSON.parse(job.payload), signal: signal ?? controller.signal, abortCause: () => (signal?.aborted ? 'user_stop' : null), workDir,
    reportProgress: () => undefined, log: () => undefined, trackProcess: () => undefined,
    uploadArtifact: async (name, file, contentType) => {
      const artifact = await pf.artifacts.put({ projectId: job.project_id, taskId: job.task_id, jobId: job.id }, name, contentType, fs.createReadStream(file));
      return { size: artifact.size, sha256: artifact.sha256 };
    },
  };
  try {
    const outcome = await inventoryHandler.run(ctx, capability);
    await fx.tasks.finish(job.id, owner, outcome.outcome, outcome.result, outcome.outcome === 'succeeded' ? null : outcome.reason);
    return outcome;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

export function serverWorker(tasks: TaskStore, services: PipelineServices, owner = 'test-replica'): ServerJobWorker {
  return new ServerJobWorker(tasks, [matchRunner(services), rematchRunner(services)], { owner, leaseMs: 30_000, concurrency: 2, log: () => undefined });
}

/** Ticks the worker until every server job of the task has ended (bounded). */
export async function drainServerJobs(worker: ServerJobWorker, tasks: TaskStore, taskId: string, timeoutMs = 30_000): Promise<Job[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await worker.tick();
    const jobs = (await tasks.jobsOfTask(taskId)).filter((j) => j.agent_id === null);
    if (jobs.every((j) => j.state !== 'queued' && j.state !== 'running') && worker.busy === 0) return jobs;
    if (Date.now() > deadline) throw new Error(`server jobs of task ${taskId} did not end: ${JSON.stringify(jobs.map((j) => [j.kind, j.state]))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

