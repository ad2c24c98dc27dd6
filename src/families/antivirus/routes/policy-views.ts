import type { PolicyView } from '../policy-store.js';
import { firstIp } from './views.js';

/** A policy row with its hosts → AntiVirusPolicyResponseInfo (fields of the other start types left out). */
export function policyInfo(p: PolicyView) {
  const period = p.start_type === 'period';
  return {
    policy_id: p.policy_id, policy_name: p.policy_name, start_type: p.start_type as 'now' | 'later' | 'period',
    ...(period ? {
      scan_period: (p.scan_period ?? 'day') as 'day' | 'week' | 'month', scan_hour: p.scan_hour ?? 0, scan_minute: p.scan_minute ?? 0,
      timezone_offset: p.timezone_offset ?? 0, ...(p.scan_period_date === null ? {} : { scan_period_date: p.scan_period_date }),
    } : {}),
    ...(p.start_type === 'later' && p.scan_time !== null ? { scan_time: Number(p.scan_time) } : {}),
    ...(p.next_run_at === null ? {} : { next_start_time: Number(p.next_run_at) }),
    scan_dir: p.scan_dir, ignore_dir: p.ignore_dir, action: p.action, invalidate: p.next_run_at === null, host_num: p.hosts.length,
    host_info_list: p.hosts.map((h) => ({
      host_id: h.host_id, host_name: h.host_name, private_ip: firstIp(h.private_ips), public_ip: firstIp(h.public_ips), asset_value: h.asset_value,
    })),
    whether_paid_task: p.whether_paid_task === 1, file_type_list: JSON.parse(p.file_types) as number[],
    scan_type: p.scan_type as 'quick' | 'full' | 'custom',
  };
}
