import { accessSync, constants } from 'node:fs';
import type { EngineRequirement } from '../../core/family.js';
import { findExecutable } from '../../engines/capture/tools.js';

/**
 * What the antivirus engine needs on the host: clamd (Debian clamav-daemon) runs the scans, clamscan (clamav)
 * validates the signatures before clamd loads them. With `--av-socket` an existing clamd does the work and
 * nothing is needed; `--av-clamd` names the clamd binary instead of looking for it.
 */

function executable(file: string): string | null {
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return null;
  }
}

export const antivirusRequirement: EngineRequirement = {
  engine: 'antivirus',
  tools: [{ command: 'clamd', package: 'clamav-daemon' }, { command: 'clamscan', package: 'clamav' }],
  needed: (options) => !options['av-socket'],
  locate: (command, options) => (command === 'clamd' && options['av-clamd'] ? executable(options['av-clamd']) : findExecutable(command)),
};
