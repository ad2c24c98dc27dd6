import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import { containsText } from '../../store/sql-helpers.js';
import type { ImageSource } from './domain.js';
import type { ImageDatabase } from './tables.js';

/**
 * The image filters the HSS image lists, the export and its statistic share (api-surface §5.2), as one
 * condition on `image_images`. Names and versions match as case-insensitive substrings; `image_size` keeps
 * images of at least that many bytes; `severity_level` is the image's rolled-up level; `has_unsafe_setting`
 * (baseline checks, not scanned by Guardpost) matches no image when true.
 */
export interface ImageFilter {
  projectId: string;
  scope: EnterpriseScope;
  source?: ImageSource;
  imageIds?: readonly string[];
  imageId?: string;
  imageName?: string;
  imageVersion?: string;
  namespace?: string;
  scanStatus?: string;
  imageSize?: number;
  startUpdate?: number; endUpdate?: number;
  startScan?: number; endScan?: number;
  hasMaliciousFile?: boolean;
  hasVul?: boolean;
  hasUnsafeSetting?: boolean;
  risky?: boolean;
  severityLevel?: string;
  hostId?: string;
  cicdName?: string;
}

const SEVERITY_RANKS: Readonly<Record<string, readonly number[]>> = { Security: [0], Low: [1], Medium: [2], High: [3, 4] };

const NONE = sql<SqlBool>`1 = 0`;

type EB = ExpressionBuilder<ImageDatabase, 'image_images'>;

export function imageCondition(f: ImageFilter): (eb: EB) => Expression<SqlBool> {
  return (eb) => {
    const all: Expression<SqlBool>[] = [eb('image_images.project_id', '=', f.projectId), inScope('image_images.enterprise_project_id', f.scope)];
    if (f.source) all.push(eb('image_images.source', '=', f.source));
    if (f.imageIds) all.push(f.imageIds.length === 0 ? NONE : eb('image_images.image_id', 'in', [...f.imageIds]));
    if (f.imageId) all.push(eb('image_images.image_id', '=', f.imageId));
    if (f.imageName) all.push(containsText('image_images.image_name', f.imageName));
    if (f.imageVersion) all.push(containsText('image_images.image_version', f.imageVersion));
    if (f.namespace) all.push(containsText('image_images.namespace', f.namespace));
    if (f.cicdName) all.push(containsText('image_images.cicd_name', f.cicdName));
    if (f.hostId) all.push(eb('image_images.origin_id', '=', f.hostId));
    if (f.scanStatus) all.push(eb('image_images.scan_status', '=', f.scanStatus === 'waiting' ? 'waiting_for_scan' : f.scanStatus));
    if (f.imageSize) all.push(eb('image_images.image_size', '>=', f.imageSize));
    if (f.startUpdate) all.push(eb('image_images.latest_update_time', '>=', f.startUpdate));
    if (f.endUpdate) all.push(eb('image_images.latest_update_time', '<=', f.endUpdate));
    if (f.startScan) all.push(eb('image_images.latest_scan_time', '>=', f.startScan));
    if (f.endScan) all.push(eb('image_images.latest_scan_time', '<=', f.endScan));
    if (f.hasMaliciousFile !== undefined) all.push(eb('image_images.malicious_file_num', f.hasMaliciousFile ? '>' : '=', 0));
    if (f.hasVul !== undefined) all.push(eb('image_images.vul_num', f.hasVul ? '>' : '=', 0));
    if (f.hasUnsafeSetting === true) all.push(NONE);
    if (f.risky !== undefined) {
      const risky = eb.or([eb('image_images.risk_rank', '>', 0), eb('image_images.vul_num', '>', 0), eb('image_images.malicious_file_num', '>', 0)]);
      all.push(f.risky ? risky : eb.not(risky));
    }
    if (f.severityLevel) {
      const ranks = SEVERITY_RANKS[f.severityLevel];
      all.push(ranks ? eb('image_images.risk_rank', 'in', [...ranks]) : NONE);
    }
    return eb.and(all);
  };
}
