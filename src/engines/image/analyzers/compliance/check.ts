import { deniedLicenseMatcher, isLicenseDenied, normalizeLicense } from '../../../licence/index.js';
import type { LayerColumns, NonCompliantRow } from '../../report.js';
import { DEFAULT_COMPLIANCE_POLICY, type CompliancePolicy } from './policy.js';

/** A non-compliant-app row without the layer columns. */
export type ComplianceFinding = Omit<NonCompliantRow, keyof LayerColumns>;

export interface ComplianceInput {
  name: string;
  version: string;
  /** Where the package was found (`app_path`). */
  path: string;
  /** SPDX expression or any licence spelling ('' / undefined when unknown); normalised here. */
  license?: string;
}

const normalizeName = (name: string) => name.trim().toLowerCase().replace(/[-_.]+/g, '-');

/**
 * Packages against a policy: one `blocked_software` row for a package on the block-list, one `denied_license`
 * row when its licence expression cannot be satisfied without a denied licence (every OR alternative contains
 * one). A package can get both rows. Rows keep the input order.
 */
export function checkCompliance(packages: readonly ComplianceInput[], policy: Partial<CompliancePolicy> = {}): ComplianceFinding[] {
  const denied = deniedLicenseMatcher(policy.deniedLicenses ?? DEFAULT_COMPLIANCE_POLICY.deniedLicenses);
  const blocked = new Set((policy.blockedSoftware ?? DEFAULT_COMPLIANCE_POLICY.blockedSoftware).map(normalizeName));
  const out: ComplianceFinding[] = [];
  for (const pkg of packages) {
    const license = normalizeLicense(pkg.license ?? '');
    const row = (reason: ComplianceFinding['reason']): ComplianceFinding => ({ appName: pkg.name, appVersion: pkg.version, appPath: pkg.path, license, reason });
    if (blocked.has(normalizeName(pkg.name))) out.push(row('blocked_software'));
    if (isLicenseDenied(license, denied)) out.push(row('denied_license'));
  }
  return out;
}
