import type { AgentFamily } from '../../core/family.js';
import type { AgentJobHandler } from '../../agent/handlers/handler.js';
import { imageLocalScanHandler, parseImageDirs } from './agent-handler.js';

/** The host side of image scans: the `image-local-scan` handler and `--image-dirs`. */
export const imageAgentFamily: AgentFamily<AgentJobHandler> = {
  name: 'image',
  handlers: [imageLocalScanHandler],
  options: [{
    flag: 'image-dirs', env: 'GUARDPOST_IMAGE_DIRS',
    description: 'comma-separated absolute directories holding image archives (docker save / OCI archives) and OCI layouts to scan as local images',
    validate: (v) => (v === '' || parseImageDirs(v) ? null : 'takes comma-separated absolute directories (at most 64)'),
  }],
};
