import type { FastifyPluginAsync } from 'fastify';
import { agentRoutes } from './agent/routes.js';
import { hostRoutes } from './hss/hosts.js';
import { iamDiscoveryRoutes } from './iam/discovery-routes.js';
import { iamRoutes } from './iam/routes.js';

/** The core's cross-family routes; each family's own come from its FamilyRuntime (src/families/server.ts). */
export const apiPlugins: FastifyPluginAsync[] = [iamRoutes, iamDiscoveryRoutes, hostRoutes, agentRoutes];
