import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { ApiError } from '../../../server/errors.js';
import type { AntivirusServices } from '../services.js';
import { EmptyResponse, RegionHeader, ScopeQuery } from './schemas.js';

/**
 * The project's antivirus switches (settings-store.ts) and its free quota:
 * ShowAntivirusPayPerScanStatus / ChangeAntivirusPayPerScanStatus (`enabled`; off refuses CreateAntiVirusPaidTask),
 * ListAutoKillVirusStatus / StartAutoKillVirusStatus (`enabled`, default false; on isolates the new detections of
 * `action=manual` tasks automatically too), ShowAntivirusFreeQuota (monthly free pay-per-scan host scans).
 * The switches are per project; the enterprise project query is checked like everywhere else.
 */

const Enabled = Type.Object({ enabled: Type.Boolean() });
const PayPerScanBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });
/** ChangeAutoKillVirusStatusRequestInfo: `enabled` optional, default false. */
const AutoKillBody = Type.Object({ enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const Int32 = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
const FreeQuotaResponse = Type.Object({
  free_quota: Int32, occupied_free_quota: Int32, antivirus_already_given: Type.Boolean(), antivirus_free_quota: Int32,
  report_already_given: Type.Boolean(), report_free_quota: Int32,
});

const schema = <Extra extends object>(operationId: string, summary: string, extra: Extra, preValidation?: (request: { body: unknown }) => Promise<void>) => ({
  config: huaweiRoute('hss'),
  schema: { operationId, tags: ['hss'], summary, params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, ...extra },
  ...(preValidation ? { preValidation } : {}),
});

const INT32_MAX = 2_147_483_647;

/** CreateAntiVirusPaidTask (new task or rescan) while the project's pay-per-scan switch is off: 400 HSS.0010, nothing stored. */
export const payPerScanOff = () => new ApiError(400, 'HSS.0010',
  'pay-per-scan antivirus is turned off for this project; ChangeAntivirusPayPerScanStatus with enabled=true allows CreateAntiVirusPaidTask again');

export const antivirusSettingsRoutes = (services: AntivirusServices): FastifyPluginAsyncTypebox => async (app) => {
  const { settings } = services;

  app.get('/v5/:project_id/antivirus/pay-per-scan', schema('ShowAntivirusPayPerScanStatus',
    'HSS ShowAntivirusPayPerScanStatus: whether pay-per-scan antivirus tasks may be created', { response: { 200: Enabled } }), async (request) => {
    enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    return { enabled: (await settings.get(request.params.project_id)).payPerScan };
  });

  app.put('/v5/:project_id/antivirus/pay-per-scan', schema('ChangeAntivirusPayPerScanStatus',
    'HSS ChangeAntivirusPayPerScanStatus: allow or refuse pay-per-scan antivirus tasks', { body: PayPerScanBody, response: { 200: EmptyResponse } }),
  async (request) => {
    enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    await settings.set(request.params.project_id, { payPerScan: request.body.enabled });
    return {};
  });

  app.get('/v5/:project_id/setting/virus-kill', schema('ListAutoKillVirusStatus',
    'HSS ListAutoKillVirusStatus: whether new detections are isolated and killed automatically', { response: { 200: Enabled } }), async (request) => {
    enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    return { enabled: (await settings.get(request.params.project_id)).autoKill };
  });

  app.post('/v5/:project_id/setting/virus-kill', schema('StartAutoKillVirusStatus',
    'HSS StartAutoKillVirusStatus: turn automatic isolate-and-kill of new detections on or off', {
      body: AutoKillBody, response: { 200: EmptyResponse },
    }, async (request) => {
    // The SDK sends no body when the request's body is unset: `enabled` takes its default, false.
    request.body ??= {};
  }), async (request) => {
    enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    await settings.set(request.params.project_id, { autoKill: request.body.enabled ?? false });
    return {};
  });

  app.get('/v5/:project_id/antivirus/pay-per-scan/free-quotas', schema('ShowAntivirusFreeQuota',
    'HSS ShowAntivirusFreeQuota: free pay-per-scan host scans left this month', { response: { 200: FreeQuotaResponse } }), async (request) => {
    enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const use = await services.statistics.quotaUse(request.params.project_id);
    const quota = services.freeQuota;
    return {
      free_quota: Math.min(INT32_MAX, Math.max(0, quota - use.used)), occupied_free_quota: Math.min(INT32_MAX, quota, use.scanning),
      antivirus_already_given: quota > 0, antivirus_free_quota: Math.min(INT32_MAX, quota), report_already_given: false, report_free_quota: 0,
    };
  });
};
