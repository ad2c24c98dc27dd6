import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECRET_RULES, scanFileForSecrets } from '../../../../src/engines/image/analyzers/secrets/index.js';
import { ALNUM, chars, fake, fakePrivateKey } from './fake-secrets.js';

interface RuleCase {
  rule: string;
  /** A file that must produce a row of the rule whose masked content never holds `secret`. */
  positive: { path: string; text: string; secret: string; line: number };
  /** A look-alike that must not produce a row of the rule. */
  negative: { path: string; text: string };
}

const key = fakePrivateKey();
const keyBody = key.split('\n').slice(1, -2).join('\n');
const gcpKey = (email: string) =>
  JSON.stringify({ type: 'service_account', project_id: 'demo', private_key: fakePrivateKey('', 6, 21), client_email: email }, null, 2);

const CASES: RuleCase[] = [
  {
    rule: 'ssh-identity-file',
    positive: { path: '/root/.ssh/id_rsa', text: key, secret: keyBody, line: 1 },
    negative: { path: '/root/.ssh/id_rsa.pub', text: `ssh-rsa ${chars(ALNUM, 200)} root@host\n` },
  },
  {
    rule: 'pem-key-file',
    positive: { path: '/etc/ssl/private/server.key', text: `\n${fakePrivateKey('EC ', 3, 30)}`, secret: '', line: 2 },
    negative: { path: '/etc/ssl/certs/server.pem', text: `-----BEGIN CERTIFICATE-----\n${chars(ALNUM, 64)}\n-----END CERTIFICATE-----\n` },
  },
  {
    rule: 'dotenv-file',
    positive: { path: '/app/.env', text: '# settings\nDATABASE_URL_NAME=orders_db\n', secret: 'orders_db', line: 2 },
    negative: { path: '/app/.env.example', text: 'DATABASE_URL_NAME=orders_db\n' },
  },
  {
    rule: 'aws-credentials-file',
    positive: { path: '/root/.aws/credentials', text: `[default]\naws_access_key_id = x\naws_secret_access_key = ${fake.awsSecret()}\n`, secret: fake.awsSecret(), line: 3 },
    negative: { path: '/root/.aws/credentials', text: '[default]\naws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}\n' },
  },
  {
    rule: 'docker-config-auth',
    positive: {
      path: '/root/.docker/config.json',
      text: JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from(`ci:${fake.password()}`).toString('base64') } } }, null, 2),
      secret: Buffer.from(`ci:${fake.password()}`).toString('base64'),
      line: 4,
    },
    negative: { path: '/root/.docker/config.json', text: JSON.stringify({ auths: {}, credsStore: 'desktop' }) },
  },
  {
    rule: 'git-credentials-file',
    positive: { path: '/home/app/.git-credentials', text: `https://ci:${fake.github()}@github.com\n`, secret: fake.github(), line: 1 },
    negative: { path: '/home/app/.git-credentials', text: 'https://github.com\n' },
  },
  {
    rule: 'pgpass-file',
    positive: { path: '/root/.pgpass', text: `# host:port:db:user:password\ndb:5432:*:app:${fake.password()}\n`, secret: fake.password(), line: 2 },
    negative: { path: '/root/.pgpass', text: '# hostname:port:database:username:password\n' },
  },
  {
    rule: 'netrc-file',
    positive: { path: '/root/.netrc', text: `machine example.org login ci password ${fake.password()}\n`, secret: fake.password(), line: 1 },
    negative: { path: '/root/.netrc', text: 'machine example.org login anonymous\n' },
  },
  {
    rule: 'password-assignment',
    positive: { path: '/etc/app/app.ini', text: `[db]\nhost = db\npassword = ${fake.password()}\n`, secret: fake.password(), line: 3 },
    negative: { path: '/etc/app/app.ini', text: '[db]\npassword = changeme\nsecret = ${DB_SECRET}\npasswd=<password>\npassword: xxxx\n' },
  },
  {
    rule: 'private-key',
    positive: { path: '/opt/app/keys.txt', text: `deploy key:\n${fakePrivateKey('OPENSSH ', 5, 40)}`, secret: '', line: 2 },
    negative: { path: '/opt/app/README', text: '-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n' },
  },
  {
    rule: 'aws-access-key-id',
    positive: { path: '/app/settings.py', text: `AWS_KEY = "${fake.awsKeyId()}"\n`, secret: fake.awsKeyId(), line: 1 },
    negative: { path: '/app/settings.py', text: `AWS_KEY = "${['AK', 'IA'].join('')}IOSFODNN7EXAMPLE"\n` },
  },
  {
    rule: 'aws-secret-access-key',
    positive: { path: '/app/settings.py', text: `aws_secret_access_key="${fake.awsSecret()}"\n`, secret: fake.awsSecret(), line: 1 },
    negative: { path: '/app/settings.py', text: `aws_secret_access_key="${'A'.repeat(40)}"\n` },
  },
  {
    rule: 'huawei-access-key',
    positive: { path: '/app/config.sh', text: `export HUAWEICLOUD_SDK_AK=${fake.huaweiAk()}\n`, secret: fake.huaweiAk(), line: 1 },
    negative: { path: '/app/config.sh', text: `export AWS_ACCESS_KEY_ID=${fake.awsKeyId()}\nbuild_id=ABCDEFGHIJKLMNOPQRST\n` },
  },
  {
    rule: 'huawei-secret-key',
    positive: { path: '/app/config.sh', text: `export HUAWEICLOUD_SDK_SK=${fake.huaweiSk()}\n`, secret: fake.huaweiSk(), line: 1 },
    negative: { path: '/app/config.sh', text: `export AWS_SECRET_ACCESS_KEY=${fake.huaweiSk()}\nsk=${'a'.repeat(40)}\n` },
  },
  {
    rule: 'azure-storage-key',
    positive: {
      path: '/app/appsettings.conf',
      text: `conn=DefaultEndpointsProtocol=https;AccountName=demo;AccountKey=${fake.azureKey()};EndpointSuffix=core.windows.net\n`,
      secret: fake.azureKey(),
      line: 1,
    },
    negative: { path: '/app/appsettings.conf', text: 'conn=DefaultEndpointsProtocol=https;AccountName=demo;AccountKey=<key>;\n' },
  },
  {
    rule: 'gcp-service-account-key',
    positive: { path: '/srv/sa.json', text: gcpKey('ci@demo.iam.gserviceaccount.com'), secret: '', line: 4 },
    negative: { path: '/srv/sa.json', text: gcpKey('someone@example.com') },
  },
  {
    rule: 'url-password',
    positive: { path: '/app/run.sh', text: `psql postgres://app:${fake.password()}@db:5432/app\n`, secret: fake.password(), line: 1 },
    negative: { path: '/app/run.sh', text: 'psql postgres://app:${DB_PASSWORD}@db/app\necho https://user:password@host\nhttp://example.org:8080/x\n' },
  },
  {
    rule: 'github-token',
    positive: { path: '/app/ci.sh', text: `TOKEN=${fake.github()}\n`, secret: fake.github(), line: 1 },
    negative: { path: '/app/ci.sh', text: `TOKEN=${['gh', 'p_'].join('')}${'x'.repeat(36)}\n` },
  },
  {
    rule: 'github-fine-grained-pat',
    positive: { path: '/app/ci.sh', text: `pat ${fake.githubPat()}\n`, secret: fake.githubPat(), line: 1 },
    negative: { path: '/app/ci.sh', text: `pat ${['github', '_pat_'].join('')}short\n` },
  },
  {
    rule: 'gitlab-token',
    positive: { path: '/app/ci.sh', text: `--token ${fake.gitlab()}\n`, secret: fake.gitlab(), line: 1 },
    negative: { path: '/app/ci.sh', text: `--token ${['gl', 'pat-'].join('')}${'0'.repeat(20)}\n` },
  },
  {
    rule: 'slack-token',
    positive: { path: '/app/bot.js', text: `const t = '${fake.slack()}';\n`, secret: fake.slack(), line: 1 },
    negative: { path: '/app/bot.js', text: `const t = '${['xo', 'xb-'].join('')}your-bot-token';\n` },
  },
  {
    rule: 'slack-webhook',
    positive: { path: '/app/notify.sh', text: `curl -X POST ${fake.slackWebhook()}\n`, secret: fake.slackWebhook().split('slack.com/')[1] ?? '', line: 1 },
    negative: { path: '/app/notify.sh', text: 'see https://hooks.slack.com/services/ for setup\n' },
  },
  {
    rule: 'npm-token',
    positive: { path: '/app/publish.sh', text: `NPM=${fake.npm()}\n`, secret: fake.npm(), line: 1 },
    negative: { path: '/app/publish.sh', text: 'npm_config_cache=/tmp/npm_cache_dir_for_the_build_step_x\n' },
  },
  {
    rule: 'npmrc-auth',
    positive: { path: '/root/.npmrc', text: `//registry.npmjs.org/:_authToken=${chars(ALNUM, 32, 50)}\n`, secret: chars(ALNUM, 32, 50), line: 1 },
    negative: { path: '/root/.npmrc', text: '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n' },
  },
  {
    rule: 'pypi-token',
    positive: { path: '/root/.pypirc', text: `[pypi]\nusername = __token__\npassword = ${fake.pypi()}\n`, secret: fake.pypi(), line: 3 },
    negative: { path: '/root/.pypirc', text: `[pypi]\npassword = pypi-${'A'.repeat(60)}\n` },
  },
  {
    rule: 'jwt',
    positive: { path: '/app/config.js', text: `headers: { Authorization: 'Bearer ${fake.jwt()}' }\n`, secret: fake.jwt(), line: 1 },
    negative: { path: '/app/config.js', text: `const blob = 'eyJ${chars(ALNUM, 30)}.eyJ${chars(ALNUM, 20)}.${chars(ALNUM, 30)}';\n` },
  },
];

const rowsOf = (path: string, text: string) => scanFileForSecrets(path, Buffer.from(text));

describe('secret rules: one true positive and one false positive per rule', () => {
  it('covers every file-applicable rule of the rule set', () => {
    const fileRules = SECRET_RULES.filter((r) => r.target !== 'config').map((r) => r.id);
    assert.deepEqual(new Set(CASES.map((c) => c.rule)), new Set(fileRules));
  });

  for (const c of CASES) {
    it(`${c.rule}: finds the fake secret, masked, on line ${c.positive.line}`, () => {
      const rows = rowsOf(c.positive.path, c.positive.text);
      const row = rows.find((r) => r.ruleId === c.rule);
      assert.ok(row, `no ${c.rule} row in ${JSON.stringify(rows.map((r) => r.ruleId))}`);
      assert.equal(row.position, `line:${c.positive.line}`);
      assert.equal(row.filePath, c.positive.path);
      assert.match(row.content, /\*\*\*\*/);
      if (c.positive.secret) assert.ok(!row.content.includes(c.positive.secret), `content ${row.content} holds the secret`);
      assert.ok(!row.content.includes(keyBody.slice(0, 20)));
      assert.match(row.sensitiveInfoId, /^[0-9a-f]{32}$/);
    });
    it(`${c.rule}: ignores the look-alike`, () => {
      const rows = rowsOf(c.negative.path, c.negative.text);
      assert.deepEqual(
        rows.filter((r) => r.ruleId === c.rule),
        [],
      );
    });
  }
});
