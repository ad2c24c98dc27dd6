/**
 * A real S3 server for tests: Ceph's radosgw over a one-monitor, one-memstore-OSD mini cluster on loopback
 * (scripts/deps/s3.sh installs it). Every daemon runs in the foreground as a child of the test process and is
 * ended by its PID; everything lives in one temporary directory, removed by `stop()`.
 *
 * Facts this relies on (Ceph 16 pacific): no manager is needed; `auth_*_required = none` with
 * `ms_mon_client_mode = crc secure` (otherwise radosgw retries forever on -13); the paxos settings remove
 * multi-second stalls; `tcp_nodelay=1` on the beast frontend removes ~48 ms per small request.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait.js';

const run = promisify(execFile);

export interface Radosgw {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** The environment a Guardpost process needs to use this store (bucket chosen by the caller). */
  env(bucket: string, prefix?: string): Record<string, string>;
  /** Ends the S3 gateway only (the cluster keeps its data): for fault tests. */
  stopGateway(signal?: NodeJS.Signals): Promise<void>;
  startGateway(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function config(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon_host = v1:127.0.0.1:${monPort}
public_addr = 127.0.0.1
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc secure
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000
osd_objectstore = memstore
memstore_device_bytes = 1073741824
run_dir = ${dir}/run
admin_socket = ${dir}/run/$cluster-$name.asok
log_file = ${dir}/log/$name.log
log_to_stderr = false
err_to_stderr = false
[mon]
mon_data = ${dir}/mon/$name
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
[osd]
osd_data = ${dir}/osd/$name
osd_journal = ${dir}/osd/$name/journal
[client.rgw]
rgw_frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1
rgw_data = ${dir}/rgw
`;
}

function daemon(args: string[], children: ChildProcess[]): ChildProcess {
  const child = spawn(args[0] as string, args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null) console.error(`${args[0]} exited ${code}: ${stderr}`);
  });
  children.push(child);
  return child;
}

async function endChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, signal);
  const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function s3Answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

const LOCK_DIR = path.join(os.tmpdir(), 'guardpost-radosgw.lock');

/**
 * Two mini clusters on one machine at once confuse each other (an OSD ends up talking to the other cluster's
 * monitor: "wrong fsid"), and the SQLite and PostgreSQL passes of the suite run in parallel: one cluster at a time
 * per machine, held from start to stop. A lock whose owner process is gone is taken over.
 */
async function acquireMachineLock(timeoutMs = 900_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return () => fs.rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
    let alive = owner > 0;
    if (alive) {
      try {
        process.kill(owner, 0);
      } catch {
        alive = false;
      }
    }
    if (!alive && owner > 0) fs.rmSync(LOCK_DIR, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`another test process holds ${LOCK_DIR} (pid ${owner})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Starts the mini cluster and the gateway, and creates one S3 user; about 5–10 s (plus waiting for another test's
 * cluster). A cold start on a busy machine occasionally fails (a monitor that never accepts the OSD): one more try
 * on fresh ports and a fresh directory, then the error.
 */
export async function startRadosgw(): Promise<Radosgw> {
  const release = await acquireMachineLock();
  try {
    return await startCluster(release);
  } catch (first) {
    console.error(`radosgw: first start failed, retrying once: ${(first as Error).message}`);
    try {
      return await startCluster(release);
    } catch (second) {
      release();
      throw second;
    }
  }
}

async function startCluster(release: () => void): Promise<Radosgw> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-rgw-'));
  const children: ChildProcess[] = [];
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = crypto.randomUUID();
  const conf = path.join(dir, 'ceph.conf');
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  const accessKey = `GPRGW${crypto.randomBytes(8).toString('hex').toUpperCase()}`.slice(0, 20);
  const secretKey = crypto.randomBytes(20).toString('hex');
  let gateway: ChildProcess | undefined;
  const startGateway = async (): Promise<void> => {
    gateway = daemon(['radosgw', '-f', '-c', conf, '-n', 'client.rgw'], children);
    await waitFor('radosgw to answer S3 requests', async () => ((await s3Answers(endpoint)) ? true : undefined), 60_000);
  };
  const teardown = async (): Promise<void> => {
    for (const child of [...children].reverse()) await endChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    await teardown();
    release();
  };
  try {
    for (const sub of ['run', 'log', 'mon/mon.a', 'osd/osd.0', 'rgw']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.writeFileSync(conf, config(dir, fsid, monPort, rgwPort));
    const monmap = path.join(dir, 'monmap');
    await run('monmaptool', ['--create', '--addv', 'a', `v1:127.0.0.1:${monPort}`, '--fsid', fsid, monmap]);
    await run('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', monmap, '-c', conf]);
    daemon(['ceph-mon', '-f', '-i', 'a', '-c', conf], children);
    const osdUuid = crypto.randomUUID();
    await waitFor('the Ceph monitor to accept an OSD',
      () => run('ceph', ['-c', conf, '--connect-timeout', '5', 'osd', 'new', osdUuid]).then(() => true, () => undefined), 60_000, 300);
    await run('ceph-osd', ['-i', '0', '--mkfs', '--osd-uuid', osdUuid, '-c', conf]);
    daemon(['ceph-osd', '-f', '-i', '0', '-c', conf], children);
    await startGateway();
    await run('radosgw-admin', ['-c', conf, 'user', 'create', '--uid=guardpost', '--display-name=Guardpost tests', `--access-key=${accessKey}`, `--secret-key=${secretKey}`]);
  } catch (error) {
    await teardown();
    throw error;
  }
  return {
    endpoint, accessKey, secretKey,
    env: (bucket, prefix = '') => ({
      GUARDPOST_BLOB_URL: `s3://${bucket}${prefix ? `/${prefix}` : ''}`, GUARDPOST_S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey, AWS_REGION: 'us-east-1',
    }),
    stopGateway: async (signal = 'SIGTERM') => {
      if (gateway) await endChild(gateway, signal);
    },
    startGateway,
    stop,
  };
}
