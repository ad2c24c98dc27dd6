import type { AgentFamily } from '../../core/family.js';
import type { AgentJobHandler } from '../../agent/handlers/handler.js';
import { antivirusHandler } from './agent-handler.js';
import { avIsolateHandler } from './isolate-handler.js';
import { QUICK_ROOTS_FLAG, validateQuickRoots } from './quick-roots.js';
import { antivirusRequirement } from './requirements.js';

const absolute = (value: string) => (value === '' || value.startsWith('/') ? null : 'takes an absolute path');

/** The host side of antivirus: the `av-scan` and `av-isolate` handlers and their options. */
export const antivirusAgentFamily: AgentFamily<AgentJobHandler> = {
  name: 'antivirus',
  handlers: [antivirusHandler, avIsolateHandler],
  requirements: [antivirusRequirement],
  options: [
    {
      flag: 'av-socket', env: 'GUARDPOST_AV_SOCKET',
      description: 'use the clamd listening on this unix socket instead of starting a private one', validate: absolute,
    },
    {
      flag: 'av-clamd', env: 'GUARDPOST_AV_CLAMD',
      description: 'the clamd binary to run (default: clamd in /usr/sbin, /usr/bin, … or on PATH)', validate: absolute,
    },
    {
      flag: 'av-work-dir', env: 'GUARDPOST_AV_WORK_DIR',
      description: 'private directory of the agent\'s clamd (config, socket, staged database; default /var/lib/clamav/guardpost)', validate: absolute,
    },
    {
      flag: 'av-vault-dir', env: 'GUARDPOST_AV_VAULT_DIR',
      description: 'root-only quarantine vault for isolated files (default /var/lib/guardpost/av-vault)', validate: absolute,
    },
    {
      flag: QUICK_ROOTS_FLAG, env: 'GUARDPOST_AV_QUICK_ROOTS',
      description: '";"-separated absolute directories quick scans cover instead of the built-in list (temp, home, autostart, binary and web dirs, running executables)',
      validate: validateQuickRoots,
    },
    {
      flag: 'av-concurrency', env: 'GUARDPOST_AV_CONCURRENCY',
      description: 'files handed to clamd at once per scan (1-64, default 16)',
      validate: (v) => (v === '' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 64) ? null : 'takes a number from 1 to 64'),
    },
  ],
};
