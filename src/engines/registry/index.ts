/** Docker Registry HTTP API v2 client (pure engine: no server code, no SQL). */
export { RegistryClient, registryBaseUrl, assertRepositoryName, assertReference, type RegistryEndpoint, type RegistryClientOptions } from './client.js';
export { pullImage, resolveImageManifest, type PullOptions, type PulledImage } from './pull.js';
export { RegistryError, REGISTRY_FAILURE_CODES, type RegistryFailureCode } from './errors.js';
export { DEFAULT_REGISTRY_LIMITS, resolveRegistryLimits, type RegistryLimits } from './limits.js';
export { parseChallenge, type RegistryCredentials } from './auth.js';
export { MEDIA_TYPES } from './manifest.js';
