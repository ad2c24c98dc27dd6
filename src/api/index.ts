import type { FastifyPluginAsync } from 'fastify';
import { agentRoutes } from './agent/routes.js';
import { captureRoutes } from '../families/capture/routes/capture.js';
import { captureDownloadRoutes } from '../families/capture/routes/capture-download.js';
import { firewallRoutes } from '../families/capture/routes/firewalls.js';
import { hostRoutes } from './hss/hosts.js';
import { iamDiscoveryRoutes } from './iam/discovery-routes.js';
import { iamRoutes } from './iam/routes.js';

/** Every API family registers its routes here; each plugin owns its schemas and handlers. */
export const apiPlugins: FastifyPluginAsync[] = [iamRoutes, iamDiscoveryRoutes, hostRoutes, agentRoutes, firewallRoutes, captureRoutes, captureDownloadRoutes];
