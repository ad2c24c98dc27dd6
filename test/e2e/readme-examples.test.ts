/**
 * The README's examples run as written: the SDK-core script and the curl recipe are taken from README.md itself
 * and run against a real server whose home holds the credentials.json they read.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../helpers/server.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** The fenced block of `language` that follows `heading` in the README. */
function block(heading: string, language: string): string {
  const section = readme.slice(readme.indexOf(heading));
  assert.ok(section.length < readme.length || readme.startsWith(heading), `README has no section "${heading}"`);
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(section);
  assert.ok(match, `README section "${heading}" has no ${language} block`);
  return match[1] as string;
}

/** Async on purpose: the server under test runs in this process, so a synchronous child would block it. */
const run = async (file: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, { ...options, encoding: 'utf8', timeout: 30_000 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
};

let ts: TestServer;
let home: string;

before(async () => {
  ts = await startTestServer();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-readme-home-'));
});

after(async () => {
  await ts?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('README examples', () => {
  test('the SDK-core script lists the firewalls and hosts', async () => {
    const script = block('## Calling it with an official Huawei Cloud SDK', 'js');
    // HOME: the SDK core writes ~/.huaweicloud; NODE_PATH: the SDK core and uuid the reader would `npm i`.
    const result = await run(process.execPath, ['-e', script], {
      cwd: home, env: { ...process.env, HOME: home, GUARDPOST_HOME: ts.db.dir, NODE_PATH: path.join(repoRoot, 'node_modules') },
    });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^firewalls: \[/m);
    assert.match(result.stdout, /^hosts: 0 \[\]/m);
  });

  test('the curl recipe gets a token and lists hosts', async (t) => {
    const missing = ['curl', 'jq'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
    if (missing.length > 0) {
      t.skip(`needs ${missing.join(' and ')} (scripts/deps/readme.sh installs them)`);
      return;
    }
    const recipe = block('## Calling it with curl and a token', 'sh');
    const result = await run('bash', ['-euo', 'pipefail', '-c', recipe], { env: { ...process.env, GUARDPOST_HOME: ts.db.dir } });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.deepEqual(JSON.parse(result.stdout), { total_num: 0, data_list: [] });
  });
});
