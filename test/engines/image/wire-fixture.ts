import type { BuiltImage, LayerSpec } from './image-builder.js';
import { sha256 } from './image-builder.js';
import { fake, fakePrivateKey } from './analyzers/fake-secrets.js';

/**
 * The image of the rule-engine wiring tests (not a test file itself): secrets in a lower layer that an upper
 * layer deletes, secrets in ENV and a label, a dpkg package whose DEP-5 copyright names AGPL-3.0, a blocked apk
 * package, and a history with risky and harmless (base `ADD file:… in /`, `CMD`) entries. Secrets are
 * assembled at run time.
 */
export const secrets = { awsKeyId: fake.awsKeyId(21), awsSecret: fake.awsSecret(22), github: fake.github(23), slackWebhook: fake.slackWebhook(24), privateKey: fakePrivateKey('RSA ', 4, 25) };

const dpkgStatus = 'Package: agpl-tool\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\nPackage: mit-tool\nStatus: install ok installed\nVersion: 2.0-1\nArchitecture: amd64\n';
const dep5 = (licence: string): string =>
  `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: tool\n\nFiles: *\nCopyright: 2020 Someone\nLicense: ${licence}\n\nLicense: ${licence}\n The licence text.\n`;
const apkInstalled = 'C:Q1abc=\nP:xmrig\nV:6.21.0-r0\nA:x86_64\nL:GPL-3.0-or-later\no:xmrig\nF:usr/bin\nR:xmrig\n\n';

export const HISTORY = [
  { created_by: '/bin/sh -c #(nop) ADD file:0123abcd in / ' },
  { created_by: '/bin/sh -c #(nop)  CMD ["/bin/sh"]', empty_layer: true },
  { created_by: '/bin/sh -c curl -fsSL https://get.example.invalid/install.sh | sh' },
  { created_by: `/bin/sh -c #(nop)  ENV GITHUB_TOKEN=${secrets.github}`, empty_layer: true },
  { created_by: '/bin/sh -c chmod 777 /opt/app && rm -rf /root/.ssh /opt/app/config.ini' },
  { created_by: '/bin/sh -c #(nop)  CMD ["/opt/app/run"]', empty_layer: true },
];

export function wireLayers(): LayerSpec[] {
  return [
    {
      entries: [
        { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
        { name: 'var/lib/dpkg/status', content: dpkgStatus },
        { name: 'usr/share/doc/agpl-tool/copyright', content: dep5('AGPL-3.0') },
        { name: 'usr/share/doc/mit-tool/copyright', content: dep5('Expat') },
        { name: 'lib/apk/db/installed', content: apkInstalled },
        { name: 'usr/bin/xmrig', content: 'ELF miner', mode: 0o755 },
      ],
    },
    {
      entries: [
        { name: 'root/.ssh/', type: 'directory', mode: 0o700 },
        { name: 'root/.ssh/id_rsa', content: secrets.privateKey, mode: 0o600 },
        { name: 'opt/app/', type: 'directory' },
        { name: 'opt/app/config.ini', content: `[aws]\naws_access_key_id = ${secrets.awsKeyId}\naws_secret_access_key = ${secrets.awsSecret}\n` },
        { name: 'opt/app/run', content: '#!/bin/sh\nexec sleep infinity\n', mode: 0o755 },
      ],
    },
    { entries: [{ name: 'root/.wh..ssh' }, { name: 'opt/app/.wh.config.ini' }, { name: 'opt/app/', type: 'directory', mode: 0o777 }] },
  ];
}

/** `built` with its config replaced by one with this history, Env and Labels (manifest and digests rebuilt). */
export function withWireConfig(built: BuiltImage): BuiltImage {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/bin:/bin', `GITHUB_TOKEN=${secrets.github}`], Cmd: ['/opt/app/run'], Labels: { 'com.example.hook': secrets.slackWebhook, 'com.example.team': 'infra' } },
      rootfs: { type: 'layers', diff_ids: built.layers.map((l) => l.diffId) },
      history: HISTORY.map((h) => ({ created: '2026-01-01T00:00:00Z', ...h })),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: built.layers.map((l) => ({ mediaType: l.mediaType, digest: l.blobDigest, size: l.blob.length })),
    }),
  );
  return { config, configDigest: sha256(config), layers: built.layers, manifest, manifestDigest: sha256(manifest) };
}
