import type { Extractor } from '../types.js';

/** OS package extractors (dpkg, rpm, apk): one file each, listed here. */
export const osExtractors: readonly Extractor[] = [];
