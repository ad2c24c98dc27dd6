import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeBuildHistory, BUILD_RISK_RULES } from '../../../../src/engines/image/analyzers/build-risks/index.js';
import { fake } from './fake-secrets.js';

/** A config whose image-wide facts are clean (non-root user, healthcheck), so only `history` / overrides can trip a rule. */
export function configWith(history: string[], runtime: Record<string, unknown> = {}): unknown {
  return {
    architecture: 'amd64',
    config: { User: 'app', Healthcheck: { Test: ['CMD', '/app/healthcheck'] }, Env: ['PATH=/usr/bin:/bin'], ...runtime },
    history: history.map((created_by) => ({ created_by })),
  };
}

const BASE = ['/bin/sh -c #(nop) ADD file:2a949686d9886ac7c10582a6c29116fd29d3077d02755e87e111870d63607725 in / ', '/bin/sh -c #(nop)  CMD ["bash"]'];
const run = (cmd: string) => `RUN /bin/sh -c ${cmd} # buildkit`;

interface RuleCase {
  rule: string;
  positive: { history: string[]; runtime?: Record<string, unknown>; index: number | null };
  negative: { history: string[]; runtime?: Record<string, unknown> };
}

const CASES: RuleCase[] = [
  { rule: 'GP-BUILD-001', positive: { history: [run('curl -fsSL https://get.example.sh | sh')], index: 0 }, negative: { history: [run('curl -fsSLo /tmp/i.sh https://get.example.sh && sha256sum -c i.sha256')] } },
  { rule: 'GP-BUILD-002', positive: { history: ['ADD https://example.org/tool.tgz /opt/ # buildkit'], index: 0 }, negative: { history: ['ADD --checksum=sha256:ab12 https://example.org/tool.tgz /opt/ # buildkit'] } },
  { rule: 'GP-BUILD-003', positive: { history: BASE, runtime: { User: '' }, index: null }, negative: { history: BASE, runtime: { User: '10001:10001' } } },
  { rule: 'GP-BUILD-004', positive: { history: [run('chmod -R 777 /app')], index: 0 }, negative: { history: [run('chmod 1777 /tmp && chmod 755 /app')] } },
  { rule: 'GP-BUILD-005', positive: { history: [`ENV DB_PASSWORD=${fake.password()}`], index: 0 }, negative: { history: ['ENV DB_PASSWORD_FILE=/run/secrets/db GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D API_TOKEN='] } },
  { rule: 'GP-BUILD-006', positive: { history: [`|1 NPM_TOKEN=${fake.npm()} /bin/sh -c npm ci`], index: 0 }, negative: { history: ['|1 NODE_ENV=production /bin/sh -c npm ci'] } },
  { rule: 'GP-BUILD-007', positive: { history: [run('apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*')], index: 0 }, negative: { history: [run('apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*')] } },
  { rule: 'GP-BUILD-008', positive: { history: ['/bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean'], index: 0 }, negative: { history: ['/bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*'] } },
  { rule: 'GP-BUILD-009', positive: { history: [run('apk add curl')], index: 0 }, negative: { history: [run('apk add --no-cache curl')] } },
  { rule: 'GP-BUILD-010', positive: { history: [run('yum install -y httpd')], index: 0 }, negative: { history: [run('dnf install -y httpd && dnf clean all')] } },
  { rule: 'GP-BUILD-011', positive: { history: [run('pip install -r requirements.txt')], index: 0 }, negative: { history: [run('pip install --no-cache-dir -r requirements.txt')] } },
  { rule: 'GP-BUILD-012', positive: { history: [run('sudo make install')], index: 0 }, negative: { history: [run('make install && echo sudo is not used')] } },
  {
    rule: 'GP-BUILD-013',
    positive: { history: ['FROM docker.io/library/alpine:latest', run('true')], index: 0 },
    negative: { history: ['FROM docker.io/library/alpine:3.20@sha256:0a4eaa0eecf5f8c050e5bba433f58c052be7587ee8af3e8b3910ef9ab5fbe9f5'] },
  },
  { rule: 'GP-BUILD-014', positive: { history: ['/bin/sh -c #(nop)  EXPOSE 22/tcp'], index: 0 }, negative: { history: ['EXPOSE map[8080/tcp:{}]'], runtime: { ExposedPorts: { '8080/tcp': {} } } } },
  { rule: 'GP-BUILD-015', positive: { history: ['EXPOSE map[21/tcp:{} 8080/tcp:{}]'], index: 0 }, negative: { history: ['EXPOSE map[2121/tcp:{}]'] } },
  { rule: 'GP-BUILD-016', positive: { history: [run('npm install -g --unsafe-perm node-sass')], index: 0 }, negative: { history: [run('npm ci --omit=dev')] } },
  { rule: 'GP-BUILD-017', positive: { history: [run('curl -skL https://example.org/x -o /x')], index: 0 }, negative: { history: [run('curl -fsSL https://example.org/x -o /x')] } },
  { rule: 'GP-BUILD-018', positive: { history: [run('git clone http://git.example.org/app.git /src')], index: 0 }, negative: { history: [run('git clone https://git.example.org/app.git /src')] } },
  { rule: 'GP-BUILD-019', positive: { history: ['COPY id_rsa /root/.ssh/id_rsa # buildkit'], index: 0 }, negative: { history: ['COPY known_hosts /etc/ssh/ssh_known_hosts # buildkit'] } },
  { rule: 'GP-BUILD-020', positive: { history: [run('chown -R app:app /')], index: 0 }, negative: { history: [run('chown -R app:app /app')] } },
  { rule: 'GP-BUILD-021', positive: { history: ['ENV NODE_TLS_REJECT_UNAUTHORIZED=0'], index: 0 }, negative: { history: ['ENV NODE_TLS_REJECT_UNAUTHORIZED=1 GIT_SSL_NO_VERIFY=false'] } },
  { rule: 'GP-BUILD-022', positive: { history: [run('chmod u+s /usr/local/bin/helper')], index: 0 }, negative: { history: [run('chmod 0755 /usr/local/bin/helper')] } },
  { rule: 'GP-BUILD-023', positive: { history: BASE, runtime: { Healthcheck: undefined }, index: null }, negative: { history: [...BASE, 'HEALTHCHECK &{["CMD-SHELL" "curl -f http://localhost/"] "30s" "3s" "0s" \'\x03\'}'], runtime: { Healthcheck: undefined } } },
  { rule: 'GP-BUILD-024', positive: { history: ['ADD app.py /app/ # buildkit'], index: 0 }, negative: { history: ['ADD rootfs.tar.xz / # buildkit', BASE[0] ?? ''] } },
  { rule: 'GP-BUILD-025', positive: { history: [run('apt-get update && apt-get -y dist-upgrade && rm -rf /var/lib/apt/lists/*')], index: 0 }, negative: { history: [run('apk update && apk add --no-cache curl')] } },
  { rule: 'GP-BUILD-026', positive: { history: [run('sha256sum -c app.sha256 || true')], index: 0 }, negative: { history: [run('sha256sum -c app.sha256 && rm -f /tmp/x || true')] } },
  { rule: 'GP-BUILD-027', positive: { history: [run('useradd -o -u 0 -g 0 backup')], index: 0 }, negative: { history: [run('useradd -u 10001 -m app')] } },
  { rule: 'GP-BUILD-028', positive: { history: [run('echo "app ALL=(ALL) NOPASSWD:ALL" >> /etc/sudoers')], index: 0 }, negative: { history: [run('echo "Defaults env_reset" >> /etc/sudoers')] } },
  { rule: 'GP-BUILD-029', positive: { history: [run('apt-get install -y --allow-unauthenticated --no-install-recommends foo && rm -rf /var/lib/apt/lists/*')], index: 0 }, negative: { history: [run('apk add --no-cache foo')] } },
  { rule: 'GP-BUILD-030', positive: { history: [run('wget http://downloads.example.org/tool.tgz')], index: 0 }, negative: { history: [run('wget -q http://localhost:8080/health || true && wget https://downloads.example.org/tool.tgz')] } },
  { rule: 'GP-BUILD-031', positive: { history: [run('apt-get install -y --no-install-recommends openssh-server && rm -rf /var/lib/apt/lists/*')], index: 0 }, negative: { history: [run('apt-get install -y --no-install-recommends openssh-client && rm -rf /var/lib/apt/lists/*')] } },
  { rule: 'GP-BUILD-032', positive: { history: [run("echo 'root:toor' | chpasswd")], index: 0 }, negative: { history: [run("echo 'app:x' >/dev/null && passwd -l root")] } },
];

describe('build risk rules: one positive and one negative per rule', () => {
  it('has at least 25 rules with stable ids, each covered below', () => {
    assert.ok(BUILD_RISK_RULES.length >= 25);
    for (const r of BUILD_RISK_RULES) assert.match(r.id, /^GP-BUILD-\d{3}$/);
    assert.deepEqual(CASES.map((c) => c.rule).sort(), BUILD_RISK_RULES.map((r) => r.id));
  });

  for (const c of CASES) {
    it(`${c.rule}: flags the risky history`, () => {
      const rows = analyzeBuildHistory(configWith(c.positive.history, c.positive.runtime));
      const row = rows.find((r) => r.ruleId === c.rule);
      assert.ok(row, `no ${c.rule} in ${JSON.stringify(rows.map((r) => r.ruleId))}`);
      assert.equal(row.historyIndex, c.positive.index);
      const rule = BUILD_RISK_RULES.find((r) => r.id === c.rule);
      assert.equal(row.riskLevel, rule?.level);
      assert.ok(row.description.length > 0 && row.remediation.length > 0 && row.buildInstruction.length > 0);
    });
    it(`${c.rule}: ignores the safe variant`, () => {
      const rows = analyzeBuildHistory(configWith(c.negative.history, c.negative.runtime));
      assert.deepEqual(
        rows.filter((r) => r.ruleId === c.rule),
        [],
      );
    });
  }
});
