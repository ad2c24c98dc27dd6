import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskSecret, scanConfigForSecrets, scanFileForSecrets, sensitiveInfoId } from '../../../../src/engines/image/analyzers/secrets/index.js';
import { fake } from './fake-secrets.js';

describe('scanConfigForSecrets', () => {
  const config = {
    architecture: 'amd64',
    config: {
      Env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D',
        `DB_PASSWORD=${fake.password()}`,
        'DB_PASSWORD_FILE=/run/secrets/db_password',
        'API_TOKEN=${API_TOKEN}',
        `GITHUB_TOKEN=${fake.github()}`,
      ],
      Labels: { maintainer: 'ops@example.org', 'ci.deploy-hook': fake.slackWebhook() },
    },
    history: [
      { created_by: '/bin/sh -c #(nop) ADD file:5a4ef9b0c5c61a0e2a2d in / ' },
      { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
      { created_by: `|1 NPM_TOKEN=${fake.npm()} /bin/sh -c npm ci` },
      { created_by: 'RUN /bin/sh -c apk add --no-cache curl # buildkit' },
    ],
  };

  it('reports Env, Labels and history secrets with their positions, masked, and nothing for the placeholders', () => {
    const rows = scanConfigForSecrets(config);
    assert.deepEqual(
      rows.map((r) => [r.ruleId, r.position, r.filePath, r.content]),
      [
        ['secret-variable', 'config:Env', '', 'DB_PASSWORD=****'],
        ['github-token', 'config:Env', '', `${fake.github().slice(0, 4)}****${fake.github().slice(-2)}`],
        ['slack-webhook', 'config:Labels', '', `https://hooks.slack.com/${fake.slackWebhook().split('slack.com/')[1]?.slice(0, 4)}****${fake.slackWebhook().slice(-2)}`],
        ['npm-token', 'history:2', '', `${fake.npm().slice(0, 4)}****${fake.npm().slice(-2)}`],
      ],
    );
    const all = JSON.stringify(rows);
    for (const secret of [fake.password(), fake.github(), fake.npm(), fake.slackWebhook()]) assert.ok(!all.includes(secret));
  });

  it('secret-variable ignores names that hold no secret and placeholder values', () => {
    const rows = scanConfigForSecrets({ config: { Env: ['SECRET_KEY_PATH=/etc/app/key', 'TOKEN_URL=https://auth/token', 'PASSWORD=changeme', 'APP_SECRET='] } });
    assert.deepEqual(rows, []);
  });

  it('gives stable ids: the same image scanned twice gives the same ids, a different position a different id', () => {
    const a = scanConfigForSecrets(config).map((r) => r.sensitiveInfoId);
    const b = scanConfigForSecrets(structuredClone(config)).map((r) => r.sensitiveInfoId);
    assert.deepEqual(a, b);
    assert.equal(new Set(a).size, a.length);
    assert.equal(a[1], sensitiveInfoId('github-token', '', 'config:Env', fake.github()));
  });

  it('accepts anything as config without throwing', () => {
    for (const junk of [null, 42, 'x', [], { config: { Env: 'x', Labels: [1] }, history: [null, { created_by: 5 }] }]) assert.deepEqual(scanConfigForSecrets(junk), []);
  });
});

describe('scanFileForSecrets', () => {
  it('skips binary files (a NUL in the first 8 KiB)', () => {
    const text = `token ${fake.github()}\n`;
    assert.equal(scanFileForSecrets('/bin/tool', Buffer.from(text)).length, 1);
    assert.deepEqual(scanFileForSecrets('/bin/tool', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), Buffer.from(text)])), []);
  });

  it('numbers lines from 1 and reports each secret of a file once, with a sensitive-file rule winning over the generic one', () => {
    const text = ['[default]', `aws_secret_access_key = ${fake.awsSecret()}`, `aws_access_key_id = ${fake.awsKeyId()}`, ''].join('\n');
    const rows = scanFileForSecrets('root/.aws/credentials', Buffer.from(text));
    assert.deepEqual(
      rows.map((r) => [r.ruleId, r.position, r.filePath]),
      [
        ['aws-credentials-file', 'line:2', '/root/.aws/credentials'],
        ['aws-access-key-id', 'line:3', '/root/.aws/credentials'],
      ],
    );
  });

  it('bounds findings per file and the part of a long line that is checked', () => {
    const many = Array.from({ length: 80 }, (_, i) => `t${i}=${fake.github(100 + i)}`).join('\n');
    assert.equal(scanFileForSecrets('/app/tokens.txt', Buffer.from(many)).length, 50);
    assert.equal(scanFileForSecrets('/app/tokens.txt', Buffer.from(many), { maxFindings: 3 }).length, 3);
    const longLine = `${'a'.repeat(5000)} ${fake.github()}`;
    assert.deepEqual(scanFileForSecrets('/app/min.js', Buffer.from(longLine)), []);
    assert.equal(scanFileForSecrets('/app/min.js', Buffer.from(longLine), { maxLineLength: 10_000 }).length, 1);
  });

  it('only checks the first maxBytes of a file', () => {
    const text = `${'# filler\n'.repeat(100)}${fake.npm()}\n`;
    assert.equal(scanFileForSecrets('/app/x.sh', Buffer.from(text)).length, 1);
    assert.deepEqual(scanFileForSecrets('/app/x.sh', Buffer.from(text), { maxBytes: 500 }), []);
  });

  it('does not report password assignments in documentation or commented-out sample lines', () => {
    const text = `password = ${fake.password()}\n`;
    assert.deepEqual(scanFileForSecrets('/usr/share/doc/app/examples/app.conf', Buffer.from(text)), []);
    assert.deepEqual(scanFileForSecrets('/etc/app.conf', Buffer.from(`# ${text}`)), []);
    assert.equal(scanFileForSecrets('/etc/app.conf', Buffer.from(text))[0]?.content, 'password = ****');
    assert.deepEqual(scanFileForSecrets('/app/main.py', Buffer.from(text)), []);
  });
});

describe('maskSecret', () => {
  it('keeps 4 leading and 2 trailing characters of long values and masks short ones entirely', () => {
    assert.equal(maskSecret('abcdefghijklmnop'), 'abcd****op');
    assert.equal(maskSecret('short-value'), '****');
    assert.equal(maskSecret('abcdefghijklmnop', 'full'), '****');
  });
});
