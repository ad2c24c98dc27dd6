import type { Extractor } from '../types.js';
import { goBinaryExtractor } from './go-binary.js';
import { goModExtractor } from './go-mod.js';
import { mavenJarExtractor } from './maven-jar.js';
import { nodeModulesExtractor } from './node-modules.js';
import { npmLockExtractor } from './npm-lock.js';
import { pipfileLockExtractor } from './pipfile-lock.js';
import { pnpmLockExtractor } from './pnpm-lock.js';
import { poetryLockExtractor } from './poetry-lock.js';
import { pythonMetadataExtractor } from './python-metadata.js';
import { requirementsExtractor } from './requirements.js';
import { yarnLockExtractor } from './yarn-lock.js';

/** Application package extractors (npm, PyPI, Go, Maven): one file each, listed here. */
export const appExtractors: readonly Extractor[] = [
  npmLockExtractor,
  yarnLockExtractor,
  pnpmLockExtractor,
  nodeModulesExtractor,
  pythonMetadataExtractor,
  requirementsExtractor,
  poetryLockExtractor,
  pipfileLockExtractor,
  goModExtractor,
  goBinaryExtractor,
  mavenJarExtractor,
];
