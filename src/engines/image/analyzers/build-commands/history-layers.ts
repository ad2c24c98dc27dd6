import type { OpenedImage } from '../../image.js';
import type { LayerColumns } from '../../report.js';
import { parseCreatedBy } from '../build-risks/index.js';
import { maskedInstruction } from '../build-risks/mask.js';

/**
 * `created_by` with its secrets masked (credential-named ENV/ARG values, anything the secret rules recognise),
 * as the build-risk engine masks `build_instruction`: a row never carries in its layer columns the secret it
 * (or another row) reports masked.
 */
export function maskCreatedBy(createdBy: string): string {
  return createdBy === '' ? '' : maskedInstruction(parseCreatedBy(createdBy, 0));
}

/** `columns` with `createdBy` masked (memoised per text: the same layer's columns repeat on many rows). */
export function maskedColumns(): (columns: LayerColumns) => LayerColumns {
  const cache = new Map<string, string>();
  return (columns) => {
    let masked = cache.get(columns.createdBy);
    if (masked === undefined) cache.set(columns.createdBy, (masked = maskCreatedBy(columns.createdBy)));
    return { layerIndex: columns.layerIndex, layerDigest: columns.layerDigest, createdBy: masked };
  };
}

/**
 * The layer columns of each history entry of the config (index = 0-based history index): a non-empty-layer
 * entry gets its layer (the non-empty entries line up with the layers, bottom first, as the reader assumes for
 * `created_by`); an `empty_layer` entry has no layer (null / '') but keeps its own `created_by`. When the
 * non-empty entries do not line up with the layers (a broken or squashed history), no entry gets a layer.
 * `createdBy` is masked ({@link maskCreatedBy}).
 */
export function historyLayerColumns(image: OpenedImage, layer: (index: number | null) => LayerColumns): LayerColumns[] {
  const history = image.config.history ?? [];
  const aligned = history.filter((h) => h.empty_layer !== true).length === image.layers.length;
  let next = 0;
  return history.map((h) => {
    const createdBy = maskCreatedBy(h.created_by ?? '');
    if (h.empty_layer === true || !aligned) return { layerIndex: null, layerDigest: '', createdBy };
    return { ...layer(next++), createdBy };
  });
}
