import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { decodePacket } from '../../src/engines/capture/packet-decoder.js';
import { readCaptureFile } from '../../src/engines/capture/pcap-reader.js';
import { freshDatabase, type FreshDatabase } from '../helpers/db.js';
import { freePort, guardpostBin, spawnGuardpost, type GuardpostProcess } from '../helpers/server.js';

const run = promisify(execFile);

/** `guardpost capture …` against `guardpost start` (its local agent offers `any,lo`), loopback traffic only. */
describe('guardpost capture CLI', () => {
  let db: FreshDatabase;
  let env: Record<string, string>;
  let server: GuardpostProcess | undefined;

  before(async () => {
    db = await freshDatabase();
    const port = await freePort();
    env = {
      GUARDPOST_HOME: db.dir, GUARDPOST_LISTEN: `127.0.0.1:${port}`, GUARDPOST_CAPTURE_INTERFACES: 'lo',
      ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}),
    };
    server = await spawnGuardpost(['start'], { env, endpoint: `http://127.0.0.1:${port}` });
  });

  after(async () => {
    await server?.stop(10_000);
    await db.drop();
  });

  const cli = (args: string[]) => run(process.execPath, [guardpostBin, 'capture', ...args], { env: { ...process.env, ...env }, timeout: 60_000 });

  it('creates a capture, waits with progress, lists, downloads the pcap and refuses a duplicate name', async () => {
    let firewalls = '';
    for (let i = 0; i < 50 && !firewalls.includes('online'); i++) {
      firewalls = (await cli(['firewalls'])).stdout;
      if (!firewalls.includes('online')) await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(firewalls, /\tonline\tlo\n/);

    const creating = cli(['create', '--name', 'cli-icmp', '--src', '127.0.0.1', '--dst', '127.0.0.1', '--proto', 'icmp',
      '--max-packets', '6', '--duration', '1', '--wait']);
    await new Promise((r) => setTimeout(r, 2000));
    const ping = spawn('ping', ['-c', '5', '-i', '0.2', '-W', '1', '127.0.0.1'], { stdio: 'ignore' });
    await new Promise((r) => ping.once('exit', r));
    const { stdout: created, stderr: progress } = await creating;
    const taskId = created.trim();
    assert.match(taskId, /^[0-9a-f-]{36}$/);
    assert.match(progress, /success 100% packets=6/);
    assert.match(progress, /packet_limit/);

    const listed = (await cli(['list'])).stdout;
    assert.match(listed, new RegExp(`^${taskId}\\tcli-icmp\\tsuccess\\t100%\\t6\\t`, 'm'));

    const file = path.join(db.dir, 'cli.pcap');
    await cli(['download', taskId, '-o', file]);
    const { packets } = await readCaptureFile(file);
    assert.equal(packets.length, 6);
    for (const p of packets) {
      const decoded = decodePacket(p.linktype, p.data);
      assert.equal(decoded?.protocol, 1);
      assert.equal(decoded?.src, '127.0.0.1');
    }
    assert.equal(fs.statSync(file).size > 24, true);

    await assert.rejects(cli(['create', '--name', 'cli-icmp', '--src', '127.0.0.1', '--dst', '127.0.0.1']), /CFW\.00200007/);
    await cli(['delete', taskId]);
    assert.doesNotMatch((await cli(['list'])).stdout, new RegExp(taskId));
  });
});
