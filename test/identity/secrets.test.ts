import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HashQueueFullError, PasswordHasher } from '../../src/identity/password-hasher.js';
import { hashPassword, newHexId, newSecret, safeEqual, SecretBox, sha256Hex, verifyPassword } from '../../src/identity/secrets.js';

describe('passwords', () => {
  test('scrypt hash verifies the right password only, and is salted', async () => {
    const hash = await hashPassword('correct horse battery staple');
    assert.match(hash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.ok(!hash.includes('correct horse'));
    assert.equal(await verifyPassword('correct horse battery staple', hash), true);
    assert.equal(await verifyPassword('correct horse battery stapl', hash), false);
    assert.equal(await verifyPassword('', hash), false);
    assert.notEqual(await hashPassword('correct horse battery staple'), hash, 'a fresh salt every time');
  });

  test('non-ASCII passwords round-trip', async () => {
    const hash = await hashPassword('pässwörd-密码');
    assert.equal(await verifyPassword('pässwörd-密码', hash), true);
    assert.equal(await verifyPassword('passwort-密码', hash), false);
  });

  test('a stored value that is not an scrypt hash never verifies', async () => {
    assert.equal(await verifyPassword('secret', 'secret'), false);
    assert.equal(await verifyPassword('secret', ''), false);
    assert.equal(await verifyPassword('secret', 'bcrypt$1$2$3$4$5'), false);
    assert.equal(await verifyPassword('secret', 'scrypt$16384$8$1$c2FsdA=='), false);
    assert.equal(await verifyPassword('secret', 'scrypt$16384$8$1$c2FsdA==$'), false, 'empty key');
  });

  test('hashing runs off the event loop: the loop turns while a hash is computed', async () => {
    const order: string[] = [];
    const hashing = hashPassword('x').then(() => order.push('hashed'));
    setImmediate(() => order.push('loop turned'));
    await hashing;
    // With scryptSync the hash would finish inside the call, before the loop could turn once.
    assert.deepEqual(order, ['loop turned', 'hashed']);
  });
});

describe('PasswordHasher', () => {
  test('bounded: one hash at a time, two waiting, further calls refused at once; the queued ones still finish', async () => {
    const hasher = new PasswordHasher(1, 2);
    const stored = await hashPassword('pw');
    const accepted = [hasher.verify('pw', stored), hasher.verify('nope', stored), hasher.verify('pw', stored)];
    await assert.rejects(hasher.verify('pw', stored), HashQueueFullError);
    assert.deepEqual(await Promise.all(accepted), [true, false, true]);
    // The slots are released: the hasher is usable again.
    assert.equal(await hasher.verify('pw', stored), true);
    assert.match(await hasher.hash('pw'), /^scrypt\$/);
  });

  test('a failing hash releases its slot', async () => {
    const hasher = new PasswordHasher(1, 0);
    // N not a power of two: crypto.scrypt rejects it.
    await assert.rejects(hasher.verify('pw', 'scrypt$1000$8$1$c2FsdA==$a2V5'));
    assert.equal(await hasher.verify('pw', await hashPassword('pw')), true);
  });
});

describe('SecretBox', () => {
  const box = new SecretBox(SecretBox.generateKey());

  test('seal/open round trip; every seal is different; the plaintext does not show', () => {
    for (const plain of ['sk-0123456789', '', 'ünïcødé 秘密', 'x'.repeat(10_000)]) {
      const sealed = box.seal(plain);
      assert.equal(box.open(sealed), plain);
      if (plain.length > 3) assert.ok(!sealed.includes(plain));
    }
    assert.notEqual(box.seal('same'), box.seal('same'));
  });

  test('any tampering is detected', () => {
    const sealed = box.seal('the secret key');
    const [version, iv, tag, body] = sealed.split('.') as [string, string, string, string];
    const flip = (b64: string, index = 0) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[index] = bytes[index]! ^ 0x01;
      return bytes.toString('base64');
    };
    assert.throws(() => box.open([version, iv, tag, flip(body)].join('.')));
    assert.throws(() => box.open([version, iv, tag, flip(body, 5)].join('.')));
    assert.throws(() => box.open([version, flip(iv), tag, body].join('.')));
    assert.throws(() => box.open([version, iv, flip(tag), body].join('.')));
    assert.throws(() => box.open([version, iv, tag, Buffer.from(body, 'base64').subarray(1).toString('base64')].join('.')));
    assert.throws(() => box.open(['v2', iv, tag, body].join('.')), /unrecognised/);
    assert.throws(() => box.open('not sealed at all'), /unrecognised/);
    assert.throws(() => box.open([version, iv, '', body].join('.')));
  });

  test('a truncated authentication tag is refused (GCM would otherwise accept 4-byte tags)', () => {
    const sealed = box.seal('the secret key');
    const [version, iv, tag, body] = sealed.split('.') as [string, string, string, string];
    for (const length of [4, 8, 12, 15]) {
      const short = Buffer.from(tag, 'base64').subarray(0, length).toString('base64');
      assert.throws(() => box.open([version, iv, short, body].join('.')), `a ${length}-byte tag`);
    }
  });

  test('another key cannot open it', () => {
    const sealed = box.seal('the secret key');
    assert.throws(() => new SecretBox(SecretBox.generateKey()).open(sealed));
  });

  test('the master key must be 32 bytes of base64', () => {
    assert.throws(() => new SecretBox(''), /32 bytes/);
    assert.throws(() => new SecretBox(Buffer.alloc(16).toString('base64')), /32 bytes/);
    assert.throws(() => new SecretBox(Buffer.alloc(33).toString('base64')), /32 bytes/);
    assert.equal(Buffer.from(SecretBox.generateKey(), 'base64').length, 32);
  });
});

describe('ids and comparisons', () => {
  test('safeEqual', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abd'), false);
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('', ''), true);
    assert.equal(safeEqual('', 'a'), false);
  });

  test('random ids and secrets have the promised shapes', () => {
    assert.match(newHexId(), /^[0-9a-f]{32}$/);
    assert.match(newHexId(4), /^[0-9a-f]{8}$/);
    assert.match(newSecret(24), /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(newSecret(), newSecret());
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
