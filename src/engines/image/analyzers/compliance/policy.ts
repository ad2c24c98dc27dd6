/**
 * The default compliance policy. Denied licences: the AGPL family (network copyleft) and SSPL. Blocked software:
 * package names of cryptocurrency miners and offensive-security / password-cracking tools, which have no place
 * in a production image. General admin and debugging tools (nmap, netcat, tcpdump, socat, curl) are NOT blocked
 * by default: they ship in many legitimate debug images; add them to the policy where they are unwanted.
 */
export const DEFAULT_DENIED_LICENSES: readonly string[] = ['AGPL-1.0', 'AGPL-1.0-only', 'AGPL-1.0-or-later', 'AGPL-3.0', 'AGPL-3.0-only', 'AGPL-3.0-or-later', 'SSPL-1.0'];

export const DEFAULT_BLOCKED_SOFTWARE: readonly string[] = [
  // cryptocurrency miners
  'xmrig', 'xmrig-cuda', 'xmrig-proxy', 'xmr-stak', 'xmr-stak-cpu', 'cpuminer', 'cpuminer-multi', 'cpuminer-opt', 'minerd', 'ethminer', 'nbminer',
  't-rex', 'phoenixminer', 'lolminer', 'ccminer', 'cgminer', 'bfgminer', 'nanominer', 'gminer', 'teamredminer', 'srbminer', 'srbminer-multi',
  'nheqminer', 'claymore',
  // offensive-security and password-cracking tools
  'hydra', 'thc-hydra', 'john', 'john-the-ripper', 'hashcat', 'masscan', 'zmap', 'sqlmap', 'metasploit-framework', 'mimikatz', 'aircrack-ng',
  'responder', 'crackmapexec', 'netexec', 'beef-xss', 'ettercap-text-only', 'ettercap-graphical', 'nikto', 'medusa', 'ncrack', 'weevely', 'hping3',
  'ophcrack', 'fcrackzip', 'pdfcrack', 'sslstrip', 'dsniff', 'mitmproxy', 'bettercap', 'wifite', 'reaver', 'empire', 'powersploit',
];

export interface CompliancePolicy {
  /** Licence ids; an entry without `-only`/`-or-later` denies both variants (see `deniedLicenseMatcher`). */
  deniedLicenses: readonly string[];
  /** Package names, compared case-insensitively with `_`/`.` treated as `-` (PyPI-style normalisation). */
  blockedSoftware: readonly string[];
}

export const DEFAULT_COMPLIANCE_POLICY: CompliancePolicy = { deniedLicenses: DEFAULT_DENIED_LICENSES, blockedSoftware: DEFAULT_BLOCKED_SOFTWARE };
