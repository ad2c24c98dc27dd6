import type { Extractor } from '../types.js';

/** Application package extractors (npm, PyPI, Go, Maven): one file each, listed here. */
export const appExtractors: readonly Extractor[] = [];
