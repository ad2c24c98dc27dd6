import cvss from 'ae-cvss-calculator';
import type { OsvRecord } from './osv-schema.js';

/**
 * Severity of an advisory: CVSS base scores computed from the record's vectors, record-level and per-package
 * (`affected[].severity`), for v2, v3.0, v3.1 and v4.0 with metæffekt's `ae-cvss-calculator` (which follows the
 * FIRST specifications), and the distribution's own rating when the record carries one. The HSS level
 * (`severity_level`) comes from the highest CVSS score; without any score, from the distribution rating;
 * otherwise it is `Unknown`.
 */

export type HssSeverity = 'Critical' | 'High' | 'Medium' | 'Low' | 'Unknown';

export interface CvssScore {
  type: string;
  vector: string;
  /** Base score 0–10, or null when the vector is not a complete, valid base vector. */
  score: number | null;
}

export interface AdvisorySeverity {
  level: HssSeverity;
  /** Highest valid CVSS base score, or null. */
  cvss: number | null;
  scores: CvssScore[];
  /** The distribution's rating as written (`Important`, `medium`, …), or null. */
  distro: string | null;
}

interface ScoringClass {
  new (vector: string): { isBaseFullyDefined(): boolean; calculateScores(): { base?: number; overall: number } };
}

/** Vector prefix → calculator; the CVSS v2 vector has no prefix. */
const CALCULATORS: Array<{ prefix: string; calculator: ScoringClass }> = [
  { prefix: 'CVSS:4.0/', calculator: cvss.Cvss4P0 },
  { prefix: 'CVSS:3.1/', calculator: cvss.Cvss3P1 },
  { prefix: 'CVSS:3.0/', calculator: cvss.Cvss3P0 },
  { prefix: '', calculator: cvss.Cvss2 },
];

/** CVSS base score of a vector, or null when it is not a complete base vector of a known version. */
export function cvssBaseScore(vector: string): number | null {
  const text = vector.trim().replace(/^\((.*)\)$/, '$1');
  if (text.length === 0 || text.length > 512) return null;
  const entry = CALCULATORS.find((c) => text.startsWith(c.prefix));
  if (!entry || (entry.prefix === '' && text.startsWith('CVSS:'))) return null;
  try {
    const parsed = new entry.calculator(text);
    if (!parsed.isBaseFullyDefined()) return null;
    const scores = parsed.calculateScores();
    const score = scores.base ?? scores.overall;
    return Number.isFinite(score) && score >= 0 && score <= 10 ? score : null;
  } catch {
    return null;
  }
}

/** HSS buckets: Critical ≥ 9, High ≥ 7, Medium ≥ 4, Low below (HSS documents `Low: CVSS < 4`). */
export function levelForScore(score: number): HssSeverity {
  if (score >= 9) return 'Critical';
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  return 'Low';
}

/** Distribution words (Red Hat / AlmaLinux / Rocky, Debian urgency, Ubuntu priority, SUSE) → HSS level. */
const DISTRO_LEVELS: Record<string, HssSeverity> = {
  critical: 'Critical',
  important: 'High',
  high: 'High',
  moderate: 'Medium',
  medium: 'Medium',
  low: 'Low',
  negligible: 'Low',
  'unimportant': 'Low',
};

export function levelForDistroRating(rating: string): HssSeverity {
  return DISTRO_LEVELS[rating.trim().toLowerCase()] ?? 'Unknown';
}

function stringField(bag: Record<string, unknown> | undefined, key: string): string | null {
  const value = bag?.[key];
  return typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : null;
}

/**
 * The distribution's rating: `database_specific.severity`, then any `affected[].ecosystem_specific.severity` /
 * `.urgency`, then a `severity[]` entry of a non-CVSS type (Ubuntu), then the Red Hat-style summary prefix
 * (`Important: skopeo security update` — how the AlmaLinux feed carries it).
 */
export function distroRating(record: OsvRecord): string | null {
  const direct = stringField(record.database_specific, 'severity');
  if (direct) return direct;
  for (const affected of record.affected ?? []) {
    const found = stringField(affected.ecosystem_specific, 'severity') ?? stringField(affected.ecosystem_specific, 'urgency')
      ?? stringField(affected.database_specific, 'severity');
    if (found) return found;
  }
  const named = record.severity?.find((s) => !s.type.startsWith('CVSS_'));
  if (named) return named.score;
  const prefix = /^(Critical|Important|Moderate|Low):/.exec(record.summary ?? '');
  return prefix?.[1] ?? null;
}

export function advisorySeverity(record: OsvRecord): AdvisorySeverity {
  const vectors = [...(record.severity ?? []), ...(record.affected ?? []).flatMap((a) => a.severity ?? [])];
  const scores: CvssScore[] = vectors
    .filter((s) => s.type.startsWith('CVSS_'))
    .map((s) => ({ type: s.type, vector: s.score, score: cvssBaseScore(s.score) }));
  const valid = scores.map((s) => s.score).filter((s): s is number => s !== null);
  const best = valid.length > 0 ? Math.max(...valid) : null;
  const distro = distroRating(record);
  const level = best !== null ? levelForScore(best) : distro ? levelForDistroRating(distro) : 'Unknown';
  return { level, cvss: best, scores, distro };
}
