import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeBuildHistory, parseCreatedBy } from '../../../../src/engines/image/analyzers/build-risks/index.js';
import { fake } from './fake-secrets.js';

/** The history of a python:3.12-slim-style base image plus a BuildKit-built application on top, done right. */
const CLEAN_HISTORY = [
  '/bin/sh -c #(nop) ADD file:d13afefcc2b0b02b598a3ac2598fe2187db41de1e17820e5b600a955b1429d59 in / ',
  '/bin/sh -c #(nop)  CMD ["bash"]',
  'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'ENV LANG=C.UTF-8',
  'RUN /bin/sh -c set -eux; \tapt-get update; \tapt-get install -y --no-install-recommends \t\tca-certificates \t\tnetbase \t\ttzdata \t; \trm -rf /var/lib/apt/lists/* # buildkit',
  'ENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305',
  'ENV PYTHON_VERSION=3.12.7',
  'ENV PYTHON_SHA256=24887b92e2afd4a2ac602419ad4b596372f67ac9b077190f459aba390faf5550',
  'RUN /bin/sh -c set -eux; \t\tsavedAptMark="$(apt-mark showmanual)"; \tapt-get update; \tapt-get install -y --no-install-recommends \t\tdpkg-dev \t\tgcc \t\tgnupg \t\tlibssl-dev \t\tmake \t\twget \t; \t\twget -O python.tar.xz "https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/Python-$PYTHON_VERSION.tar.xz"; \techo "$PYTHON_SHA256 *python.tar.xz" | sha256sum -c -; \twget -O python.tar.xz.asc "https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/Python-$PYTHON_VERSION.tar.xz.asc"; \tGNUPGHOME="$(mktemp -d)"; export GNUPGHOME; \tgpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "$GPG_KEY"; \tgpg --batch --verify python.tar.xz.asc python.tar.xz; \tgpgconf --kill all; \trm -rf "$GNUPGHOME" python.tar.xz.asc; \tmake -j "$(nproc)"; \tmake install; \tapt-mark auto \'.*\' > /dev/null; \tapt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \trm -rf /var/lib/apt/lists/*; \tpython3 --version # buildkit',
  'RUN /bin/sh -c set -eux; \tfor src in idle3 pip3 pydoc3 python3 python3-config; do \t\tdst="$(echo "$src" | tr -d 3)"; \t\t[ -s "/usr/local/bin/$src" ]; \t\t[ ! -e "/usr/local/bin/$dst" ]; \t\tln -svT "$src" "/usr/local/bin/$dst"; \tdone # buildkit',
  'CMD ["python3"]',
  'WORKDIR /app',
  'RUN /bin/sh -c groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-create-home app # buildkit',
  'COPY requirements.txt . # buildkit',
  'RUN /bin/sh -c pip install --no-cache-dir -r requirements.txt # buildkit',
  'COPY --chown=app:app src/ ./src/ # buildkit',
  'LABEL org.opencontainers.image.source=https://git.example.org/app',
  'USER app',
  'EXPOSE map[8000/tcp:{}]',
  'HEALTHCHECK &{["CMD" "python" "-m" "app.health"] "30s" "5s" "10s" \'\\x03\'}',
  'ENTRYPOINT ["python" "-m" "app"]',
];

const cleanConfig = {
  architecture: 'amd64',
  os: 'linux',
  config: {
    User: 'app',
    ExposedPorts: { '8000/tcp': {} },
    Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8', 'GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305', 'PYTHON_VERSION=3.12.7'],
    Entrypoint: ['python', '-m', 'app'],
    Labels: { 'org.opencontainers.image.source': 'https://git.example.org/app' },
    Healthcheck: { Test: ['CMD', 'python', '-m', 'app.health'], Interval: 30_000_000_000 },
    WorkingDir: '/app',
  },
  history: CLEAN_HISTORY.map((created_by) => ({ created_by, ...(/^(?:ENV|CMD|WORKDIR|LABEL|USER|EXPOSE|HEALTHCHECK|ENTRYPOINT)|#\(nop\)/.test(created_by) ? { empty_layer: true } : {}) })),
};

describe('analyzeBuildHistory', () => {
  it('finds nothing in a realistic, carefully built image', () => {
    assert.deepEqual(analyzeBuildHistory(cleanConfig), []);
  });

  it('the base image ADD file:… in /, CMD and LABEL are never risks, even on an otherwise risky image', () => {
    const rows = analyzeBuildHistory({ history: [{ created_by: CLEAN_HISTORY[0] }, { created_by: CLEAN_HISTORY[1] }, { created_by: 'LABEL maintainer=x' }] });
    assert.deepEqual(rows.map((r) => [r.ruleId, r.historyIndex]), [
      ['GP-BUILD-003', null],
      ['GP-BUILD-023', null],
    ]);
    assert.equal(rows[0]?.buildInstruction, '(no USER instruction)');
  });

  it('reports a risky image in history order with image-wide rows last, and masks secrets in build_instruction', () => {
    const password = fake.password();
    const token = fake.github();
    const config = {
      config: { User: 'root', ExposedPorts: { '22/tcp': {} }, Env: ['NODE_TLS_REJECT_UNAUTHORIZED=0'] },
      history: [
        { created_by: CLEAN_HISTORY[0] },
        { created_by: `/bin/sh -c #(nop)  ENV DB_PASSWORD=${password}`, empty_layer: true },
        { created_by: `|1 GH_TOKEN=${token} /bin/sh -c git clone https://ci:${token}@github.com/org/app.git /src && curl -sL https://get.example.sh | bash` },
      ],
    };
    const rows = analyzeBuildHistory(config);
    assert.deepEqual(
      rows.map((r) => [r.ruleId, r.historyIndex]),
      [
        ['GP-BUILD-005', 1],
        ['GP-BUILD-001', 2],
        ['GP-BUILD-006', 2],
        ['GP-BUILD-003', null],
        ['GP-BUILD-014', null],
        ['GP-BUILD-021', null],
        ['GP-BUILD-023', null],
      ],
    );
    assert.equal(rows[0]?.buildInstruction, '/bin/sh -c #(nop)  ENV DB_PASSWORD=****');
    const text = JSON.stringify(rows);
    assert.ok(!text.includes(password) && !text.includes(token), text);
    assert.equal(rows.find((r) => r.ruleId === 'GP-BUILD-003')?.buildInstruction, 'USER root');
    assert.equal(rows.find((r) => r.ruleId === 'GP-BUILD-014')?.buildInstruction, 'EXPOSE 22/tcp');
  });

  it('accepts any config shape without throwing', () => {
    for (const junk of [null, 'x', 1, [], { history: 'x' }, { history: [null, 1, { created_by: 3 }] }]) assert.ok(Array.isArray(analyzeBuildHistory(junk)));
  });
});

describe('parseCreatedBy', () => {
  it('reads the classic, BuildKit and build-arg forms', () => {
    const parsed = (s: string) => {
      const step = parseCreatedBy(s, 0);
      return [step.instruction, step.args, step.assignments.map((a) => `${a.name}=${a.value}`)];
    };
    assert.deepEqual(parsed('/bin/sh -c #(nop) ADD file:abc in / '), ['ADD', 'file:abc in /', []]);
    assert.deepEqual(parsed('/bin/sh -c #(nop)  CMD ["sh"]'), ['CMD', '["sh"]', []]);
    assert.deepEqual(parsed('/bin/sh -c apt-get update'), ['RUN', 'apt-get update', []]);
    assert.deepEqual(parsed('RUN /bin/sh -c apk add --no-cache git # buildkit'), ['RUN', 'apk add --no-cache git', []]);
    assert.deepEqual(parsed('RUN |2 A=1 B=two /bin/sh -c make # buildkit'), ['RUN', 'make', ['A=1', 'B=two']]);
    assert.deepEqual(parsed('|1 VERSION=1.2 /bin/sh -c ./build.sh'), ['RUN', './build.sh', ['VERSION=1.2']]);
    assert.deepEqual(parsed('ENV A=b C="d e"'), ['ENV', 'A=b C="d e"', ['A=b', 'C=d e']]);
    assert.deepEqual(parsed('/bin/sh -c #(nop)  ENV LANG C.UTF-8'), ['ENV', 'LANG C.UTF-8', ['LANG=C.UTF-8']]);
    assert.deepEqual(parsed('COPY . /app # buildkit'), ['COPY', '. /app', []]);
    assert.deepEqual(parsed('RUN /bin/bash -o pipefail -c curl -fsSL x | tar -x # buildkit'), ['RUN', 'curl -fsSL x | tar -x', []]);
    assert.deepEqual(parsed('/bin/sh -c #(nop)  USER [app]'), ['USER', '[app]', []]);
  });
});
