import type { FastifyPluginAsync } from 'fastify';
import { agentRoutes } from './agent/routes.js';
import { hostRoutes } from './hss/hosts.js';
import { iamRoutes } from './iam/routes.js';

/** Every API family registers its routes here; each plugin owns its schemas and handlers. */
export const apiPlugins: FastifyPluginAsync[] = [iamRoutes, hostRoutes, agentRoutes];
