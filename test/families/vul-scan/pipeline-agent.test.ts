import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inventoryHandler } from '../../../src/families/vul-scan/agent-handler.js';
import { matchHost } from '../../../src/families/vul-scan/host-matcher.js';
import { parseAppRoots } from '../../../src/families/vul-scan/agent-options.js';
import { vulScanAgentFamily } from '../../../src/families/vul-scan/agent.js';
import { decodeInventory, type StoredInventory } from '../../../src/families/vul-scan/inventory-format.js';
import { readBounded } from '../../../src/families/vul-scan/inventory-store.js';
import { readAgentOptions } from '../../../src/cli/agent-options.js';
import { tempDir } from '../../helpers/db.js';
import { put } from '../../engines/inventory/inventory-helpers.js';
import { openFixture, type StoreFixture } from '../../store/fixture.js';
import { alpineRoot, appOnlyRoot, debianRoot, enrollAgents, pipelineFixture, runInventoryJob, type PipelineFixture } from './pipeline-helpers.js';

let fx: StoreFixture;
let pf: PipelineFixture;
const dirs: string[] = [];
const root = (make: (dir: string) => string) => { const dir = make(tempDir('gp-vul-agent-')); dirs.push(dir); return dir; };

before(async () => { fx = await openFixture(); pf = pipelineFixture(fx); });
after(async () => {
  await fx.close();
  for (const dir of [...dirs, pf.blobDir]) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs one inventory job on `hostRoot` through the real stores; returns its outcome and the uploaded inventory. */
async function inventoryOf(hostRoot: string, scanTypes: Array<'linux_vul' | 'app_vul'>, appRoots = '/', signal?: AbortSignal) {
  const projectId = await fx.newProject();
  const [agent] = await enrollAgents(fx, projectId, ['h']);
  const task = await pf.services.scans.createScan({
    projectId, enterpriseProjectId: '0', scanType: 'manual', vulTypes: scanTypes, createdBy: 't', targets: [{ agent: agent!, unavailable: null }],
  });
  const [job] = await fx.tasks.jobsOfTask(task.id);
  const outcome = await runInventoryJob(fx, pf, job!, hostRoot, appRoots, signal);
  const artifact = (await pf.artifacts.ofTasks([task.id]))[0];
  let inventory: StoredInventory | undefined;
  if (artifact) inventory = await decodeInventory(await readBounded((await pf.artifacts.openBlob(artifact))!, 1 << 24));
  return { outcome, inventory, job: (await fx.tasks.jobsOfTask(task.id))[0]! };
}

const names = (inventory: StoredInventory | undefined) => inventory?.packages.map((p) => `${p.kind}:${p.ecosystem}:${p.name}@${p.version}`).sort();

describe('vul-inventory agent handler', () => {
  it('collects OS and application packages of an Alpine root and uploads them with the walk summary', async () => {
    const { outcome, inventory, job } = await inventoryOf(root(alpineRoot), ['linux_vul', 'app_vul']);
    assert.equal(outcome.outcome, 'succeeded');
    assert.deepEqual(names(inventory), [
      'app:PyPI:Jinja2@3.1.4', 'app:PyPI:requests@2.19.0', 'os:Alpine:v3.19:busybox@1.36.1-r15', 'os:Alpine:v3.19:libcrypto3@3.1.2-r0',
    ]);
    assert.equal(inventory?.packages.find((p) => p.name === 'libcrypto3')?.sourceName, 'openssl');
    assert.equal(inventory?.os?.ecosystem, 'Alpine:v3.19');
    assert.equal(inventory?.os_note, undefined);
    const result = JSON.parse(job.result!);
    assert.equal(result.packages, 4);
    assert.equal(result.os_ecosystem, 'Alpine:v3.19');
    assert.equal(result.truncated, false);
  });

  it('keeps only what the requested types need', async () => {
    const dir = root(alpineRoot);
    assert.deepEqual(names((await inventoryOf(dir, ['linux_vul'])).inventory), ['os:Alpine:v3.19:busybox@1.36.1-r15', 'os:Alpine:v3.19:libcrypto3@3.1.2-r0']);
    assert.deepEqual(names((await inventoryOf(dir, ['app_vul'])).inventory), ['app:PyPI:Jinja2@3.1.4', 'app:PyPI:requests@2.19.0']);
    const debian = (await inventoryOf(root(debianRoot), ['linux_vul'])).inventory;
    assert.deepEqual(names(debian), ['os:Debian:12:bash@5.2.15-2+b2', 'os:Debian:12:libssl3@3.0.11-1~deb12u1']);
    assert.equal(debian?.packages.find((p) => p.name === 'bash')?.sourceVersion, '5.2.15-2');
  });

  it('looks for application packages only under the app roots', async () => {
    const dir = root(alpineRoot);
    put(dir, 'srv/other/site-packages/flask-0.12.dist-info/METADATA', 'Name: flask\nVersion: 0.12\n');
    assert.deepEqual(names((await inventoryOf(dir, ['app_vul'], '/srv')).inventory), ['app:PyPI:flask@0.12']);
    assert.deepEqual(names((await inventoryOf(dir, ['app_vul'], 'opt/app/,/nowhere')).inventory), ['app:PyPI:Jinja2@3.1.4', 'app:PyPI:requests@2.19.0']);
  });

  it('says why when the root has no recognisable OS, and drops package databases it cannot place', async () => {
    const dir = root(appOnlyRoot);
    put(dir, 'var/lib/dpkg/status', 'Package: bash\nStatus: install ok installed\nVersion: 5.2-1\n');
    const { outcome, inventory } = await inventoryOf(dir, ['linux_vul', 'app_vul']);
    assert.equal(outcome.outcome, 'succeeded');
    assert.match(inventory?.os_note ?? '', /no recognisable OS/);
    assert.deepEqual(names(inventory), ['app:PyPI:requests@2.19.0']);
  });

  it('stops when the job is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const { outcome, inventory } = await inventoryOf(root(alpineRoot), ['linux_vul'], '/', controller.signal);
    assert.equal(outcome.outcome, 'cancelled');
    assert.equal(inventory, undefined, 'nothing uploaded');
  });

  it('advertises the capability only for a readable directory; app roots stay inside the root', () => {
    const dir = root(alpineRoot);
    assert.deepEqual(inventoryHandler.capability({ 'host-root': dir, 'app-roots': '' }), { host_root: dir, app_roots: ['/'] });
    assert.deepEqual(inventoryHandler.capability({ 'host-root': dir, 'app-roots': 'opt, srv/,/opt' }), { host_root: dir, app_roots: ['/opt', '/srv'] });
    assert.equal(inventoryHandler.capability({ 'host-root': path.join(dir, 'missing'), 'app-roots': '' }), null);
    assert.equal(inventoryHandler.capability({ 'host-root': path.join(dir, 'etc/os-release'), 'app-roots': '' }), null);
    assert.equal(parseAppRoots('../etc'), null);
    assert.equal(parseAppRoots('opt/../..'), null);
    assert.deepEqual(parseAppRoots('/opt,/'), ['/']);
    assert.equal(vulScanAgentFamily.options.find((o) => o.flag === 'app-roots')?.validate('a/../b'), 'takes up to 64 comma-separated directories inside the host root (no ..)');
  });

  it('reads --host-root from the flag, then GUARDPOST_HOST_ROOT; the local agent defaults to /', () => {
    const read = (flags: Record<string, string>, env: Record<string, string>, local: boolean) => {
      const values = readAgentOptions(flags, env, local);
      assert.equal(typeof values, 'object', String(values));
      return values as Record<string, string>;
    };
    assert.equal(read({ 'host-root': '/host' }, { GUARDPOST_HOST_ROOT: '/other' }, false)['host-root'], '/host');
    assert.equal(read({}, { GUARDPOST_HOST_ROOT: '/other', GUARDPOST_VUL_APP_ROOTS: '/opt' }, false)['app-roots'], '/opt');
    assert.equal(read({}, {}, true)['host-root'], '/');
    assert.match(String(readAgentOptions({ 'app-roots': '../x' }, {}, false)), /^--app-roots takes/);
    assert.equal(read({}, { GUARDPOST_VUL_MAX_SECONDS: '30' }, false)['vul-max-seconds'], '30');
    assert.match(String(readAgentOptions({ 'vul-max-seconds': '0' }, {}, false)), /^--vul-max-seconds takes a whole number of seconds/);
    assert.match(String(readAgentOptions({ 'vul-max-seconds': '1e3' }, {}, false)), /^--vul-max-seconds takes/);
  });

  it('bounds the walk by --vul-max-seconds (advertised in the capability) and says when a walk was cut short', () => {
    const dir = root(alpineRoot);
    assert.deepEqual(inventoryHandler.capability({ 'host-root': dir, 'app-roots': '', 'vul-max-seconds': '30' }),
      { host_root: dir, app_roots: ['/'], max_seconds: 30 });
    assert.equal(inventoryHandler.capability({ 'host-root': dir, 'app-roots': '', 'vul-max-seconds': 'soon' }), null);
    const inventory: StoredInventory = {
      format: 1, host_root: dir, collected_at: 0, scan_types: ['linux_vul', 'app_vul'], os: null, packages: [], extractors: [],
      stats: { entries: 10, bytesRead: 0, skippedLarge: 0, unreadable: 0, truncated: true, truncatedReason: 'maxMs', durationMs: 30_000 },
    };
    const match = matchHost(inventory, { index: { byKey: new Map(), advisories: 0 }, summaries: new Map() });
    for (const type of ['linux_vul', 'app_vul'] as const) assert.match(match.byType.get(type)!.notes.join('; '), /walk stopped early \(maxMs\)/);
  });
});
