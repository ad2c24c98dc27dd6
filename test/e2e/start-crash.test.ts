import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { liveLockOwner } from '../../src/agent/state-lock.js';
import { freshDatabase, type FreshDatabase } from '../helpers/db.js';
import { projectToken } from '../helpers/http.js';
import { captureBody, CfwClient, download, parsePcap, sleep } from '../helpers/netns.js';
import { freePort, guardpostBin, readCredentials, spawnGuardpost, type GuardpostProcess } from '../helpers/server.js';

/**
 * `guardpost start` killed with -9 while captures run, then started again: the surviving local agent is
 * adopted (not duplicated, its captures not killed), reconnects, and every capture completes with a pcap
 * holding exactly the packets its task reports. Traffic is UDP to 127.0.0.1 on `lo`, bounded in count.
 */

const CAPTURES = 4;
const BURST = 15;
const basePort = 46_100 + (process.pid % 200) * 5;

async function sendUdp(port: number, count: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  try {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) => socket.send(`gp-crash-${i}`, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
      await sleep(5);
    }
  } finally {
    socket.close();
  }
}

describe('guardpost start: server killed with -9 mid-capture, then started again', () => {
  let db: FreshDatabase;
  let env: Record<string, string>;
  let endpoint = '';
  let agentState = '';
  const procs: GuardpostProcess[] = [];

  before(async () => {
    db = await freshDatabase();
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    agentState = path.join(db.dir, 'agent');
    env = {
      GUARDPOST_HOME: db.dir, GUARDPOST_LISTEN: `127.0.0.1:${port}`, GUARDPOST_CAPTURE_INTERFACES: 'lo',
      GUARDPOST_ADMIN_PASSWORD: 'e2e-Admin-Password-1', ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}),
    };
  });

  after(async () => {
    for (const p of procs) await p.stop(10_000);
    // The agent outlived its first parent: end it by the PID in its lock (a process this test started).
    const owner = agentState ? liveLockOwner(agentState) : null;
    if (owner) process.kill(owner.pid, 'SIGKILL');
    await db.drop();
  });

  const start = async () => {
    const proc = await spawnGuardpost(['start'], { env, endpoint, ready: async () => fs.existsSync(path.join(db.dir, 'credentials.json'))
      && (await fetch(`${endpoint}/openapi.json`)).status === 200 });
    procs.push(proc);
    return proc;
  };

  it('adopts the surviving agent; every capture completes and its pcap holds `packets` packets', { timeout: 150_000 }, async () => {
    const first = await start();
    const creds = readCredentials(db.dir);
    const cfw = new CfwClient(endpoint, creds.project_id, await projectToken(endpoint, creds));
    let fw = '';
    for (let i = 0; i < 100 && !fw; i++) {
      const res = await cfw.firewalls();
      fw = String(res.body.data?.records?.[0]?.fw_instance_id ?? '');
      if (!fw) await sleep(200);
    }
    assert.ok(fw, 'the local agent shows up as a firewall');

    // CFW allows one running capture per firewall by default; the scenario had four.
    await promisify(execFile)(process.execPath, [guardpostBin, 'admin', 'quota', 'set', 'capture.running_per_firewall', String(CAPTURES),
      '--project', creds.project_id], { env: { ...process.env, ...env } });
    const names = Array.from({ length: CAPTURES }, (_, i) => `crash-${i}`);
    for (const [i, name] of names.entries()) {
      const created = await cfw.create(fw, captureBody({ name, src: '127.0.0.1', dst: '127.0.0.1', protocol: 17, destPort: String(basePort + i),
        maxPackets: 2 * BURST, duration: 2 }));
      assert.equal(created.status, 200, created.text);
    }
    for (const name of names) await cfw.waitCapturing(fw, name, 30_000);
    const agentPid = liveLockOwner(agentState)?.pid;
    assert.ok(agentPid, 'the agent holds its state-dir lock');
    for (let i = 0; i < CAPTURES; i++) await sendUdp(basePort + i, BURST);

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    assert.equal(liveLockOwner(agentState)?.pid, agentPid, 'the agent survives its parent');

    const second = await start();
    // Traffic after the restart reaches the same, still running captures.
    for (let i = 0; i < CAPTURES; i++) await sendUdp(basePort + i, BURST);
    for (const name of names) {
      const record = await cfw.waitRecord(fw, name, 'completion', (r) => r.status !== 2 && r.status !== 5, 60_000, 250);
      assert.equal(record.status, 1, `${name} completed: ${JSON.stringify(record)}\n${second.output()}`);
      assert.equal(record.stop_reason, 'packet_limit');
      assert.equal(record.packets, 2 * BURST);
      const result = await cfw.result(fw, record.task_id);
      assert.equal(result.status, 200, result.text);
      const file = await download(result.body.data.url!, { code: result.body.data.captcha! });
      assert.equal(file.status, 200);
      assert.equal(parsePcap(file.body).packets.length, record.packets, `${name}: the stored pcap holds what the task reports`);
    }
    assert.equal(liveLockOwner(agentState)?.pid, agentPid, 'one agent all along: adopted, not replaced');
    assert.match(second.output(), new RegExp(`adopted the local agent .*pid ${agentPid}`));

    // The new start still supervises the adopted agent: stopping it stops the agent too.
    assert.equal(await second.stop(30_000), 0, second.output());
    procs.pop();
    assert.equal(liveLockOwner(agentState), null, 'the adopted agent was stopped with the server');
  });
});
