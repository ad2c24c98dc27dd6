import type { ImagePackage } from '../inventory.js';
import type { AppRow } from '../report.js';
import { isDep5Path, packageLicence } from './non-compliant/package-licence.js';
import type { AnalyzerPlugin, CapturedFiles } from './types.js';

/** OS packages: the package manager (`os/dpkg` → `dpkg`); application packages: their OSV ecosystem (`npm`, `PyPI`, …). */
function appType(p: ImagePackage): string {
  if (p.kind === 'os') return p.extractor.slice(p.extractor.indexOf('/') + 1);
  return p.ecosystem;
}

/** `license`: the package metadata's SPDX expression, or a dpkg package's DEP-5 copyright file ('' when neither). */
export function appRow(p: ImagePackage, captured: CapturedFiles): AppRow {
  return {
    appName: p.name,
    appType: appType(p),
    appVersion: p.version,
    sourceName: p.sourceName ?? '',
    appPath: `/${p.location}`,
    ecosystem: p.ecosystem,
    kind: p.kind,
    license: packageLicence(p, captured),
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
    capture: isDep5Path,
    finish(context) {
      if (context.inventory.stats.truncated) context.problem(`the inventory stopped early (${context.inventory.stats.truncatedReason ?? 'limit'})`);
      return context.inventory.packages.map((p) => appRow(p, context.captured));
    },
  }),
};
