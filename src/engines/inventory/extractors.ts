import { createRegistry } from '../../core/registry.js';
import { appExtractors } from './apps/index.js';
import { osExtractors } from './os/index.js';
import type { Extractor } from './types.js';

/** Every inventory extractor, in one list; a duplicate name is refused. */
export const extractors = createRegistry<Extractor>('inventory extractor', [...osExtractors, ...appExtractors], (e) => e.name);
