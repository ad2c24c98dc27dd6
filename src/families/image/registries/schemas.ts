import { Type } from 'typebox';
import { hssList, hssPaging } from '../../../api/common/paging.js';
import { EnterpriseProjectId, StringEnum } from '../../../api/common/routes.js';

/** Wire of HSS AddRegistry / ListRegistry / DeleteRegistry / ListRegistryImages / ListSwrImageRepository (Go SDK models). */

export const REGISTRY_TYPES = ['Harbor', 'Jfrog', 'Other'] as const;
/** registry_type → the `image_type` of its images (`Other` registries hold `private_image`s). */
export const IMAGE_TYPE_OF: Record<(typeof REGISTRY_TYPES)[number], string> = { Harbor: 'harbor', Jfrog: 'jfrog', Other: 'private_image' };
export const REGISTRY_TYPES_OF_IMAGE: Record<string, readonly string[]> = { harbor: ['Harbor'], jfrog: ['Jfrog'], private_image: ['Other'] };

export const ScopeQuery = Type.Object({ enterprise_project_id: Type.Optional(EnterpriseProjectId) });
export const RegistryIdParams = Type.Object({
  project_id: Type.String({ pattern: '^[0-9a-f]{32}$' }),
  id: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'Registry ID' }),
});

/** AddRegistryRequestBody; `ca_cert` is a Guardpost extension (the SDK does not send it). */
export const AddRegistryBody = Type.Object({
  registry_name: Type.String({ minLength: 1, maxLength: 128 }),
  registry_type: StringEnum(REGISTRY_TYPES, { description: 'Harbor, Jfrog, or (Guardpost) Other: any Docker Registry HTTP API v2' }),
  api_version: StringEnum(['V1', 'V2'] as const, { description: 'Stored as given; images are pulled over the Registry HTTP API v2 either way' }),
  protocol: StringEnum(['http', 'https'] as const, { description: 'http = the registry is insecure (plain http allowed)' }),
  registry_addr: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9.\\-\\[\\]:]+$', description: 'host[:port], e.g. myharbor.com' }),
  registry_username: Type.String({ minLength: 1, maxLength: 128 }),
  registry_password: Type.String({ minLength: 1, maxLength: 128, description: 'Password or access token; stored encrypted, never returned' }),
  namespace: Type.Optional(Type.String({ minLength: 0, maxLength: 128, pattern: '^[a-z0-9._/-]*$' })),
  connect_cluster_id: Type.String({ minLength: 0, maxLength: 64, description: 'Stored as given (Guardpost pulls on the server)' }),
  get_scan_image_channel: StringEnum(['Swr', 'Other'] as const, { description: 'Stored as given' }),
  ca_cert: Type.Optional(Type.String({ minLength: 1, maxLength: 65_536, description: 'Guardpost extension: PEM CA bundle trusted for this registry' })),
});

export const AddRegistryResponse = Type.Object({ id: Type.String({ description: 'Guardpost extra: the new registry\'s ID' }) });

export const ListRegistryQuery = Type.Object({
  ...hssPaging({ minLimit: 0 }),
  enterprise_project_id: Type.Optional(EnterpriseProjectId),
  registry_name: Type.Optional(Type.String({ maxLength: 128 })),
  registry_id: Type.Optional(Type.String({ maxLength: 64 })),
  registry_type: Type.Optional(Type.String({ maxLength: 32 })),
  registry_addr: Type.Optional(Type.String({ maxLength: 256 })),
  status: Type.Optional(StringEnum(['success', 'fail', 'accessing'] as const)),
});

export const RegistryInfo = Type.Object({
  id: Type.String(), registry_name: Type.String(), registry_type: Type.String(), api_version: Type.String(), protocol: Type.String(),
  registry_addr: Type.String(), registry_username: Type.String(), namespace: Type.String(), connect_cluster_id: Type.String(),
  get_scan_image_channel: Type.String(), status: Type.String(), fail_reason: Type.String(), images_num: Type.Integer(),
  latest_sync_time: Type.Integer(),
});
export const ListRegistryResponse = hssList(RegistryInfo);

const ImageListFilters = {
  ...hssPaging({ minLimit: 0 }),
  enterprise_project_id: Type.Optional(EnterpriseProjectId),
  namespace: Type.Optional(Type.String({ maxLength: 128 })),
  image_name: Type.Optional(Type.String({ maxLength: 128 })),
  image_version: Type.Optional(Type.String({ maxLength: 128 })),
  latest_version: Type.Optional(Type.Boolean({ description: 'Only the `latest` tag of each repository' })),
};

export const ListRegistryImagesQuery = Type.Object({
  ...ImageListFilters,
  registry_name: Type.Optional(Type.String({ maxLength: 128 })),
  image_type: Type.Optional(StringEnum(['harbor', 'jfrog', 'private_image'] as const)),
  is_multarch: Type.Optional(Type.Boolean()),
});

export const ListSwrImageRepositoryQuery = Type.Object({
  ...ImageListFilters,
  image_type: StringEnum(['private_image', 'shared_image', 'local_image', 'instance_image'] as const),
});

/** The per-image fields both lists share (RegistryImagesInfo ⊇ PrivateImageRepositoryInfo). */
const imageFields = {
  id: Type.Integer(), namespace: Type.String(), image_name: Type.String(), image_id: Type.String(), image_digest: Type.String(),
  image_version: Type.String(), image_type: Type.String(), latest_version: Type.Boolean(), scan_status: Type.String(),
  scan_failed_desc: Type.String(), image_size: Type.Integer(), latest_update_time: Type.Integer(), latest_scan_time: Type.Integer(),
  vul_num: Type.Integer(), unsafe_setting_num: Type.Integer(), malicious_file_num: Type.Integer(), domain_name: Type.String(),
  shared_status: Type.String(), scannable: Type.Boolean(), instance_name: Type.String(), instance_id: Type.String(), instance_url: Type.String(),
  association_images: Type.Array(Type.Unknown()),
};

export const RegistryImagesInfo = Type.Object({
  ...imageFields,
  registry_id: Type.String(), registry_name: Type.String(), registry_type: Type.String(), latest_sync_time: Type.Integer(),
  scan_failed_code: Type.String(), is_multiple_arch: Type.Boolean(), severity_level: Type.String(),
});
export const ListRegistryImagesResponse = hssList(RegistryImagesInfo);
export const PrivateImageRepositoryInfo = Type.Object(imageFields);
export const ListSwrImageRepositoryResponse = hssList(PrivateImageRepositoryInfo);
