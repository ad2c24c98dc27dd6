import type { NonCompliantRow } from '../../report.js';
import { checkCompliance } from '../compliance/index.js';
import type { AnalyzerPlugin } from '../types.js';
import { maskedColumns } from '../build-commands/history-layers.js';
import { isDep5Path, packageLicence } from './package-licence.js';

/**
 * `non-compliant-app`: every inventory package (with its licence from the package metadata or, for dpkg, its
 * DEP-5 copyright file) against the scan's compliance policy (denied licences, blocked software); each row on
 * the layer of the file the package was found in. A package can give both a `blocked_software` and a
 * `denied_license` row. The layer columns' `created_by` is masked like `build_instruction`.
 */
export const nonCompliantAnalyzer: AnalyzerPlugin<'non-compliant-app'> = {
  type: 'non-compliant-app',
  create: () => ({
    capture: isDep5Path,
    finish(context): NonCompliantRow[] {
      const policy = context.options.compliancePolicy;
      const mask = maskedColumns();
      return context.inventory.packages.flatMap((pkg) => {
        const input = { name: pkg.name, version: pkg.version, path: `/${pkg.location}`, license: packageLicence(pkg, context.captured) };
        return checkCompliance([input], policy).map((finding) => ({ ...finding, ...mask({ layerIndex: pkg.layerIndex, layerDigest: pkg.layerDigest, createdBy: pkg.createdBy }) }));
      });
    },
  }),
};
