import { commandsOf, invokes, someCommand, wordsOf } from './shell.js';
import type { BuildRiskRule, BuildStep } from './types.js';

const run = (test: (cmd: string, step: BuildStep) => boolean) => (step: BuildStep) => step.instruction === 'RUN' && test(step.args, step);

const APT_INSTALL = invokes('apt-get|apt', 'install');
const APT_ANY = invokes('apt-get|apt', 'update|install');
const APK_ADD = invokes('apk', 'add');
const YUM_INSTALL = invokes('yum|dnf|microdnf', 'install');
const PIP_INSTALL = /(?:^|\s|\/)(?:pip[0-9.]*|python[0-9.]*\s+-m\s+pip)\s+(?:-\S+\s+)*install\b/;
const SECURITY_CHECK = String.raw`(?:sha(?:1|224|256|384|512)sum\s+(?:-\S+\s+)*(?:-c|--check)|md5sum\s+-c|gpg\s+[^;&|]*--verify|gpgv\b|cosign\s+verify|rpm\s+(?:-K|--checksig)|apt-key\s+adv)`;

/** Rules over the shell command of RUN steps. */
export const RUN_RULES: readonly BuildRiskRule[] = [
  {
    id: 'GP-BUILD-001',
    name: 'Remote script piped into a shell',
    level: 'high',
    description: 'A script downloaded with curl/wget is executed directly by a shell or interpreter; its content is unverified and can change.',
    remediation: 'Download the script, verify its checksum or signature, then run it (or install a pinned package).',
    step: run((cmd) => /\b(?:curl|wget)\b[^;&]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:\S*\/)?(?:ba|z|da|k)?sh\b|\b(?:curl|wget)\b[^;&]*\|\s*(?:sudo\s+)?(?:python[0-9.]*|perl|ruby|node)\b|(?:ba|z|da)?sh\s+(?:-c\s+)?["']?(?:\$\(|<\(|`)\s*(?:curl|wget)\b/.test(cmd)),
  },
  {
    id: 'GP-BUILD-004',
    name: 'World-writable permissions (chmod 777)',
    level: 'high',
    description: 'Files or directories are made writable by every user (777, 666, a+rwx, o+w).',
    remediation: 'Grant the narrowest permissions needed (e.g. 755/644) and chown to the service user instead.',
    step: run((cmd) => someCommand(cmd, /(?:^|\s|\/)chmod\s+(?:-\S+\s+)*(?:(?:0?|[2-7])(?:777|666)|[ugo]*a[ugo]*\+[rx]*w[rwxXst]*|o\+[rx]*w[rwxXst]*)(?:\s|$)/)),
  },
  {
    id: 'GP-BUILD-007',
    name: 'apt-get install without --no-install-recommends',
    level: 'low',
    description: 'apt installs recommended packages too, enlarging the image and its attack surface.',
    remediation: 'Use `apt-get install -y --no-install-recommends <packages>`.',
    step: run((cmd) => commandsOf(cmd).some((c) => APT_INSTALL.test(c) && !/--no-install-recommends|Install-Recommends(?:=|\s+)(?:false|0)/i.test(c))),
  },
  {
    id: 'GP-BUILD-008',
    name: 'apt lists not cleaned up',
    level: 'low',
    description: 'apt-get update/install runs without removing /var/lib/apt/lists in the same RUN, leaving stale indexes in the layer.',
    remediation: 'End the same RUN with `&& rm -rf /var/lib/apt/lists/*`.',
    step: run((cmd) => someCommand(cmd, APT_ANY) && !/\brm\s+(?:-\S+\s+)*[^;&|]*\/var\/lib\/apt\/lists/.test(cmd)),
  },
  {
    id: 'GP-BUILD-009',
    name: 'apk add without --no-cache',
    level: 'low',
    description: 'apk keeps its package index cache in the layer.',
    remediation: 'Use `apk add --no-cache <packages>`.',
    step: run((cmd) => commandsOf(cmd).some((c) => APK_ADD.test(c) && !/--no-cache\b/.test(c)) && !/\brm\s+(?:-\S+\s+)*[^;&|]*\/var\/cache\/apk/.test(cmd)),
  },
  {
    id: 'GP-BUILD-010',
    name: 'yum/dnf install without clean all',
    level: 'low',
    description: 'yum/dnf metadata and package caches stay in the layer.',
    remediation: 'End the same RUN with `&& yum clean all` (or `dnf clean all`, `rm -rf /var/cache/yum`).',
    step: run((cmd) => someCommand(cmd, YUM_INSTALL) && !/\b(?:yum|dnf|microdnf)\s+clean\s+all\b|\brm\s+(?:-\S+\s+)*[^;&|]*\/var\/cache\/(?:yum|dnf)/.test(cmd)),
  },
  {
    id: 'GP-BUILD-011',
    name: 'pip install without --no-cache-dir',
    level: 'low',
    description: 'pip keeps downloaded wheels in its cache inside the layer.',
    remediation: 'Use `pip install --no-cache-dir …` or set `PIP_NO_CACHE_DIR=1`.',
    step: (step, image) =>
      step.instruction === 'RUN' &&
      !image.env.has('PIP_NO_CACHE_DIR') &&
      commandsOf(step.args).some((c) => PIP_INSTALL.test(c) && !/--no-cache-dir\b/.test(c)),
  },
  {
    id: 'GP-BUILD-012',
    name: 'sudo used in the build',
    level: 'medium',
    description: 'The build runs commands through sudo; sudo in images usually means a user with root rights left behind.',
    remediation: 'Run privileged steps as root before the USER instruction; do not install or use sudo.',
    step: run((cmd) => commandsOf(cmd).some((c) => /^(?:\S*\/)?sudo\s/.test(c))),
  },
  {
    id: 'GP-BUILD-016',
    name: 'npm with unsafe-perm',
    level: 'medium',
    description: 'npm runs package lifecycle scripts as root (unsafe-perm).',
    remediation: 'Drop --unsafe-perm; install as an unprivileged user.',
    step: run((cmd) => /--unsafe-perm(?!=false)\b|unsafe-perm\s*=?\s*true/.test(cmd)),
  },
  {
    id: 'GP-BUILD-017',
    name: 'TLS certificate verification disabled in a download',
    level: 'high',
    description: 'A download runs without verifying the server certificate (curl -k/--insecure, wget --no-check-certificate, pip --trusted-host, strict-ssl false, git sslVerify=false).',
    remediation: 'Keep certificate verification on; install the needed CA certificate instead.',
    step: run((cmd) =>
      commandsOf(cmd).some(
        (c) =>
          (/(?:^|\s|\/)curl\s/.test(c) && wordsOf(c).some((w) => w === '--insecure' || /^-[a-zA-Z]*k[a-zA-Z]*$/.test(w))) ||
          /--no-check-certificate\b|--trusted-host\b|strict-ssl\s+false|sslVerify\s*=?\s*false|sslverify\s+false/i.test(c),
      ),
    ),
  },
  {
    id: 'GP-BUILD-018',
    name: 'git clone over plain HTTP',
    level: 'medium',
    description: 'Source code is fetched over unencrypted http://, open to tampering in transit.',
    remediation: 'Clone over https:// or ssh and pin a commit.',
    step: run((cmd) => someCommand(cmd, /\bgit\s+(?:-\S+\s+)*clone\b[^;&|]*\shttp:\/\//)),
  },
  {
    id: 'GP-BUILD-020',
    name: 'Recursive chown/chmod on /',
    level: 'high',
    description: 'Ownership or permissions of the whole filesystem are changed recursively.',
    remediation: 'Change only the application directories that need it.',
    step: run((cmd) =>
      commandsOf(cmd).some((c) => {
        const w = wordsOf(c);
        const tool = w.findIndex((x) => /^(?:\S*\/)?ch(?:own|mod)$/.test(x));
        if (tool < 0) return false;
        const rest = w.slice(tool + 1);
        return rest.some((x) => /^-[a-zA-Z]*R[a-zA-Z]*$|^--recursive$/.test(x)) && rest.some((x) => x === '/' || x === '/*');
      }),
    ),
  },
  {
    id: 'GP-BUILD-022',
    name: 'setuid/setgid bit set',
    level: 'medium',
    description: 'A file gets the setuid or setgid bit, so it runs with its owner\'s rights.',
    remediation: 'Avoid setuid binaries; use capabilities or run the service with the rights it needs.',
    step: run((cmd) => someCommand(cmd, /(?:^|\s|\/)chmod\s+(?:-\S+\s+)*(?:[ugoa]*\+[rwxXt]*s|0?[2-7][0-7]{3})(?:\s|$)/)),
  },
  {
    id: 'GP-BUILD-025',
    name: 'Full package upgrade in the build',
    level: 'low',
    description: 'apt-get upgrade / dist-upgrade, apk upgrade or yum update makes the build unreproducible; the base image should be updated instead.',
    remediation: 'Rebuild on an updated base image; install pinned package versions.',
    step: run((cmd) =>
      commandsOf(cmd).some((c) => invokes('apt-get|apt', 'upgrade|dist-upgrade|full-upgrade').test(c) || invokes('apk', 'upgrade').test(c) || /(?:^|\s|\/)(?:yum|dnf|microdnf)\s+(?:-\S+\s+)*(?:update|upgrade)(?:\s+-\S+)*$/.test(c)),
    ),
  },
  {
    id: 'GP-BUILD-026',
    name: 'Security check errors swallowed',
    level: 'low',
    description: 'A checksum or signature verification is followed by `|| true`, so a failed verification does not stop the build.',
    remediation: 'Let verification failures fail the build; remove `|| true` from security steps.',
    step: run((cmd) => new RegExp(String.raw`${SECURITY_CHECK}[^;&|]*(?:\|[^|;&][^;&|]*)*\|\|\s*(?:true\b|:(?=\s|$|;|&)|exit\s+0\b)`).test(cmd)),
  },
];
