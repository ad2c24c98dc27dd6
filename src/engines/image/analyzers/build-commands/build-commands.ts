import type { BuildRiskRow } from '../../report.js';
import { analyzeBuildHistory } from '../build-risks/index.js';
import type { AnalyzerPlugin } from '../types.js';
import { historyLayerColumns } from './history-layers.js';

/**
 * `build-command-risks`: the build-risk rules over the image config's history (no file bytes needed). A row of
 * a history entry gets that entry's layer (an `empty_layer` entry: no layer, but its `created_by`); an image-wide
 * row (e.g. no USER at all) gets the image-wide columns. `created_by` is masked like `build_instruction`.
 */
export const buildCommandsAnalyzer: AnalyzerPlugin<'build-command-risks'> = {
  type: 'build-command-risks',
  create: () => ({
    finish(context): BuildRiskRow[] {
      const columns = historyLayerColumns(context.image, context.layer);
      return analyzeBuildHistory(context.image.configJson).map((finding) => ({
        ...finding,
        ...(finding.historyIndex === null ? context.layer(null) : (columns[finding.historyIndex] ?? context.layer(null))),
      }));
    },
  }),
};
