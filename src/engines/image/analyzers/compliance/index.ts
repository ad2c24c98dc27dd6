/**
 * Compliance (the `non-compliant-app` report type). Pure, no I/O.
 *
 * - `checkCompliance(packages, policy?)` → rows (`NonCompliantRow` without the layer columns) with reason
 *   `blocked_software` (name on the block-list) or `denied_license` (every OR alternative of the package's
 *   licence expression contains a denied licence). `license` is normalised to SPDX (see `src/engines/licence`).
 * - Defaults (`DEFAULT_COMPLIANCE_POLICY`): AGPL family and SSPL denied; miners and offensive tools blocked
 *   (nmap/netcat/tcpdump are deliberately not blocked by default). Both lists are replaceable per call.
 *
 * The wrapper passes every inventory package with its licence (package metadata, or for dpkg the DEP-5 file
 * `dep5PathFor(name)` parsed with `parseDep5Copyright`).
 */
export { checkCompliance, type ComplianceFinding, type ComplianceInput } from './check.js';
export { DEFAULT_BLOCKED_SOFTWARE, DEFAULT_COMPLIANCE_POLICY, DEFAULT_DENIED_LICENSES, type CompliancePolicy } from './policy.js';
