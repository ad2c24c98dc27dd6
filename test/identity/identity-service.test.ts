import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IdentityService } from '../../src/identity/identity-service.js';
import { newHexId, SecretBox, sha256Hex } from '../../src/identity/secrets.js';
import { openFixture, type StoreFixture } from '../store/fixture.js';

const TTL = 24 * 3600 * 1000;
let fx: StoreFixture;
let box: SecretBox;
let ids: IdentityService;

before(async () => {
  fx = await openFixture();
  box = new SecretBox(SecretBox.generateKey());
  ids = new IdentityService(fx.store.db, box, TTL);
});
after(async () => {
  await fx.close();
});

async function newDomain(): Promise<{ id: string; name: string }> {
  const id = newHexId(16);
  const name = `dom-${id.slice(0, 8)}`;
  await fx.store.db.insertInto('domains').values({ id, name, created_at: Date.now() }).execute();
  return { id, name };
}

/** Every value of every row of a table, as one string, to prove a secret is not in it. */
async function tableText(table: 'tokens' | 'access_keys' | 'users'): Promise<string> {
  const rows = await fx.store.db.selectFrom(table).selectAll().execute();
  return JSON.stringify(rows);
}

describe('users and passwords', () => {
  test('checkPassword by domain name or id; wrong password, unknown user or domain and disabled users fail', async () => {
    const domain = await newDomain();
    const userId = await ids.createUser(domain.id, 'alice', 'Secr3t-pass');
    assert.ok(!(await tableText('users')).includes('Secr3t-pass'), 'only the hash is stored');

    const byName = await ids.checkPassword({ name: domain.name }, 'alice', 'Secr3t-pass');
    assert.equal(byName?.user.id, userId);
    assert.equal(byName?.domain.id, domain.id);
    assert.equal((await ids.checkPassword({ id: domain.id }, 'alice', 'Secr3t-pass'))?.user.id, userId);
    assert.equal(await ids.checkPassword({ name: domain.name }, 'alice', 'secr3t-pass'), null);
    assert.equal(await ids.checkPassword({ name: domain.name }, 'bob', 'Secr3t-pass'), null);
    assert.equal(await ids.checkPassword({ name: 'no-such-domain' }, 'alice', 'Secr3t-pass'), null);
    assert.equal(await ids.checkPassword({}, 'alice', 'Secr3t-pass'), null);
    const other = await newDomain();
    assert.equal(await ids.checkPassword({ name: other.name }, 'alice', 'Secr3t-pass'), null, 'users belong to one domain');

    await fx.store.db.updateTable('users').set({ disabled: 1 }).where('id', '=', userId).execute();
    assert.equal(await ids.checkPassword({ name: domain.name }, 'alice', 'Secr3t-pass'), null);
    assert.equal(await ids.principal(userId, 'token', null), null);
  });

  test('principal carries the role grants; grantRole replaces a grant; projectsVisibleTo follows them', async () => {
    const domain = await newDomain();
    const userId = await ids.createUser(domain.id, 'carol', 'pw-carol-123');
    const p1 = await ids.createProject(domain.id, 'zeta');
    const p2 = await ids.createProject(domain.id, 'alpha');
    await ids.createProject(domain.id, 'hidden');
    await ids.grantRole(userId, p1, 'readonly');
    await ids.grantRole(userId, p1, 'admin', ['ep-1', 'ep-2']);
    await ids.grantRole(userId, p2, 'readonly');

    const principal = await ids.principal(userId, 'aksk', null);
    assert.ok(principal);
    assert.equal(principal.domainName, domain.name);
    assert.equal(principal.method, 'aksk');
    assert.deepEqual(principal.grants.get(p1), { role: 'admin', enterpriseProjectIds: ['ep-1', 'ep-2'] });
    assert.deepEqual(principal.grants.get(p2), { role: 'readonly', enterpriseProjectIds: null });
    assert.equal(principal.grants.size, 2);
    assert.deepEqual((await ids.projectsVisibleTo(principal)).map((p) => p.name), ['alpha', 'zeta']);
    assert.deepEqual((await ids.projectsVisibleTo(principal, 'zeta')).map((p) => p.id), [p1]);
    assert.deepEqual(await ids.projectsVisibleTo(principal, 'hidden'), []);
    assert.equal(await ids.principal('0'.repeat(32), 'token', null), null);
  });
});

describe('tokens', () => {
  test('stored only as a SHA-256 hash: the raw token appears nowhere in the tokens table', async () => {
    const domain = await newDomain();
    const userId = await ids.createUser(domain.id, 'dave', 'pw-dave-1234');
    const projectId = await ids.createProject(domain.id, 'p');
    const now = Date.now();
    const issued = await ids.issueToken(userId, { projectId }, ['password'], now);
    assert.ok(issued.token.length >= 32);
    assert.equal(issued.expiresAt, now + TTL);
    assert.equal(issued.projectId, projectId);
    assert.equal(issued.domainScoped, false);

    const text = await tableText('tokens');
    assert.ok(!text.includes(issued.token), 'raw token not stored');
    assert.ok(!text.includes(issued.token.slice(2, 26)), 'no recognisable part of it either');
    const row = await fx.store.db.selectFrom('tokens').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
    assert.equal(row.token_hash, sha256Hex(issued.token));
    assert.deepEqual(JSON.parse(row.methods), ['password']);
  });

  test('lookup: valid until expires_at, then \'expired\'; unknown and malformed tokens give null', async () => {
    const domain = await newDomain();
    const userId = await ids.createUser(domain.id, 'erin', 'pw-erin-1234');
    const now = Date.now();
    const issued = await ids.issueToken(userId, { domain: true }, ['password'], now);
    assert.equal(issued.projectId, null);
    assert.equal(issued.domainScoped, true);

    const found = await ids.lookupToken(issued.token, now + TTL - 1);
    assert.ok(found && found !== 'expired');
    assert.equal(found.userId, userId);
    assert.equal(found.domainScoped, true);
    assert.equal(found.projectId, null);
    assert.equal(found.expiresAt, now + TTL);
    assert.equal(await ids.lookupToken(issued.token, now + TTL), 'expired');
    assert.equal(await ids.lookupToken(`${issued.token}x`, now), null);
    assert.equal(await ids.lookupToken(issued.token.slice(0, -1), now), null);
    assert.equal(await ids.lookupToken('short', now), null);
    assert.equal(await ids.lookupToken('', now), null);
  });

  test('purgeExpiredTokens removes only expired tokens', async () => {
    const domain = await newDomain();
    const userId = await ids.createUser(domain.id, 'frank', 'pw-frank-1234');
    const shortLived = new IdentityService(fx.store.db, box, 1000);
    const now = Date.now();
    const old = await shortLived.issueToken(userId, { domain: true }, ['password'], now - 5000);
    const fresh = await shortLived.issueToken(userId, { domain: true }, ['password'], now);
    await ids.purgeExpiredTokens(now);
    assert.equal(await ids.lookupToken(old.token, now), null, 'purged: no longer even "expired"');
    assert.notEqual(await ids.lookupToken(fresh.token, now), null);
  });
});

describe('access keys', () => {
  test('the SK is sealed, never stored in plaintext, and recovered by AK lookup', async () => {
    const domain = await newDomain();
    const userId = await ids.createUser(domain.id, 'gina', 'pw-gina-1234');
    const { ak, sk } = await ids.createAccessKey(userId, 'ci key');
    assert.match(ak, /^[A-Z0-9]{20}$/);
    assert.ok(sk.length >= 30);

    const text = await tableText('access_keys');
    assert.ok(!text.includes(sk), 'SK not in plaintext');
    const row = await fx.store.db.selectFrom('access_keys').selectAll().where('ak', '=', ak).executeTakeFirstOrThrow();
    assert.match(row.sk_sealed, /^v1\./);
    assert.equal(box.open(row.sk_sealed), sk);
    assert.equal(row.description, 'ci key');
    assert.equal(row.status, 'active');

    assert.deepEqual(await ids.secretKeyFor(ak), { userId, secretKey: sk });
    assert.equal(await ids.secretKeyFor('AAAAAAAAAAAAAAAAAAAA'), null);
    assert.equal(await ids.secretKeyFor(''), null);
    assert.equal(await ids.secretKeyFor(`${ak}' OR '1'='1`), null);
    assert.equal(await ids.secretKeyFor('A'.repeat(65)), null);

    const second = await ids.createAccessKey(userId);
    assert.notEqual(second.ak, ak);
    assert.notEqual(second.sk, sk);

    await fx.store.db.updateTable('access_keys').set({ status: 'inactive' }).where('ak', '=', ak).execute();
    assert.equal(await ids.secretKeyFor(ak), null, 'an inactive key does not authenticate');
    assert.deepEqual(await ids.secretKeyFor(second.ak), { userId, secretKey: second.sk });
  });

  test('an SK sealed under another master key cannot be recovered', async () => {
    const domain = await newDomain();
    const userId = await ids.createUser(domain.id, 'hank', 'pw-hank-1234');
    const { ak } = await ids.createAccessKey(userId);
    const otherKey = new IdentityService(fx.store.db, new SecretBox(SecretBox.generateKey()), TTL);
    await assert.rejects(otherKey.secretKeyFor(ak));
  });
});
