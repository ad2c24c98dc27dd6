/**
 * Failed-login limits on POST /v3/auth/tokens: per user and per client address over a sliding window, counted in
 * the store (a replica on the same database sees the same failures), answered 429 APIGW.0308 with Retry-After.
 * GUARDPOST_TRUST_PROXY lets the tests speak from several client addresses through X-Forwarded-For.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { http } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assertHuaweiError, createUserWithRole, domainIdOf, type ExtraUser } from './support.js';

const LIMITS = {
  GUARDPOST_TRUST_PROXY: '1', GUARDPOST_LOGIN_WINDOW_SECONDS: '6',
  GUARDPOST_LOGIN_MAX_FAILURES_PER_USER: '3', GUARDPOST_LOGIN_MAX_FAILURES_PER_ADDRESS: '5', GUARDPOST_LOGIN_THROTTLE_DELAY_MS: '250',
};

let ts: TestServer;
let replica: RunningServer;
let address = 0;
/** A fresh client address per test, so the tests' address budgets do not mix. */
const freshAddress = () => `10.77.0.${++address}`;

before(async () => {
  ts = await startTestServer({ env: LIMITS });
  replica = await startServer(loadConfig({
    GUARDPOST_HOME: ts.db.dir, GUARDPOST_LISTEN: '127.0.0.1:0', ...LIMITS,
    ...(ts.db.databaseUrl ? { GUARDPOST_DATABASE_URL: ts.db.databaseUrl } : {}),
  }));
});

after(async () => {
  await replica?.close();
  await ts?.close();
});

function login(user: { name: string; domain: { name?: string; id?: string } }, password: string, from: string, endpoint = ts.endpoint) {
  return http(endpoint, {
    method: 'POST', path: '/v3/auth/tokens', headers: { 'x-forwarded-for': from },
    body: { auth: { identity: { methods: ['password'], password: { user: { name: user.name, password, domain: user.domain } } } } },
  });
}

async function newUser(name: string): Promise<ExtraUser & { ref: { name: string; domain: { name: string } } }> {
  const user = await createUserWithRole(ts, { name, role: 'admin' });
  return { ...user, ref: { name, domain: { name: user.domainName } } };
}

function assertThrottled(result: Awaited<ReturnType<typeof login>>, label: string): number {
  assertHuaweiError(result, 429, 'APIGW.0308', label);
  const retryAfter = Number(result.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 6, `${label}: Retry-After ${result.headers.get('retry-after')}`);
  return retryAfter;
}

describe('failed logins per user', () => {
  test('3 wrong passwords → the 4th attempt, even with the right password, is 429 until the window has passed', async () => {
    const user = await newUser('limit-user');
    for (let i = 0; i < 3; i++) assertHuaweiError(await login(user.ref, 'wrong', freshAddress()), 401, 'IAM.0101', `failure ${i + 1}`);
    const started = Date.now();
    const retryAfter = assertThrottled(await login(user.ref, user.password, freshAddress()), 'right password while blocked');
    // The refusal is held for GUARDPOST_LOGIN_THROTTLE_DELAY_MS, so a client that waits for answers cannot spin on 429s.
    assert.ok(Date.now() - started >= 250, 'a 429 is answered after the throttle delay');
    // Counted per user across addresses and replicas: the replica refuses too, and blocked attempts are not counted.
    assertThrottled(await login(user.ref, user.password, freshAddress(), replica.endpoint), 'on the replica');
    await sleep(retryAfter * 1000 + 300);
    assert.equal((await login(user.ref, user.password, freshAddress())).status, 201, 'the window passed: the real user gets in');
  });

  test('the domain by id and by name share one budget', async () => {
    const user = await newUser('limit-domain-forms');
    const byId = { name: user.name, domain: { id: await domainIdOf(ts) } };
    assertHuaweiError(await login(byId, 'wrong', freshAddress()), 401, 'IAM.0101');
    assertHuaweiError(await login(user.ref, 'wrong', freshAddress()), 401, 'IAM.0101');
    assertHuaweiError(await login(byId, 'wrong', freshAddress()), 401, 'IAM.0101');
    assertThrottled(await login(user.ref, 'wrong', freshAddress()), 'by name after failures by id');
  });

  test('successful logins are not counted, and a success clears the user\'s earlier typos', async () => {
    const user = await newUser('limit-good-user');
    const from = freshAddress();
    for (let i = 0; i < 6; i++) assert.equal((await login(user.ref, user.password, from)).status, 201, `success ${i + 1}`);
    for (let round = 0; round < 2; round++) {
      assertHuaweiError(await login(user.ref, 'typo', freshAddress()), 401, 'IAM.0101');
      assertHuaweiError(await login(user.ref, 'typo', freshAddress()), 401, 'IAM.0101');
      assert.equal((await login(user.ref, user.password, freshAddress())).status, 201, `round ${round + 1}`);
    }
  });
});

describe('failed logins per client address', () => {
  test('5 failures from one address (any user names) → that address is refused, other addresses are not', async () => {
    const user = await newUser('limit-address-victim');
    const from = freshAddress();
    for (let i = 0; i < 5; i++) {
      assertHuaweiError(await login({ name: `nobody-${i}`, domain: user.ref.domain }, 'guess', from), 401, 'IAM.0101', `guess ${i + 1}`);
    }
    assertThrottled(await login(user.ref, user.password, from), 'a valid user from the flooding address');
    assert.equal((await login(user.ref, user.password, freshAddress())).status, 201, 'the same user from elsewhere');
  });

  test('unknown domains are limited too', async () => {
    const from = freshAddress();
    for (let i = 0; i < 5; i++) assertHuaweiError(await login({ name: 'x', domain: { name: `no-domain-${i}` } }, 'guess', from), 401, 'IAM.0101');
    assertThrottled(await login({ name: 'x', domain: { name: 'no-domain-0' } }, 'guess', from), 'unknown domain');
  });
});

describe('housekeeping', () => {
  test('failures older than the window are purged from the store (the login-failure-purge worker)', async () => {
    const count = async () => Number((await ts.server.ctx.store.db.selectFrom('login_failures')
      .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    assertHuaweiError(await login({ name: 'purge-me', domain: { name: 'purge-domain' } }, 'guess', freshAddress()), 401, 'IAM.0101');
    assert.ok(await count() > 0);
    await ts.server.ctx.loginLimiter.purge(Date.now() - 60_000);
    assert.ok(await count() > 0, 'failures inside the window stay');
    await ts.server.ctx.loginLimiter.purge(Date.now() + 6_000 + 1000);
    assert.equal(await count(), 0, 'everything older than the window is gone');
  });
});

describe('configuration', () => {
  test('GUARDPOST_LOGIN_* are read into config.login, with defaults 10 / 30 per 300 s and a 1 s throttle delay', () => {
    assert.deepEqual(loadConfig({}).login,
      { windowSeconds: 300, maxFailuresPerUser: 10, maxFailuresPerAddress: 30, hashConcurrency: 1, hashQueue: 32, throttleDelayMs: 1000 });
    assert.deepEqual(loadConfig({ ...LIMITS, GUARDPOST_LOGIN_HASH_CONCURRENCY: '2', GUARDPOST_LOGIN_HASH_QUEUE: '8' }).login,
      { windowSeconds: 6, maxFailuresPerUser: 3, maxFailuresPerAddress: 5, hashConcurrency: 2, hashQueue: 8, throttleDelayMs: 250 });
    assert.throws(() => loadConfig({ GUARDPOST_LOGIN_MAX_FAILURES_PER_USER: '0' }), /positive integer/);
    assert.equal(loadConfig({}).region, 'guardpost-local');
    assert.throws(() => loadConfig({ GUARDPOST_REGION: 'Bad Region' }), /GUARDPOST_REGION/);
  });
});
