import { scanDirectories, type AvScanType } from './domain.js';
import { periodRuleProblem, type PolicyTiming, type ScanPeriod } from './schedule.js';

/**
 * A CreateAntiVirusPolicy / ChangeAntivirusPolicy body (already shaped by its schema) checked as a whole: the
 * fields of the other start types are refused rather than ignored, `later` needs a future `scan_time`, `period` a
 * complete rule (schedule.ts), and the directories are checked by the same code CreateAntiVirusTask uses.
 * A missing `scan_type` is `custom` when `scan_dir` names directories (the console's "custom scan" policy).
 */

export interface PolicyInput {
  policy_name: string;
  start_type: 'now' | 'later' | 'period';
  scan_type?: AvScanType | undefined;
  action: 'auto' | 'manual';
  file_types: readonly number[];
  host_ids: readonly string[];
  whether_paid_task: boolean;
  scan_dir?: string | undefined;
  ignore_dir?: string | undefined;
  scan_time?: number | undefined;
  scan_period?: ScanPeriod | undefined;
  scan_period_date?: number | undefined;
  scan_hour?: number | undefined;
  scan_minute?: number | undefined;
  timezone_offset?: number | undefined;
}

export interface PolicySpec {
  name: string;
  timing: PolicyTiming;
  scanType: AvScanType;
  action: 'auto' | 'manual';
  paid: boolean;
  /** As given (ListAntiVirusPolicy shows them so). */
  scanDir: string;
  ignoreDir: string;
  fileTypes: number[];
  /** Distinct, in request order. */
  hostIds: string[];
}

const PERIOD_FIELDS = ['scan_period', 'scan_period_date', 'scan_hour', 'scan_minute', 'timezone_offset'] as const;

function timingOf(input: PolicyInput, now: number): PolicyTiming | { problem: string } {
  const periodFields = PERIOD_FIELDS.filter((f) => input[f] !== undefined);
  if (input.start_type !== 'period' && periodFields.length > 0) {
    return { problem: `${periodFields.join(', ')} ${periodFields.length === 1 ? 'is' : 'are'} only valid with start_type=period` };
  }
  if (input.start_type !== 'later' && input.scan_time !== undefined) return { problem: 'scan_time is only valid with start_type=later' };
  if (input.start_type === 'now') return { startType: 'now' };
  if (input.start_type === 'later') {
    if (input.scan_time === undefined) return { problem: 'start_type=later needs scan_time (epoch ms of the run)' };
    if (input.scan_time <= now) return { problem: `scan_time ${input.scan_time} is not in the future (now is ${now})` };
    return { startType: 'later', scanTime: input.scan_time };
  }
  if (input.scan_period === undefined) return { problem: 'start_type=period needs scan_period (day, week or month)' };
  if (input.scan_hour === undefined || input.scan_minute === undefined) return { problem: 'start_type=period needs scan_hour (0-23) and scan_minute (0-59)' };
  const rule = {
    period: input.scan_period, date: input.scan_period_date ?? null, hour: input.scan_hour, minute: input.scan_minute,
    timezoneOffset: input.timezone_offset ?? 0,
  };
  const problem = periodRuleProblem(rule);
  return problem ? { problem } : { startType: 'period', rule };
}

export function policySpec(input: PolicyInput, now: number): PolicySpec | { problem: string } {
  const timing = timingOf(input, now);
  if ('problem' in timing) return timing;
  const scanDir = input.scan_dir ?? '';
  const hasDirs = scanDir.split(';').some((d) => d.trim().length > 0);
  const scanType = input.scan_type ?? (hasDirs ? 'custom' : undefined);
  if (scanType === undefined) return { problem: 'scan_type is required (quick, full or custom) unless scan_dir names the directories of a custom scan' };
  const dirs = scanDirectories(scanType, input.scan_dir, input.ignore_dir);
  if ('problem' in dirs) return dirs;
  return {
    name: input.policy_name, timing, scanType, action: input.action, paid: input.whether_paid_task, scanDir, ignoreDir: input.ignore_dir ?? '',
    fileTypes: [...new Set(input.file_types)], hostIds: [...new Set(input.host_ids)],
  };
}
