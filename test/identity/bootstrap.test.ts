import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { bootstrap, checkMasterKey, loadMasterKey, type Credentials } from '../../src/identity/bootstrap.js';
import { IdentityService } from '../../src/identity/identity-service.js';
import { SecretBox } from '../../src/identity/secrets.js';
import type { Store } from '../../src/store/database.js';
import { tempDir } from '../helpers/db.js';
import { openFixture, type StoreFixture } from '../store/fixture.js';

const ENDPOINT = 'http://127.0.0.1:18080';

/** Each test bootstraps its own database: the bootstrap marker is global to a database. */
async function withFixture(fn: (fx: StoreFixture) => Promise<void>): Promise<void> {
  const fx = await openFixture();
  try {
    await fn(fx);
  } finally {
    await fx.close();
  }
}

async function counts(store: Store) {
  const n = async (table: 'domains' | 'users' | 'projects' | 'access_keys' | 'role_assignments' | 'settings') => {
    const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  };
  return {
    domains: await n('domains'), users: await n('users'), projects: await n('projects'),
    accessKeys: await n('access_keys'), roles: await n('role_assignments'), settings: await n('settings'),
  };
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('bootstrap', () => {
  test('first start creates a domain, admin, project and AK/SK, written to credentials.json (0600); the pieces work', async () => {
    await withFixture(async (fx) => {
      const box = new SecretBox(SecretBox.generateKey());
      const home = path.join(fx.fresh.dir, 'home');
      const before = await counts(fx.store);
      const creds = await bootstrap(fx.store, box, { home, endpoint: ENDPOINT, adminPassword: 'Admin-pass-1' });
      assert.ok(creds);
      assert.equal(creds.user_name, 'admin');
      assert.equal(creds.password, 'Admin-pass-1');
      assert.equal(creds.domain_name, 'guardpost');
      assert.equal(creds.project_name, 'local-1');
      assert.equal(creds.endpoint, ENDPOINT);

      const file = path.join(home, 'credentials.json');
      assert.equal(mode(file), 0o600);
      assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), creds);
      assert.deepEqual(fs.readdirSync(home).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left behind');

      const after = await counts(fx.store);
      assert.equal(after.domains - before.domains, 1);
      assert.equal(after.users - before.users, 1);
      assert.equal(after.projects - before.projects, 1);
      assert.equal(after.accessKeys - before.accessKeys, 1);
      assert.equal(after.roles - before.roles, 1);

      const ids = new IdentityService(fx.store.db, box, 3600_000);
      const login = await ids.checkPassword({ name: 'guardpost' }, 'admin', 'Admin-pass-1');
      assert.ok(login);
      assert.deepEqual(await ids.secretKeyFor(creds.ak), { userId: login.user.id, secretKey: creds.sk });
      const principal = await ids.principal(login.user.id, 'token', creds.project_id);
      assert.deepEqual(principal?.grants.get(creds.project_id), { role: 'admin', enterpriseProjectIds: null });
      const stored = JSON.stringify(await fx.store.db.selectFrom('access_keys').selectAll().execute());
      assert.ok(!stored.includes(creds.sk), 'the SK is sealed in the database');
    });
  });

  test('a generated admin password when none is given', async () => {
    await withFixture(async (fx) => {
      const creds = await bootstrap(fx.store, new SecretBox(SecretBox.generateKey()), { home: path.join(fx.fresh.dir, 'h'), endpoint: ENDPOINT });
      assert.ok(creds);
      assert.ok(creds.password.length >= 20);
    });
  });

  test('later starts create nothing and return the same credentials; a new endpoint is recorded', async () => {
    await withFixture(async (fx) => {
      const box = new SecretBox(SecretBox.generateKey());
      const home = path.join(fx.fresh.dir, 'home');
      const first = await bootstrap(fx.store, box, { home, endpoint: ENDPOINT });
      assert.ok(first);
      const before = await counts(fx.store);

      const second = await bootstrap(fx.store, box, { home, endpoint: ENDPOINT, adminPassword: 'ignored-now-1' });
      assert.deepEqual(second, first);
      assert.deepEqual(await counts(fx.store), before);

      const moved = await bootstrap(fx.store, box, { home, endpoint: 'http://10.0.0.9:8443' });
      assert.deepEqual(moved, { ...first, endpoint: 'http://10.0.0.9:8443' });
      const file = path.join(home, 'credentials.json');
      assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials).endpoint, 'http://10.0.0.9:8443');
      assert.equal(mode(file), 0o600);
      assert.deepEqual(await counts(fx.store), before);

      // Another replica (no credentials file in its home) gets nothing and creates nothing.
      assert.equal(await bootstrap(fx.store, box, { home: path.join(fx.fresh.dir, 'other-home'), endpoint: ENDPOINT }), null);
      assert.deepEqual(await counts(fx.store), before);
    });
  });

  test('two replicas bootstrapping the same database at once: one set of credentials', async () => {
    await withFixture(async (fx) => {
      const box = new SecretBox(SecretBox.generateKey());
      // PostgreSQL: a second pool, as a second server would have. SQLite is single-server: one connection.
      const other = fx.store.dialect === 'postgres' ? fx.openReplica() : fx.store;
      const before = await counts(fx.store);
      const homes = [path.join(fx.fresh.dir, 'a'), path.join(fx.fresh.dir, 'b'), path.join(fx.fresh.dir, 'c')];
      const results = await Promise.all([
        bootstrap(fx.store, box, { home: homes[0]!, endpoint: ENDPOINT }),
        bootstrap(other, box, { home: homes[1]!, endpoint: ENDPOINT }),
        bootstrap(other, box, { home: homes[2]!, endpoint: ENDPOINT }),
      ]);
      const winners = results.filter((r): r is Credentials => r !== null);
      assert.equal(winners.length, 1);
      assert.equal(homes.filter((h) => fs.existsSync(path.join(h, 'credentials.json'))).length, 1);
      const after = await counts(fx.store);
      assert.equal(after.domains - before.domains, 1);
      assert.equal(after.users - before.users, 1);
      assert.equal(after.projects - before.projects, 1);
      assert.equal(after.accessKeys - before.accessKeys, 1);
      const ids = new IdentityService(fx.store.db, box, 3600_000);
      assert.equal((await ids.secretKeyFor(winners[0]!.ak))?.secretKey, winners[0]!.sk);
    });
  });
});

describe('master key', () => {
  test('checkMasterKey remembers the first key and refuses a different one', async () => {
    await withFixture(async (fx) => {
      const key = SecretBox.generateKey();
      await checkMasterKey(fx.store, new SecretBox(key));
      await checkMasterKey(fx.store, new SecretBox(key));
      await assert.rejects(checkMasterKey(fx.store, new SecretBox(SecretBox.generateKey())), /master key does not match/);
    });
  });

  test('two replicas starting at once with different keys: only one is accepted', async () => {
    await withFixture(async (fx) => {
      const other = fx.store.dialect === 'postgres' ? fx.openReplica() : fx.store;
      const results = await Promise.allSettled([
        checkMasterKey(fx.store, new SecretBox(SecretBox.generateKey())),
        checkMasterKey(other, new SecretBox(SecretBox.generateKey())),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.match(String(refused?.reason), /master key does not match/);
    });
  });

  test('loadMasterKey creates $home/master.key (0600) once and reuses it; the environment wins', () => {
    const home = tempDir();
    try {
      const first = loadMasterKey(home, undefined);
      const file = path.join(home, 'master.key');
      assert.equal(mode(file), 0o600);
      const again = loadMasterKey(home, undefined);
      assert.equal(again.open(first.seal('x')), 'x', 'the same key on the next start');
      const fromEnv = SecretBox.generateKey();
      const envBox = loadMasterKey(home, fromEnv);
      assert.equal(new SecretBox(fromEnv).open(envBox.seal('y')), 'y');
      assert.throws(() => first.open(envBox.seal('y')));
      assert.throws(() => loadMasterKey(home, 'too-short'), /32 bytes/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
