import type { Extractor } from '../types.js';
import { apkExtractor } from './apk.js';
import { dpkgExtractor } from './dpkg.js';
import { rpmExtractor } from './rpm.js';

/** OS package extractors (dpkg, rpm, apk): one file each, listed here. */
export const osExtractors: readonly Extractor[] = [dpkgExtractor, rpmExtractor, apkExtractor];
