import { createRegistry } from '../../../core/registry.js';
import { appsAnalyzer } from './apps.js';
import { filesAnalyzer } from './files/files.js';
import { malwaresAnalyzer } from './malwares/malwares.js';
import type { AnyAnalyzerPlugin } from './types.js';

/** Every image analyzer, one per security report type, in one list; a duplicate type is refused. */
export const imageAnalyzers = createRegistry<AnyAnalyzerPlugin>('image analyzer', [appsAnalyzer, filesAnalyzer, malwaresAnalyzer], (a) => a.type);
