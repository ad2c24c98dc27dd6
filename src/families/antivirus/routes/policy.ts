import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { newUuid } from '../../../identity/secrets.js';
import { invalidParameter, resourceNotFound } from '../../../server/errors.js';
import type { EnterpriseScope } from '../../../store/scope.js';
import type { Agent, Database } from '../../../store/schema.js';
import { policySpec, type PolicyInput, type PolicySpec } from '../policy-rules.js';
import { launchOf } from '../policy-scheduler.js';
import { agentsOf, launchScan, namedIds, taskEnterpriseProject } from '../scan-launch.js';
import type { AntivirusServices } from '../services.js';
import { ChangePolicyBody, CreatePolicyBody, DeletePolicyBody, ListPoliciesQuery, ListPoliciesResponse, SavePolicyResponse } from './policy-schemas.js';
import { policyInfo } from './policy-views.js';
import { EmptyResponse, RegionHeader, ScopeQuery } from './schemas.js';

/**
 * HSS antivirus scan policies: CreateAntiVirusPolicy, ListAntiVirusPolicy, ChangeAntivirusPolicy and
 * DeleteAntivirusPolicy. `later` and `period` policies are run by the scheduler (policy-scheduler.ts); a
 * `start_type=now` policy starts its task while it is saved (create, and every change that keeps it `now`), in the
 * same transaction as the policy row, and then has no next run (`invalidate`: true).
 */

interface Owner { projectId: string; enterpriseProjectId: string; createdBy: string; policyId: string }

const notFound = (policyId: string) => resourceNotFound('hss', `antivirus policy ${policyId} does not exist in this project (see ListAntiVirusPolicy)`);

export const antivirusPolicyRoutes = (services: AntivirusServices): FastifyPluginAsyncTypebox => async (app) => {
  const { policies, reads } = services;

  /** The body checked as a whole, and the agents of its hosts (every one must be enrolled in the project / scope). */
  const checked = async (projectId: string, scope: EnterpriseScope, input: PolicyInput, now: number): Promise<{ spec: PolicySpec; agents: Agent[] }> => {
    const spec = policySpec(input, now);
    if ('problem' in spec) throw invalidParameter('hss', spec.problem);
    const { agents, unknown } = await agentsOf(reads, projectId, scope, spec.hostIds);
    if (unknown.length > 0) throw resourceNotFound('hss', `unknown host id(s) in host_ids: ${namedIds(unknown)} (no agent in this project or enterprise project)`);
    return { spec, agents };
  };

  /** A `now` policy's task, created in one transaction with `write` (the policy's insert or update). */
  const runNow = async (spec: PolicySpec, owner: Owner, agents: readonly Agent[], now: number, write: (trx: Kysely<Database>) => Promise<void>) => {
    const { task } = await launchScan(services, launchOf({ ...spec, startType: 'now' }, owner), agents, { now, before: write });
    return task.id;
  };

  const userOf = (request: FastifyRequest) => request.principal?.userId ?? 'unknown';

  app.post('/v5/:project_id/antivirus/policy', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'CreateAntiVirusPolicy', tags: ['hss'], summary: 'HSS CreateAntiVirusPolicy: a scan that runs now, once later, or every day / week / month',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, body: CreatePolicyBody, response: { 200: SavePolicyResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const body = request.body;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    if (body.task_id) throw invalidParameter('hss', 'task_id is not used by policies (to rescan a task, call CreateAntiVirusTask with its task_id)');
    const now = Date.now();
    const { spec, agents } = await checked(projectId, scope, body, now);
    const owner: Owner = { projectId, enterpriseProjectId: taskEnterpriseProject(agents, scope), createdBy: userOf(request), policyId: newUuid() };
    if (spec.timing.startType !== 'now') {
      await policies.insert(owner, spec, now, undefined, owner.policyId);
      return { policy_id: owner.policyId };
    }
    const taskId = await runNow(spec, owner, agents, now, async (trx) => {
      await policies.insert(owner, spec, now, trx, owner.policyId);
    });
    return { policy_id: owner.policyId, task_id: taskId };
  });

  app.get('/v5/:project_id/antivirus/policy', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListAntiVirusPolicy', tags: ['hss'], summary: 'HSS ListAntiVirusPolicy: the project\'s antivirus scan policies, newest first, with their next run',
      params: ProjectParams, querystring: ListPoliciesQuery, headers: RegionHeader, response: { 200: ListPoliciesResponse },
    },
  }, async (request) => {
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const { total, rows } = await policies.list({ projectId: request.params.project_id, scope, policyName: q.policy_name }, { offset: q.offset, limit: q.limit });
    return { total_num: total, data_list: rows.map(policyInfo) };
  });

  app.put('/v5/:project_id/antivirus/policy', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ChangeAntivirusPolicy', tags: ['hss'], summary: 'HSS ChangeAntivirusPolicy: replace a policy\'s settings and hosts (its next run is computed again)',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, body: ChangePolicyBody, response: { 200: SavePolicyResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const body = request.body;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const existing = await policies.get(projectId, body.policy_id, scope);
    if (!existing) throw notFound(body.policy_id);
    const now = Date.now();
    const { spec, agents } = await checked(projectId, scope, body, now);
    if (spec.timing.startType !== 'now') {
      if (!(await policies.update(projectId, body.policy_id, spec, now))) throw notFound(body.policy_id);
      return { policy_id: body.policy_id };
    }
    const owner: Owner = { projectId, enterpriseProjectId: existing.enterprise_project_id, createdBy: existing.created_by, policyId: body.policy_id };
    const taskId = await runNow(spec, owner, agents, now, async (trx) => {
      if (!(await policies.update(projectId, body.policy_id, spec, now, trx))) throw notFound(body.policy_id);
    });
    return { policy_id: body.policy_id, task_id: taskId };
  });

  app.post('/v5/:project_id/antivirus/policy/batch-delete', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'DeleteAntivirusPolicy', tags: ['hss'], summary: 'HSS DeleteAntivirusPolicy: delete policies (all or none); the tasks they ran stay',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, body: DeletePolicyBody, response: { 200: EmptyResponse },
    },
  }, async (request) => {
    const ids = request.body.policy_ids ?? [];
    if (ids.length === 0) throw invalidParameter('hss', 'policy_ids must name 1-50 policies');
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const missing = await policies.delete(request.params.project_id, scope, ids);
    if (missing.length > 0) throw resourceNotFound('hss', `unknown policy id(s) in policy_ids: ${namedIds(missing)} (nothing was deleted)`);
    return {};
  });
};
