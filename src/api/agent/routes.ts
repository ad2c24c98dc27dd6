import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { HostFactsSchema } from '../../core/host-facts.js';
import { BlobKeyError, BlobTooLargeError } from '../../blobs/blob-store.js';
import { EnrollmentError } from '../../store/agent-store.js';
import { JobNotLeasedError } from '../../store/task-store.js';
import { ApiError, invalidParameter, malformedRequest } from '../../server/errors.js';
import type { Job } from '../../store/schema.js';

/** Agent protocol, `/agent/v1/…`: enroll, long-poll check-in, claim, progress, finish, artifact upload. */

export const AGENT_AUTH_SCHEME = 'GuardpostAgent';
export const MAX_ARTIFACT_BYTES = 4 * 1024 * 1024 * 1024;

const agentRoute = { auth: 'agent' as const, dialect: 'agent' as const };
const JobParams = Type.Object({ job_id: Type.String({ pattern: '^[0-9a-f]{32}$' }) });
const ArtifactParams = Type.Object({
  job_id: Type.String({ pattern: '^[0-9a-f]{32}$' }),
  name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' }),
});

const EnrollBody = Type.Object({ enrollment_token: Type.String({ minLength: 8, maxLength: 256 }), facts: HostFactsSchema }, { additionalProperties: false });
const CheckinBody = Type.Object({
  facts: Type.Optional(HostFactsSchema),
  wait_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
}, { additionalProperties: false });
const ProgressBody = Type.Object({
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  detail: Type.Optional(Type.Unknown()),
}, { additionalProperties: false });
const FinishBody = Type.Object({
  outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]),
  result: Type.Optional(Type.Unknown()),
  reason: Type.Optional(Type.String({ maxLength: 2000 })),
  /** The version of the job kind the agent's handler implements (stored with the result). */
  kind_version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
}, { additionalProperties: false });

const AGENT_AUTH_PATTERN = new RegExp(`^${AGENT_AUTH_SCHEME} ([0-9a-f]{64}):([A-Za-z0-9_-]{16,128})$`);
const NO_WORK: { offered: Job[]; cancelJobIds: string[] } = Object.freeze({ offered: [], cancelJobIds: [] });

const notLeased = (jobId: string) => new ApiError(409, 'GP.AGENT.0409', `job ${jobId} is not running under this agent's lease (expired, cancelled or finished)`);

function jobView(job: Job) {
  return { id: job.id, task_id: job.task_id, kind: job.kind, payload: JSON.parse(job.payload) as unknown, attempt: job.attempts };
}

export const agentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { agents, tasks, notifier, config, artifacts } = app.ctx;
  const leaseMs = config.jobLeaseSeconds * 1000;
  const factsDigests = new Map<string, string>();
  // Most check-ins find nothing: the notifier's shared per-tick set of agents with work spares them a query.
  const workFor = async (agentId: string) => (notifier.mayHaveWork(agentId) ? tasks.agentWork(agentId) : NO_WORK);

  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.addHook('preValidation', async (request: FastifyRequest) => {
    if (request.routeOptions.config.auth !== 'agent') return;
    const header = request.headers.authorization ?? '';
    const match = AGENT_AUTH_PATTERN.exec(header);
    const identity = match ? await agents.authenticate(match[1] as string, match[2] as string) : null;
    if (!match || !identity) throw new ApiError(401, 'APIGW.0301', 'Incorrect agent credentials (unknown, revoked or wrong secret).');
    request.agentId = match[1] as string;
    request.agentProjectId = identity.projectId;
  });

  app.post('/agent/v1/enroll', {
    config: { auth: 'none', dialect: 'agent' },
    schema: { hide: true, operationId: 'AgentEnroll', tags: ['agent'], body: EnrollBody },
  }, async (request) => {
    const body = request.body;
    try {
      const { agent, secret } = await agents.enroll(body.enrollment_token, body.facts);
      factsDigests.set(agent.id, agent.facts_digest);
      return { agent_id: agent.id, agent_secret: secret, host_id: agent.host_id, project_id: agent.project_id };
    } catch (error) {
      if (error instanceof EnrollmentError) throw new ApiError(401, 'APIGW.0301', error.message);
      throw error;
    }
  });

  app.post('/agent/v1/checkin', { config: agentRoute, schema: { hide: true, operationId: 'AgentCheckin', tags: ['agent'], body: CheckinBody } }, async (request, reply) => {
    const agentId = request.agentId as string;
    const body = (request.body ?? {});
    agents.noteSeen(agentId);
    if (body.facts) factsDigests.set(agentId, await agents.updateFacts(agentId, body.facts, factsDigests.get(agentId)));
    let work = await workFor(agentId);
    // A held check-in refreshes last_seen only at its start and end: keep it well inside the offline threshold.
    const waitMs = Math.min((body.wait_seconds ?? 0) * 1000, config.checkinMaxWaitSeconds * 1000, (config.agentOfflineSeconds * 1000) / 3);
    if (waitMs > 0 && work.offered.length === 0 && work.cancelJobIds.length === 0) {
      // The response's 'close' means the agent went away; the request's fires as soon as its body was read.
      const aborted = new AbortController();
      reply.raw.once('close', () => aborted.abort());
      if (!request.raw.socket.destroyed) await notifier.wait(agentId, waitMs, aborted.signal);
      agents.noteSeen(agentId);
      work = await workFor(agentId);
    }
    return {
      jobs: work.offered.map(jobView),
      cancel_job_ids: work.cancelJobIds,
      server_time: Date.now(),
      lease_seconds: config.jobLeaseSeconds,
    };
  });

  app.post('/agent/v1/jobs/:job_id/claim', { config: agentRoute, schema: { hide: true, operationId: 'AgentClaimJob', tags: ['agent'], params: JobParams } }, async (request) => {
    const { job_id: jobId } = request.params;
    const job = await tasks.claimForAgent(jobId, request.agentId as string, leaseMs);
    if (!job) throw notLeased(jobId);
    const problem = tasks.payloadProblem(job);
    if (problem !== null) {
      // A payload this server's kind no longer accepts fails at once, with the reason, instead of running or waiting.
      await tasks.finish(job.id, request.agentId as string, 'failed', undefined, problem);
      throw new ApiError(409, 'GP.AGENT.0422', `job ${jobId} was not started: ${problem}`);
    }
    return { job: jobView(job), lease_expires_at: job.lease_expires_at, lease_seconds: config.jobLeaseSeconds };
  });

  app.post('/agent/v1/jobs/:job_id/progress', { config: agentRoute, schema: { hide: true, operationId: 'AgentReportJobProgress', tags: ['agent'], params: JobParams, body: ProgressBody } }, async (request) => {
    const { job_id: jobId } = request.params;
    const body = request.body;
    try {
      const state = await tasks.progress(jobId, request.agentId as string, body.progress, body.detail, leaseMs);
      return { cancel_requested: state.cancelRequested, lease_expires_at: state.leaseExpiresAt };
    } catch (error) {
      if (error instanceof JobNotLeasedError) throw notLeased(jobId);
      throw error;
    }
  });

  app.post('/agent/v1/jobs/:job_id/finish', { config: agentRoute, schema: { hide: true, operationId: 'AgentFinishJob', tags: ['agent'], params: JobParams, body: FinishBody } }, async (request) => {
    const { job_id: jobId } = request.params;
    const body = request.body;
    if (body.outcome !== 'succeeded' && !body.reason) throw invalidParameter('agent', 'a failed or cancelled job needs a reason');
    try {
      const job = await tasks.finish(jobId, request.agentId as string, body.outcome, body.result, body.reason ?? null, Date.now(), body.kind_version);
      return { id: job.id, state: job.state };
    } catch (error) {
      if (error instanceof JobNotLeasedError) throw notLeased(jobId);
      throw error;
    }
  });

  app.put('/agent/v1/jobs/:job_id/artifacts/:name', {
    config: agentRoute,
    bodyLimit: MAX_ARTIFACT_BYTES,
    schema: { hide: true, operationId: 'AgentUploadArtifact', tags: ['agent'], params: ArtifactParams },
  }, async (request) => {
    const { job_id: jobId, name } = request.params;
    const job = await tasks.getJob(jobId);
    if (!job || job.state !== 'running' || job.lease_owner !== request.agentId) throw notLeased(jobId);
    const contentType = (request.headers['x-artifact-content-type'] as string | undefined) ?? 'application/octet-stream';
    if (!/^[\w.+-]+\/[\w.+-]+$/.test(contentType)) throw invalidParameter('agent', 'X-Artifact-Content-Type is not a media type');
    let artifact;
    try {
      artifact = await artifacts.put({ projectId: job.project_id, taskId: job.task_id, jobId: job.id }, name, contentType,
        request.body as Readable, { maxBytes: MAX_ARTIFACT_BYTES });
    } catch (error) {
      if (error instanceof BlobTooLargeError) throw malformedRequest('agent', error.message, 413);
      if (error instanceof BlobKeyError) throw invalidParameter('agent', error.message);
      throw error;
    }
    return { artifact_id: artifact.id, size: artifact.size, sha256: artifact.sha256 };
  });
};
