import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

/**
 * What the SDK cores and Terraform call to discover ids: GET /v3/auth/domains (GlobalCredentials without a
 * domain id), GET /v3/auth/projects and GET /v3/regions. Token or AK/SK authenticated, like every IAM read.
 */

const baseUrl = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;

const collectionLinks = (request: FastifyRequest, path: string) => ({ self: `${baseUrl(request)}${path}`, previous: null, next: null });

const NoQuery = Type.Object({}, { additionalProperties: true });

export const iamDiscoveryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { identity, config } = app.ctx;
  const iam = { auth: 'huawei' as const, dialect: 'iam' as const };

  app.get('/v3/auth/domains', {
    config: iam,
    schema: { operationId: 'KeystoneListAuthDomains', tags: ['iam'], summary: 'The domains the caller may scope a token to: its own (SDK GlobalCredentials domain discovery)', querystring: NoQuery },
  }, async (request) => {
    const principal = request.principal!;
    return {
      domains: [{
        id: principal.domainId, name: principal.domainName, enabled: true, description: '',
        links: { self: `${baseUrl(request)}/v3/domains/${principal.domainId}` },
      }],
      links: collectionLinks(request, '/v3/auth/domains'),
    };
  });

  app.get('/v3/auth/projects', {
    config: iam,
    schema: { operationId: 'KeystoneListAuthProjects', tags: ['iam'], summary: 'The projects the caller holds a role in', querystring: NoQuery },
  }, async (request) => {
    const projects = await identity.projectsVisibleTo(request.principal!);
    return {
      projects: projects.map((p) => ({
        id: p.id, name: p.name, domain_id: p.domain_id, parent_id: p.domain_id, enabled: true, is_domain: false,
        description: '', links: { self: `${baseUrl(request)}/v3/projects/${p.id}` },
      })),
      links: collectionLinks(request, '/v3/auth/projects'),
    };
  });

  app.get('/v3/regions', {
    config: iam,
    schema: { operationId: 'KeystoneListRegions', tags: ['iam'], summary: 'Regions: the configured one (GUARDPOST_REGION) and the name of every project the caller may use', querystring: NoQuery },
  }, async (request) => {
    const projects = await identity.projectsVisibleTo(request.principal!);
    const ids = [...new Set([config.region, ...projects.map((p) => p.name)])];
    return {
      regions: ids.map((id) => ({
        id, type: 'public', description: id === config.region ? 'Guardpost' : `Guardpost project ${id}`, parent_region_id: null,
        locales: { 'en-us': id }, links: { self: `${baseUrl(request)}/v3/regions/${id}` },
      })),
      links: collectionLinks(request, '/v3/regions'),
    };
  });
};
