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
    let firewalls: Array<{ fw_instance_id: string; agent_status: string; capture_interfaces: string[] }> = [];
    for (let i = 0; i < 50 && firewalls[0]?.agent_status !== 'online'; i++) {
      firewalls = JSON.parse((await cli(['firewalls', '--json'])).stdout) as typeof firewalls;
      if (firewalls[0]?.agent_status !== 'online') await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(firewalls[0]?.capture_interfaces, ['lo']);
    const firewallId = firewalls[0]!.fw_instance_id;

    const creating = cli(['create', '--name', 'cli-icmp', '--src', '127.0.0.1', '--dst', '127.0.0.1', '--proto', 'icmp',
      '--max-packets', '6', '--duration', '1', '--wait']);
    await new Promise((r) => setTimeout(r, 2000));
    const ping = spawn('ping', ['-c', '5', '-i', '0.2', '-W', '1', '127.0.0.1'], { stdio: 'ignore' });
    await new Promise((r) => ping.once('exit', r));
    const { stdout: created, stderr: progress } = await creating;
    const taskId = created.trim();
    assert.match(taskId, /^[0-9a-f-]{36}$/);
    // Not a terminal: plain lines, no carriage returns or escape codes; the last one says how it ended.
    assert.ok(!progress.includes('\r') && !progress.includes('\u001b'), JSON.stringify(progress));
    assert.match(progress, /^100% 6 packets success \(packet_limit\)$/m);

    const listed = JSON.parse((await cli(['list', '--json'])).stdout) as Array<{ task_id: string; name: string; status: number; progress: number; packets: number }>;
    assert.deepEqual(listed.map((r) => [r.task_id, r.name, r.status, r.progress, r.packets]), [[taskId, 'cli-icmp', 1, 100, 6]]);

    const file = path.join(db.dir, 'cli.pcap');
    const { stdout: saved } = await cli(['download', taskId, '-o', file]);
    assert.match(saved, /^.+: \d+ bytes in \d+\.\d s\n$/);
    assert.ok(saved.startsWith(`${file}: ${fs.statSync(file).size} bytes`), saved);
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
    assert.equal((await cli(['list'])).stdout, `no capture tasks on firewall ${firewallId}\n`);
  });
});
