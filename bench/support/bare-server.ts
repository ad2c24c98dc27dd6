/**
 * Bench baseline child: a bare Fastify server with one `POST /checkin` route that answers what an idle
 * Guardpost check-in answers (no auth, no database). Honours `wait_seconds` with a plain timer so the
 * long-poll load shape can be compared too.
 *
 * Prints `READY <endpoint>` on stdout; stops on SIGTERM/SIGINT or when stdin closes.
 */
import Fastify from 'fastify';

const MAX_WAIT_SECONDS = 25;
const app = Fastify({ logger: false });

app.post('/checkin', async (request) => {
  const body = (request.body ?? {}) as { wait_seconds?: unknown };
  const wait = typeof body.wait_seconds === 'number' ? Math.min(Math.max(0, body.wait_seconds), MAX_WAIT_SECONDS) : 0;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  return { jobs: [], cancel_job_ids: [], server_time: Date.now(), lease_seconds: 60 };
});

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`READY http://127.0.0.1:${port}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const guard = setTimeout(() => process.exit(1), 5_000);
  guard.unref();
  await app.close();
  process.exit(0);
}

process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
