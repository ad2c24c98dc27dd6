import type { ScanStore, FailedReason, ScanDetail } from './scan-store.js';
import type { VulScanHost } from './tables.js';
import { failedDetails, finalDetails, type HostMatch } from './host-matcher.js';

/** Ending a scanning host: success with its match, or failed with one reason for every type still scanning. */

function parseArray<T>(json: string): T[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as T[]) : [];
  } catch {
    return [];
  }
}

export const hostDetails = (host: Pick<VulScanHost, 'details'>): ScanDetail[] => parseArray<ScanDetail>(host.details);
export const hostFailedReasons = (host: Pick<VulScanHost, 'failed_reasons'>): FailedReason[] => parseArray<FailedReason>(host.failed_reasons);

export async function failHost(scans: ScanStore, host: VulScanHost, reason: string, now = Date.now()): Promise<void> {
  const text = reason.slice(0, 2000);
  const previous = hostDetails(host);
  const scanning = previous.filter((d) => d.status === 'scanning').map((d) => ({ vul_type: d.vul_type, failed_reason: text }));
  await scans.finishHost(host.task_id, host.host_id, 'failed', [...hostFailedReasons(host), ...scanning], failedDetails(previous, text), now);
}

export async function succeedHost(scans: ScanStore, host: VulScanHost, match: HostMatch, now = Date.now()): Promise<void> {
  await scans.finishHost(host.task_id, host.host_id, 'success', hostFailedReasons(host), finalDetails(hostDetails(host), match), now);
}
