import type { ImagePackage } from '../inventory.js';
import type { AppRow } from '../report.js';
import type { AnalyzerPlugin } from './types.js';

/** OS packages: the package manager (`os/dpkg` → `dpkg`); application packages: their OSV ecosystem (`npm`, `PyPI`, …). */
function appType(p: ImagePackage): string {
  if (p.kind === 'os') return p.extractor.slice(p.extractor.indexOf('/') + 1);
  return p.ecosystem;
}

/** The optional SPDX `license` an extractor may record (not every extractor does). */
function licenseOf(p: ImagePackage): string {
  const value: unknown = Reflect.get(p, 'license');
  return typeof value === 'string' ? value : '';
}

export function appRow(p: ImagePackage): AppRow {
  return {
    appName: p.name,
    appType: appType(p),
    appVersion: p.version,
    sourceName: p.sourceName ?? '',
    appPath: `/${p.location}`,
    ecosystem: p.ecosystem,
    kind: p.kind,
    license: licenseOf(p),
    layerIndex: p.layerIndex,
    layerDigest: p.layerDigest,
    createdBy: p.createdBy,
  };
}

/**
 * `apps`: the inventory extractors (OS and language packages) over the merged view, one row per package with
 * the layer of the file it was found in. `vul_num` is the image family's (it runs the matcher).
 */
export const appsAnalyzer: AnalyzerPlugin<'apps'> = {
  type: 'apps',
  create: () => ({
    finish(context) {
      if (context.inventory.stats.truncated) context.problem(`the inventory stopped early (${context.inventory.stats.truncatedReason ?? 'limit'})`);
      return context.inventory.packages.map(appRow);
    },
  }),
};
