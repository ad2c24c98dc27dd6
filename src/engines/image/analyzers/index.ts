import { createRegistry } from '../../../core/registry.js';
import { appsAnalyzer } from './apps.js';
import { buildCommandsAnalyzer } from './build-commands/build-commands.js';
import { filesAnalyzer } from './files/files.js';
import { malwaresAnalyzer } from './malwares/malwares.js';
import { nonCompliantAnalyzer } from './non-compliant/non-compliant.js';
import { sensitiveAnalyzer } from './sensitive/sensitive.js';
import type { AnyAnalyzerPlugin } from './types.js';

/** Every image analyzer, one per security report type, in one list; a duplicate type is refused. */
export const imageAnalyzers = createRegistry<AnyAnalyzerPlugin>(
  'image analyzer',
  [appsAnalyzer, filesAnalyzer, malwaresAnalyzer, sensitiveAnalyzer, nonCompliantAnalyzer, buildCommandsAnalyzer],
  (a) => a.type,
);
