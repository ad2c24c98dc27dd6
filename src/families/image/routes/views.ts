import { RISK_LEVELS, severityLevelOf } from '../domain.js';
import type { LocalImageView } from '../image-reads.js';
import type { ImageRow } from '../tables.js';

/** Image rows as the HSS list records (ImageLocalInfo, CicdImageResponseInfo). */

const ms = (v: number | null) => (v === null ? 0 : Number(v));

export const localImageInfo = (r: LocalImageView) => ({
  agent_id: r.agent_id ?? '', component_num: r.apps_num, container_num: 0, host_id: r.origin_id, host_name: r.host_name ?? '', host_num: 1,
  image_digest: r.image_digest, image_id: r.image_id, image_name: r.image_name, image_size: Number(r.image_size), image_version: r.image_version,
  latest_scan_time: ms(r.latest_scan_time), latest_update_time: ms(r.latest_update_time), local_image_type: 'other_image',
  malicious_file_num: r.malicious_file_num, non_scan_reason: '', scan_failed_desc: r.scan_failed_desc,
  scan_status: r.scan_status === 'waiting_for_scan' ? 'waiting' : r.scan_status,
  severity_level: r.scan_status === 'success' ? severityLevelOf(r.risk_rank) : '', unsafe_setting_num: 0, vul_num: r.vul_num,
});

export const cicdImageInfo = (r: ImageRow) => ({
  image_id: r.image_id, cicd_name: r.cicd_name, namespace: r.namespace, image_name: r.image_name, image_digest: r.image_digest,
  image_version: r.image_version, registry_name: '', image_type: 'cicd', registry_type: '', latest_version: true,
  scan_status: r.scan_status, scan_failed_desc: r.scan_failed_desc, scan_failed_code: r.scan_failed_desc,
  image_size: Number(r.image_size), latest_update_time: ms(r.latest_update_time), latest_scan_time: ms(r.latest_scan_time),
  vul_num: r.vul_num, unsafe_setting_num: 0, malicious_file_num: r.malicious_file_num,
  severity_level: r.scan_status === 'success' ? severityLevelOf(r.risk_rank) : '', pipeline_type: '',
  highest_risk_level: highestRiskLevel(r.risk_rank),
});

/** Guardpost extra: the highest risk level over every finding (critical|high|medium|low, '' for none). */
export const highestRiskLevel = (rank: number): string => (rank > 0 ? RISK_LEVELS[RISK_LEVELS.length - rank] ?? '' : '');
