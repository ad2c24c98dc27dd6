import type { AppRow } from '../../engines/image/report.js';
import type { InventoryPackage } from '../../engines/inventory/types.js';
import { matchInventory, type Finding } from '../../engines/vuln/matcher.js';
import { packageKeys } from '../../engines/vuln/package-keys.js';
import { comparatorFor } from '../../engines/versions/index.js';
import type { AdvisorySource } from '../vul-scan/host-matcher.js';

/**
 * `vul_num` of an image's apps: the OSV matcher over the vulnerability family's advisory store, through its
 * per-process cache of prepared advisories (the same code a host scan's match job uses).
 */

export const packageOf = (app: AppRow): InventoryPackage => ({
  name: app.appName, version: app.appVersion, ecosystem: app.ecosystem, kind: app.kind, location: app.appPath, extractor: app.appType,
  ...(app.sourceName ? { sourceName: app.sourceName } : {}),
});

export interface AppMatches {
  /** Findings per app (index into the apps given). */
  byApp: Map<number, Finding[]>;
  summaries: Map<string, string>;
}

export async function matchApps(apps: readonly AppRow[], source: AdvisorySource): Promise<AppMatches> {
  const packages = apps.map(packageOf);
  const prepared = await source.prepare([...new Set(packages.flatMap((p) => packageKeys(p)))]);
  const result = matchInventory(packages, prepared.index, comparatorFor);
  const indexOf = new Map(packages.map((p, i) => [p, i]));
  const byApp = new Map<number, Finding[]>();
  for (const finding of result.findings) {
    const i = indexOf.get(finding.package);
    if (i === undefined) continue;
    const list = byApp.get(i);
    if (list) list.push(finding);
    else byApp.set(i, [finding]);
  }
  return { byApp, summaries: prepared.summaries };
}
