import { RISK_LEVELS, SECURITY_REPORT_TYPES, type RiskLevel, type SecurityReportType } from '../../engines/image/report.js';

/**
 * Vocabulary of the image family (api-surface §5): where an image came from, its scan status, and how an
 * image's findings roll up into the HSS `severity_level` and the CLI's `--fail-on`.
 */

export const IMAGE_FAMILY = 'image';

/** `images.image_type`: CI/CD uploads, archives on agents' hosts, registry pulls. */
export const IMAGE_SOURCES = ['cicd', 'local', 'registry'] as const;
export type ImageSource = (typeof IMAGE_SOURCES)[number];

/** The export's `image_type` → the stored source (`local_image` is the HSS name of local images). */
export const EXPORT_IMAGE_TYPES: Readonly<Record<string, ImageSource>> = {
  cicd: 'cicd', local_image: 'local', harbor: 'registry', jfrog: 'registry', private_image: 'registry',
  shared_image: 'registry', instance_image: 'registry',
};

export const SCAN_STATUSES = ['unscan', 'waiting_for_scan', 'scanning', 'success', 'failed'] as const;
export type ImageScanStatus = (typeof SCAN_STATUSES)[number];

export { RISK_LEVELS, SECURITY_REPORT_TYPES, type RiskLevel, type SecurityReportType };

/** Rank of a risk level: critical 4 … low 1; 0 for none. */
export const riskRank = (level: string | null | undefined): number => {
  const i = (RISK_LEVELS as readonly string[]).indexOf(level ?? '');
  return i < 0 ? 0 : RISK_LEVELS.length - i;
};

/** OSV severity levels (matcher) → risk levels. */
export const vulRiskLevel = (severity: string): RiskLevel | null => {
  const s = severity.toLowerCase();
  return (RISK_LEVELS as readonly string[]).includes(s) ? (s as RiskLevel) : null;
};

/** HSS `severity_level` of an image from its highest risk rank: Security, Low, Medium, High (critical counts as High). */
export function severityLevelOf(rank: number): 'Security' | 'Low' | 'Medium' | 'High' {
  if (rank >= 3) return 'High';
  if (rank === 2) return 'Medium';
  if (rank === 1) return 'Low';
  return 'Security';
}

export const IMAGE_SCAN_JOB = 'image-scan';
export const IMAGE_LOCAL_SCAN_JOB = 'image-local-scan';

/** ListImageScanTask `task_status` (an int progress): 100 finished, 0-99 running, −1 aborted, −3 error. */
export const TASK_ABORTED = -1;
export const TASK_ERROR = -3;

/** CreateManualImageScanTask `scan_scope`: every risk type. */
export const SCAN_SCOPE_ALL = 0x7fffffff;
