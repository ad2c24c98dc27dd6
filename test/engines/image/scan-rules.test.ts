import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImageScanReport, LayerColumns } from '../../../src/engines/image/report.js';
import { scanImage, type ImageScanOptions } from '../../../src/engines/image/scan/scan-image.js';
import { buildImage, dockerArchive, ociArchive, type BuiltImage } from './image-builder.js';
import { HISTORY, secrets, withWireConfig, wireLayers } from './wire-fixture.js';

const options: ImageScanOptions = { reportTypes: ['apps', 'sensitive-info', 'non-compliant-app', 'build-command-risks'] };
const comparable = (r: ImageScanReport): unknown => ({ ...r, format: null, repoTags: null, stats: { ...r.stats, durationMs: 0 } });
const IMAGE_WIDE: LayerColumns = { layerIndex: null, layerDigest: '', createdBy: '' };
/** The PEM header, assembled here so the repository holds no literal key marker. */
const pemHeader = `${'-'.repeat(5)}BEGIN RSA PRIV${'ATE KEY'}${'-'.repeat(5)}`;

describe('scanImage wires the secrets, build-risk and compliance engines', () => {
  let dir: string;
  let built: BuiltImage;
  let docker: string;
  let oci: string;
  let report: ImageScanReport;
  const layer = (i: number): LayerColumns => ({ layerIndex: i, layerDigest: report.layers[i]?.diffId ?? '', createdBy: HISTORY.filter((h) => h.empty_layer !== true)[i]?.created_by ?? '' });
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gp-img-rules-'));
    built = withWireConfig(await buildImage(wireLayers()));
    docker = path.join(dir, 'image.docker.tar');
    oci = path.join(dir, 'image.oci.tar');
    await dockerArchive(built, docker);
    await ociArchive(built, oci);
    report = await scanImage(oci, { ...options, tempDir: dir });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sensitive-info: file secrets of a layer an upper layer deleted stay on their layer; config secrets are image-wide', () => {
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.layers.map((l) => l.diffId), built.layers.map((l) => l.diffId));
    const ghDescription = 'A GitHub personal access, OAuth, app or refresh token (ghp_/gho_/ghs_/ghu_/ghr_) is stored in the image.';
    const masked = { github: `ghp_****${secrets.github.slice(-2)}`, awsId: `AKIA****${secrets.awsKeyId.slice(-2)}`, awsSecret: `aws_secret_access_key = ${secrets.awsSecret.slice(0, 4)}****${secrets.awsSecret.slice(-2)}` };
    assert.deepEqual(report.rows['sensitive-info'], [
      {
        sensitiveInfoId: '370033fea758250d6f6f87bfe9950d17', ruleId: 'ssh-identity-file', severity: 'critical', name: 'SSH private key file',
        description: 'An SSH identity file (id_rsa, id_ecdsa, id_ed25519, id_dsa) with a private key is stored in the image.',
        filePath: '/root/.ssh/id_rsa', position: 'line:1', content: `${pemHeader} m1kv****K\n`, ...layer(1),
      },
      {
        sensitiveInfoId: 'fb00fa4e2640e6fac4680fda4f6b6b70', ruleId: 'aws-access-key-id', severity: 'high', name: 'AWS access key ID',
        description: 'An AWS access key ID (AKIA/ASIA…) is stored in the image; with its secret it grants API access.',
        filePath: '/opt/app/config.ini', position: 'line:2', content: masked.awsId, ...layer(1),
      },
      {
        sensitiveInfoId: '37f7d01691f1ebb9e7ccc837a81db3ce', ruleId: 'aws-secret-access-key', severity: 'critical', name: 'AWS secret access key',
        description: 'An AWS secret access key is stored in the image.', filePath: '/opt/app/config.ini', position: 'line:3', content: masked.awsSecret, ...layer(1),
      },
      { sensitiveInfoId: '881b72fa524741da49b19067b3a58945', ruleId: 'github-token', severity: 'critical', name: 'GitHub token', description: ghDescription, filePath: '', position: 'config:Env', content: masked.github, ...IMAGE_WIDE },
      {
        sensitiveInfoId: 'a810da056765e8761ed0176b4c6b4b7b', ruleId: 'slack-webhook', severity: 'medium', name: 'Slack incoming webhook',
        description: 'A Slack incoming-webhook URL (anyone holding it can post to the channel) is stored in the image.',
        filePath: '', position: 'config:Labels', content: `https://hooks.slack.com/serv****${secrets.slackWebhook.slice(-2)}`, ...IMAGE_WIDE,
      },
      // history:3 is an empty_layer ENV entry: no layer of its own, so image-wide
      { sensitiveInfoId: 'db2cc25d51ccabc442aac2c6d8cab29a', ruleId: 'github-token', severity: 'critical', name: 'GitHub token', description: ghDescription, filePath: '', position: 'history:3', content: masked.github, ...IMAGE_WIDE },
    ]);
    const rendered = JSON.stringify(report.rows);
    for (const value of Object.values(secrets)) assert.ok(!rendered.includes(value.trim().split('\n')[1] ?? value), 'no secret leaks into any row');
    assert.ok(!rendered.includes(secrets.github) && !rendered.includes(secrets.awsKeyId) && !rendered.includes(secrets.awsSecret));
  });

  it('build-command-risks: history rows on their layer (empty_layer entries: no layer, masked created_by); image-wide rows without', () => {
    assert.deepEqual(report.rows['build-command-risks'], [
      {
        ruleId: 'GP-BUILD-001', riskName: 'Remote script piped into a shell', riskLevel: 'high',
        description: 'A script downloaded with curl/wget is executed directly by a shell or interpreter; its content is unverified and can change.',
        historyIndex: 2, buildInstruction: '/bin/sh -c curl -fsSL https://get.example.invalid/install.sh | sh',
        remediation: 'Download the script, verify its checksum or signature, then run it (or install a pinned package).', ...layer(1),
      },
      {
        ruleId: 'GP-BUILD-005', riskName: 'Secret in ENV', riskLevel: 'critical',
        description: 'An ENV instruction sets a credential-named variable to a literal value; it is readable in the image config by anyone who can pull the image.',
        historyIndex: 3, buildInstruction: '/bin/sh -c #(nop)  ENV GITHUB_TOKEN=****',
        remediation: 'Pass secrets at run time (secret store, mounted file) or use BuildKit `RUN --mount=type=secret`.',
        layerIndex: null, layerDigest: '', createdBy: '/bin/sh -c #(nop)  ENV GITHUB_TOKEN=****',
      },
      {
        ruleId: 'GP-BUILD-004', riskName: 'World-writable permissions (chmod 777)', riskLevel: 'high',
        description: 'Files or directories are made writable by every user (777, 666, a+rwx, o+w).', historyIndex: 4, buildInstruction: HISTORY[4]?.created_by,
        remediation: 'Grant the narrowest permissions needed (e.g. 755/644) and chown to the service user instead.', ...layer(2),
      },
      {
        ruleId: 'GP-BUILD-003', riskName: 'Container runs as root', riskLevel: 'high', description: 'The image sets no USER (or USER root), so its processes run as root inside the container.',
        historyIndex: null, buildInstruction: '(no USER instruction)', remediation: 'Create an unprivileged user and end the Dockerfile with `USER <name>`.', ...IMAGE_WIDE,
      },
      {
        ruleId: 'GP-BUILD-023', riskName: 'No HEALTHCHECK', riskLevel: 'low', description: 'The image defines no HEALTHCHECK, so the runtime cannot tell a hung service from a healthy one.',
        historyIndex: null, buildInstruction: '(no HEALTHCHECK instruction)', remediation: 'Add a `HEALTHCHECK CMD …` that probes the service.', ...IMAGE_WIDE,
      },
    ]);
  });

  it('non-compliant-app: a DEP-5 AGPL-3.0 dpkg package is denied, the apk miner blocked; licences reach the apps rows', () => {
    assert.deepEqual(report.rows['non-compliant-app'], [
      { appName: 'agpl-tool', appVersion: '1.0-1', appPath: '/var/lib/dpkg/status', license: 'AGPL-3.0-only', reason: 'denied_license', ...layer(0) },
      { appName: 'xmrig', appVersion: '6.21.0-r0', appPath: '/lib/apk/db/installed', license: 'GPL-3.0-or-later', reason: 'blocked_software', ...layer(0) },
    ]);
    assert.deepEqual(report.rows.apps.map((a) => [a.appName, a.license]), [['agpl-tool', 'AGPL-3.0-only'], ['mit-tool', 'MIT'], ['xmrig', 'GPL-3.0-or-later']]);
  });

  it('the compliance policy of the scan options replaces the defaults, list by list', async () => {
    const custom = await scanImage(oci, { reportTypes: ['non-compliant-app'], compliancePolicy: { deniedLicenses: ['GPL-3.0'], blockedSoftware: ['mit-tool'] } });
    assert.deepEqual(custom.rows['non-compliant-app'].map((r) => [r.appName, r.license, r.reason]), [['mit-tool', 'MIT', 'blocked_software'], ['xmrig', 'GPL-3.0-or-later', 'denied_license']]);
    const blockOnly = await scanImage(oci, { reportTypes: ['non-compliant-app'], compliancePolicy: { blockedSoftware: [] } });
    assert.deepEqual(blockOnly.rows['non-compliant-app'].map((r) => [r.appName, r.reason]), [['agpl-tool', 'denied_license']]);
  });

  it('the docker-archive of the same image gives the identical report', async () => {
    const fromDocker = await scanImage(docker, { ...options, tempDir: dir });
    assert.equal(fromDocker.format, 'docker-archive');
    assert.equal(fromDocker.imageId, built.configDigest);
    assert.deepEqual(comparable(fromDocker), comparable(report));
  });
});

describe('sensitive-info: the same secret in the same file written again by an upper layer', () => {
  it('is one row per layer entry, with distinct stable ids', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gp-img-rules-dup-'));
    try {
      const env = `AWS_ACCESS_KEY_ID=${secrets.awsKeyId}\n`;
      const image = await buildImage([{ entries: [{ name: 'app/.env', content: env }] }, { entries: [{ name: 'app/.env', content: env }] }]);
      const file = path.join(dir, 'dup.oci.tar');
      await ociArchive(image, file);
      const first = await scanImage(file, { reportTypes: ['sensitive-info'] });
      const again = await scanImage(file, { reportTypes: ['sensitive-info'] });
      const rows = first.rows['sensitive-info'].filter((r) => r.filePath === '/app/.env');
      assert.deepEqual(rows.map((r) => [r.layerIndex, r.layerDigest, r.createdBy]), [[0, image.layers[0]?.diffId, 'layer 0'], [1, image.layers[1]?.diffId, 'layer 1']]);
      assert.deepEqual(rows.map((r) => [r.ruleId, r.position, r.content]), [['dotenv-file', 'line:1', 'AWS_ACCESS_KEY_ID=****'], ['dotenv-file', 'line:1', 'AWS_ACCESS_KEY_ID=****']]);
      assert.equal(new Set(first.rows['sensitive-info'].map((r) => r.sensitiveInfoId)).size, first.rows['sensitive-info'].length);
      assert.deepEqual(again.rows['sensitive-info'], first.rows['sensitive-info']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
