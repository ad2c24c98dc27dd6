import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashPassword, newHexId, newSecret, safeEqual, SecretBox, sha256Hex, verifyPassword } from '../../src/identity/secrets.js';

describe('passwords', () => {
  test('scrypt hash verifies the right password only, and is salted', () => {
    const hash = hashPassword('correct horse battery staple');
    assert.match(hash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.ok(!hash.includes('correct horse'));
    assert.equal(verifyPassword('correct horse battery staple', hash), true);
    assert.equal(verifyPassword('correct horse battery stapl', hash), false);
    assert.equal(verifyPassword('', hash), false);
    assert.notEqual(hashPassword('correct horse battery staple'), hash, 'a fresh salt every time');
  });

  test('non-ASCII passwords round-trip', () => {
    const hash = hashPassword('pässwörd-密码');
    assert.equal(verifyPassword('pässwörd-密码', hash), true);
    assert.equal(verifyPassword('passwort-密码', hash), false);
  });

  test('a stored value that is not an scrypt hash never verifies', () => {
    assert.equal(verifyPassword('secret', 'secret'), false);
    assert.equal(verifyPassword('secret', ''), false);
    assert.equal(verifyPassword('secret', 'bcrypt$1$2$3$4$5'), false);
    assert.equal(verifyPassword('secret', 'scrypt$16384$8$1$c2FsdA=='), false);
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
