/**
 * Bench child: one real Guardpost server (`startServer(loadConfig(process.env))`) in its own process, so the
 * parent can measure its CPU and memory from /proc without counting the load generator.
 *
 * Prints `READY <endpoint>` on stdout once listening. Stops cleanly on SIGTERM/SIGINT, and also when its
 * stdin closes (the parent died), so a crashed bench never leaves a server behind.
 */
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server/server.js';

const server = await startServer(loadConfig(process.env));
process.stdout.write(`READY ${server.endpoint}\n`);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const guard = setTimeout(() => process.exit(code || 1), 10_000);
  guard.unref();
  try {
    await server.close();
  } finally {
    process.exit(code);
  }
}

process.once('SIGTERM', () => void stop(0));
process.once('SIGINT', () => void stop(0));
process.stdin.on('end', () => void stop(0));
process.stdin.resume();
