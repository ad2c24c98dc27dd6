import type { AgentFamily } from '../../core/family.js';
import type { AgentJobHandler } from '../../agent/handlers/handler.js';
import { inventoryHandler } from './agent-handler.js';
import { DEFAULT_HOST_ROOT, MAX_APP_ROOTS, MAX_WALK_SECONDS, parseAppRoots, parseMaxSeconds } from './agent-options.js';

/** The host side of vulnerability scans: the inventory handler and the options saying where to look. */
export const vulScanAgentFamily: AgentFamily<AgentJobHandler> = {
  name: 'vul-scan',
  handlers: [inventoryHandler],
  options: [
    {
      flag: 'host-root',
      env: 'GUARDPOST_HOST_ROOT',
      description: 'the host\'s filesystem root for vulnerability scans (default /; e.g. /host when the agent runs in a container ' +
        'with the host mounted there); scans are offered only when it is a readable directory',
      localDefault: DEFAULT_HOST_ROOT,
      validate: (value) => (value === '' || (value.length <= 4096 && !value.includes('\u0000')) ? null : 'takes a directory path'),
    },
    {
      flag: 'app-roots',
      env: 'GUARDPOST_VUL_APP_ROOTS',
      description: 'comma-separated directories under the host root where application packages (npm, PyPI, Go, Maven) are ' +
        'looked for (default /: the whole root, except proc, sys, dev, run, tmp and var/cache)',
      localDefault: '/',
      validate: (value) => (parseAppRoots(value) ? null : `takes up to ${MAX_APP_ROOTS} comma-separated directories inside the host root (no ..)`),
    },
    {
      flag: 'vul-max-seconds',
      env: 'GUARDPOST_VUL_MAX_SECONDS',
      description: 'wall-time bound of one vulnerability-scan inventory walk, in seconds (default 600); a walk cut short is ' +
        'reported as truncated in the host\'s scan details',
      validate: (value) => (parseMaxSeconds(value) === null ? `takes a whole number of seconds from 1 to ${MAX_WALK_SECONDS}` : null),
    },
  ],
};
