import type { ServerFamily } from '../types.js';
import { vulCli } from './cli.js';

/**
 * HSS vulnerability scans (issue #9). So far: the `guardpost vul inventory` verb over the inventory engine; the
 * scan tasks, advisory store, matcher job and HSS operations land here next.
 */
export const vulScanFamily: ServerFamily = {
  name: 'vul-scan',
  jobKinds: [],
  migrations: {},
  quotas: [],
  cli: [vulCli],
  start: () => ({ routes: [] }),
};
