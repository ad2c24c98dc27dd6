import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { EnterpriseScope } from '../../store/scope.js';
import { EXPORT_IMAGE_TYPES } from './domain.js';
import type { ImageFilter } from './image-filter.js';
import type { RowFilter } from './finding-reads.js';

/**
 * ExportImageSecurityReportTask's body (ExportImageSecurityReportTaskRequestInfo, every field) and the same
 * filter set of ShowImageSecurityReportStatistic (BatchExportSwrBaselineInfoRequestInfo): what they select.
 */

const Text = (max: number) => Type.String({ minLength: 0, maxLength: max });
const Ms = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Level = Type.String({ minLength: 1, maxLength: 64, pattern: '^(critical|high|medium|low)$' });

export const ImageFilterFields = {
  image_type: Type.Optional(Text(64)),
  scan_status: Type.Optional(Text(64)),
  namespace: Type.Optional(Text(65_535)),
  image_name: Type.Optional(Text(65_535)),
  image_version: Type.Optional(Text(65_535)),
  image_id: Type.Optional(Text(128)),
  latest_version: Type.Optional(Type.Boolean()),
  image_size: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_547 })),
  start_latest_update_time: Type.Optional(Ms),
  end_latest_update_time: Type.Optional(Ms),
  start_latest_scan_time: Type.Optional(Ms),
  end_latest_scan_time: Type.Optional(Ms),
  has_malicious_file: Type.Optional(Type.Boolean()),
  has_vul: Type.Optional(Type.Boolean()),
  has_unsafe_setting: Type.Optional(Type.Boolean()),
  risky: Type.Optional(Type.Boolean()),
  severity_level: Type.Optional(Text(256)),
  instance_name: Type.Optional(Text(128)),
  cicd_name: Type.Optional(Text(128)),
  build_command_risk_level: Type.Optional(Level),
  build_command_risk_name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  build_command_rule_id_list: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 200 })),
};

export const ExportBody = Type.Object({
  export_size: Type.Integer({ minimum: 1, maximum: 200_000 }),
  security_report_type: Type.String({ minLength: 0, maxLength: 64 }),
  operate_all: Type.Boolean(),
  image_id_list: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 200 })),
  ...ImageFilterFields,
});
export type ExportBody = Static<typeof ExportBody>;

/** What the export task keeps as its params (the body as checked); re-checked when the report renders. */
export const checkExportParams = Compile(ExportBody);

/** The export's `image_type` → the stored source; absent means registry images (api-surface §5.2). */
export function sourceOf(imageType: string | undefined): ImageFilter['source'] | null {
  if (imageType === undefined || imageType === '') return 'registry';
  return EXPORT_IMAGE_TYPES[imageType] ?? null;
}

type FilterFields = Partial<Pick<ExportBody, keyof typeof ImageFilterFields>> & { image_id_list?: string[]; operate_all?: boolean };

export function imageFilterOf(projectId: string, scope: EnterpriseScope, body: FilterFields): ImageFilter {
  const source = sourceOf(body.image_type);
  return {
    projectId, scope, ...(source ? { source } : { imageIds: [] }),
    ...(body.operate_all === false ? { imageIds: body.image_id_list ?? [] } : {}),
    imageId: body.image_id || undefined, imageName: body.image_name || undefined, imageVersion: body.image_version || undefined,
    namespace: body.namespace || undefined, scanStatus: body.scan_status || undefined, imageSize: body.image_size || undefined,
    startUpdate: body.start_latest_update_time || undefined, endUpdate: body.end_latest_update_time || undefined,
    startScan: body.start_latest_scan_time || undefined, endScan: body.end_latest_scan_time || undefined,
    hasMaliciousFile: body.has_malicious_file, hasVul: body.has_vul, hasUnsafeSetting: body.has_unsafe_setting, risky: body.risky,
    severityLevel: body.severity_level || undefined, cicdName: body.cicd_name || undefined,
  };
}

/** Row filters of a report type (only build-command risks have any). */
export function rowFiltersOf(type: string, body: FilterFields): RowFilter[] {
  if (type !== 'build-command-risks') return [];
  return [
    ...(body.build_command_risk_level ? [{ column: 'risk_level', equals: body.build_command_risk_level }] : []),
    ...(body.build_command_risk_name ? [{ column: 'risk_name', contains: body.build_command_risk_name }] : []),
    ...(body.build_command_rule_id_list ? [{ column: 'rule_id', in: body.build_command_rule_id_list }] : []),
  ];
}
