import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { ImageReadError } from './errors.js';

const Digest = Type.String({ pattern: '^sha256:[a-f0-9]{64}$' });
const Str = Type.String({ maxLength: 64 * 1024 });

const Platform = Type.Object({ os: Str, architecture: Str, variant: Type.Optional(Str) });

const Descriptor = Type.Object({
  mediaType: Type.Optional(Str),
  digest: Digest,
  size: Type.Optional(Type.Integer({ minimum: 0 })),
  platform: Type.Optional(Platform),
});

/** `manifest.json` of a docker-archive (`docker save`, `skopeo copy docker-archive:`). */
export const DockerManifestSchema = Type.Array(
  Type.Object({ Config: Str, RepoTags: Type.Optional(Type.Union([Type.Array(Str, { maxItems: 1024 }), Type.Null()])), Layers: Type.Array(Str, { maxItems: 4096 }) }),
  { minItems: 1, maxItems: 1024 },
);

/** OCI `index.json` / image index, and the Docker manifest list (same shape). */
export const OciIndexSchema = Type.Object({ mediaType: Type.Optional(Str), manifests: Type.Array(Descriptor, { maxItems: 4096 }) });

/** OCI image manifest and Docker v2 schema 2 manifest. */
export const OciManifestSchema = Type.Object({ mediaType: Type.Optional(Str), config: Descriptor, layers: Type.Array(Descriptor, { maxItems: 4096 }) });

const HistoryEntry = Type.Object({ created_by: Type.Optional(Str), empty_layer: Type.Optional(Type.Boolean()), comment: Type.Optional(Str) });

/** The image config fields the reader needs; the rest is kept as parsed JSON for the analyzers. */
export const ImageConfigSchema = Type.Object({
  architecture: Type.Optional(Str),
  os: Type.Optional(Str),
  variant: Type.Optional(Str),
  history: Type.Optional(Type.Array(HistoryEntry, { maxItems: 65_536 })),
  rootfs: Type.Object({ type: Str, diff_ids: Type.Array(Digest, { maxItems: 4096 }) }),
});

export type DockerManifest = Static<typeof DockerManifestSchema>;
export type OciIndex = Static<typeof OciIndexSchema>;
export type OciManifest = Static<typeof OciManifestSchema>;
export type OciDescriptor = Static<typeof Descriptor>;
export type ImageConfig = Static<typeof ImageConfigSchema>;

/** A parser for JSON metadata checked against `schema`; anything else is `unsupported_format`. */
function jsonParser<T extends TSchema>(schema: T): (bytes: Buffer, what: string) => Static<T> {
  const checker = Compile(schema);
  return (bytes, what) => {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new ImageReadError('unsupported_format', `${what} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!checker.Check(value)) {
      const first = [...checker.Errors(value)][0];
      throw new ImageReadError('unsupported_format', `${what} does not match its schema${first ? `: ${first.instancePath || '/'} ${first.message}` : ''}`);
    }
    return value;
  };
}

export const parseDockerManifest = jsonParser(DockerManifestSchema);
export const parseOciIndex = jsonParser(OciIndexSchema);
export const parseOciManifest = jsonParser(OciManifestSchema);
export const parseImageConfig = jsonParser(ImageConfigSchema);
