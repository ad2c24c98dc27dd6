import { ClamdSupervisor } from '../../../src/engines/antivirus/clamd-supervisor.js';
import { runTreeScan } from '../../../src/engines/antivirus/tree-scan.js';

/**
 * Not a test file: tree-scan.test.ts runs this in a child process whose capability bounding set lacks
 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (setpriv), so a mode-000 file is really unreadable although
 * the process is uid 0. Argv: clamd socket path, work dir, max file size, roots…; prints the result as JSON.
 */
const [socket, workDir, maxFileSize, ...roots] = process.argv.slice(2);
const supervisor = new ClamdSupervisor({ workDir: workDir as string, existingSocket: socket as string });
await supervisor.start();
const result = await runTreeScan(supervisor, { roots, maxFileSize: Number(maxFileSize), concurrency: 2 });
await supervisor.stop();
process.stdout.write(JSON.stringify(result));
