import { createHash } from 'node:crypto';
import type { LayerColumns, SensitiveRow } from '../../report.js';
import { historyLayerColumns, maskedColumns } from '../build-commands/history-layers.js';
import { FILE_SCAN_DEFAULTS, scanConfigForSecrets, scanFileForSecrets, type SecretFinding } from '../secrets/index.js';
import type { AnalyzerContext, AnalyzerPlugin, AnalyzerRun, ByteRequest, FinishContext, LayerEntry } from '../types.js';

/**
 * `sensitive-info`: secrets in the files of EVERY layer and in the image config. Each regular file of each layer
 * up to 4 MiB (and `maxContentBytes`) is handed whole to the secrets engine during the one pass (binaries are
 * skipped by the engine), so a secret an upper layer deleted or replaced is still reported, on the layer that
 * added it: the image still ships those bytes in its layer tar. Config findings (`config:Env`, `config:Labels`)
 * are image-wide; a `history:N` finding gets the layer of that history entry when it has one. The layer
 * columns' `created_by` is masked like `build_instruction`.
 */
export const sensitiveAnalyzer: AnalyzerPlugin<'sensitive-info'> = {
  type: 'sensitive-info',
  create: (context) => new SensitiveRun(context),
};

class SensitiveRun implements AnalyzerRun<'sensitive-info'> {
  private readonly rows: SensitiveRow[] = [];
  private readonly maxBytes: number;
  private readonly mask = maskedColumns();

  constructor(context: AnalyzerContext) {
    this.maxBytes = Math.min(FILE_SCAN_DEFAULTS.maxBytes, context.options.maxContentBytes);
  }

  want(entry: LayerEntry): ByteRequest | null {
    return entry.file.size > 0 && entry.file.size <= this.maxBytes ? { kind: 'whole', maxBytes: this.maxBytes } : null;
  }

  entry(entry: LayerEntry, bytes: Buffer | null): void {
    if (!bytes || bytes.length === 0) return;
    const findings = scanFileForSecrets(entry.file.path, bytes);
    if (findings.length === 0) return;
    const columns = this.mask(entry.layer);
    for (const finding of findings) this.rows.push({ ...finding, ...columns });
  }

  finish(context: FinishContext): SensitiveRow[] {
    const history = historyLayerColumns(context.image, context.layer);
    const config = scanConfigForSecrets(context.image.configJson).map((finding) => ({ ...finding, ...configColumns(finding, history, context) }));
    return uniqueIds([...this.rows, ...config]);
  }
}

function configColumns(finding: SecretFinding, history: readonly LayerColumns[], context: FinishContext): LayerColumns {
  const match = /^history:(\d+)$/.exec(finding.position);
  const columns = match ? history[Number(match[1])] : undefined;
  return columns && columns.layerIndex !== null ? columns : context.layer(null);
}

/**
 * The engine's id hashes (rule, path, position, value): the same secret in the same file written again by
 * another layer would repeat it. Such a row keeps its own layer and gets an id derived from the first one and
 * its layer digest, so ids stay unique per image and stable across rescans.
 */
function uniqueIds(rows: SensitiveRow[]): SensitiveRow[] {
  const seen = new Set<string>();
  return rows.map((row) => {
    let id = row.sensitiveInfoId;
    for (let n = 0; seen.has(id); n++) id = createHash('sha256').update(`${row.sensitiveInfoId}\0${row.layerDigest}\0${n}`).digest('hex').slice(0, id.length);
    seen.add(id);
    return id === row.sensitiveInfoId ? row : { ...row, sensitiveInfoId: id };
  });
}
