/**
 * What a ClamAV signature name says about the finding, in HSS terms: `event_type` (api-surface §4.2), a malware
 * type label and a severity. Test signatures (EICAR, Guardpost's markers) are `Low` generic malware.
 */

export interface Classification { event_type: number; malware_type: string; severity: 'Low' | 'Medium' | 'High' | 'Critical' }

const RULES: ReadonlyArray<[RegExp, Classification]> = [
  [/eicar|guardpost[._]test|\.test\./i, { event_type: 1001, malware_type: 'test', severity: 'Low' }],
  [/ransom/i, { event_type: 1011, malware_type: 'ransomware', severity: 'Critical' }],
  [/rootkit/i, { event_type: 1010, malware_type: 'rootkit', severity: 'Critical' }],
  [/backdoor/i, { event_type: 1006, malware_type: 'backdoor', severity: 'High' }],
  [/trojan/i, { event_type: 1004, malware_type: 'trojan', severity: 'High' }],
  [/worm/i, { event_type: 1003, malware_type: 'worm', severity: 'High' }],
  [/coinminer|miner/i, { event_type: 1016, malware_type: 'cryptomining', severity: 'High' }],
  [/webshell|\.shell/i, { event_type: 1015, malware_type: 'webshell', severity: 'High' }],
  [/botnet|ircbot/i, { event_type: 1005, malware_type: 'botnet', severity: 'High' }],
  [/hacktool|exploit/i, { event_type: 1012, malware_type: 'hacktool', severity: 'Medium' }],
];

const VIRUS: Classification = { event_type: 1002, malware_type: 'virus', severity: 'High' };

export function classifySignature(signature: string): Classification {
  for (const [pattern, classification] of RULES) if (pattern.test(signature)) return classification;
  return VIRUS;
}
