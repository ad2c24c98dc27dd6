import { createHash } from 'node:crypto';
import type { Platform } from '../image/resolve.js';
import { RegistryError } from './errors.js';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const INDEX_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);
const IMAGE_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
const SCHEMA1_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

/** Sent with every manifest request: every format the client reads (schema 1 is left out on purpose). */
export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export interface FetchedManifest {
  mediaType: string;
  /** `sha256:…` of the bytes as served. */
  digest: string;
  bytes: Buffer;
}

export type ParsedManifest =
  | { kind: 'index'; manifests: Descriptor[] }
  | { kind: 'image'; config: Descriptor; layers: Descriptor[] };

export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
export const sha256Digest = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The manifest's media type: the Content-Type header, else its own `mediaType` field. */
export function manifestMediaType(contentType: string | undefined, json: Record<string, unknown>): string {
  const header = (contentType ?? '').split(';')[0]?.trim() ?? '';
  if (header && header !== 'application/json' && header !== 'text/plain') return header;
  if (typeof json.mediaType === 'string') return json.mediaType;
  if (json.schemaVersion === 1) return 'application/vnd.docker.distribution.manifest.v1+json';
  if (Array.isArray(json.manifests)) return MEDIA_TYPES.ociIndex;
  return MEDIA_TYPES.ociManifest;
}

export function parseJsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError('unsupported_format', `${what} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RegistryError('unsupported_format', `${what} is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Reads an index / manifest list or an image manifest; schema 1 and unknown types are refused. */
export function parseManifest(mediaType: string, json: Record<string, unknown>, what: string): ParsedManifest {
  if (SCHEMA1_TYPES.has(mediaType) || json.schemaVersion === 1) {
    throw new RegistryError('unsupported_format', `${what} is a Docker schema 1 manifest (deprecated, not supported; push it again with a current client)`);
  }
  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(json.manifests)) throw new RegistryError('unsupported_format', `${what}: an index without manifests`);
    return { kind: 'index', manifests: json.manifests.map((m, i) => descriptor(m, `${what} manifests[${i}]`)) };
  }
  if (IMAGE_TYPES.has(mediaType)) {
    if (!Array.isArray(json.layers)) throw new RegistryError('unsupported_format', `${what}: a manifest without layers`);
    return {
      kind: 'image',
      config: descriptor(json.config, `${what} config`),
      layers: json.layers.map((l, i) => descriptor(l, `${what} layers[${i}]`)),
    };
  }
  throw new RegistryError('unsupported_format', `${what} has media type ${mediaType || '(none)'}`);
}

function descriptor(value: unknown, what: string): Descriptor {
  const d = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  if (typeof d.digest !== 'string' || !DIGEST_PATTERN.test(d.digest)) throw new RegistryError('unsupported_format', `${what}: digest is not sha256:<64 hex>`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw new RegistryError('unsupported_format', `${what}: size is not a non-negative integer`);
  const result: Descriptor = { mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', digest: d.digest, size: d.size };
  const p = typeof d.platform === 'object' && d.platform !== null ? (d.platform as Record<string, unknown>) : null;
  if (p && typeof p.os === 'string' && typeof p.architecture === 'string') {
    result.platform = { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' ? { variant: p.variant } : {}) };
  }
  return result;
}

export const platformName = (p: Platform): string => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;

/** The index entry for the platform (an exact variant match first); a lone entry without a platform is taken. */
export function pickPlatform(manifests: Descriptor[], want: Platform, what: string): Descriptor {
  const same = manifests.filter((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
  const chosen = (want.variant === undefined ? same[0] : same.find((m) => m.platform?.variant === want.variant))
    ?? (manifests.length === 1 && !manifests[0]?.platform ? manifests[0] : undefined);
  if (!chosen) {
    const offered = manifests.map((m) => (m.platform ? platformName(m.platform) : '?')).join(', ');
    throw new RegistryError('not_found', `${what} has no manifest for ${platformName(want)} (offered: ${offered || 'none'})`);
  }
  return chosen;
}
