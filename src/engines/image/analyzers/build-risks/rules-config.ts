import { PLACEHOLDER_VALUES } from '../secrets/patterns.js';
import { commandsOf, invokes, someCommand } from './shell.js';
import type { BuildRiskRule, BuildStep, ImageFacts } from './types.js';

/** Names of ENV/ARG keys that hold credentials; public key material and key locations are not secrets. */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL/i;
const NOT_SECRET_NAME = /^(?:GPG_KEYS?|.*_KEY_?(?:ID|IDS|SERVER|URL|FILE|PATH|DIR|FINGERPRINT|RING|NAME|TYPE|SIZE|ALG(?:ORITHM)?)|.*PUBLIC_?KEYS?|KEYSERVER|.*_(?:FILE|PATH|DIR|URL|HOST|PORT|USER|USERNAME|NAME|ID))$/i;

/** A literal secret value: non-empty, not a `$VAR` reference or a placeholder. */
export function isSecretAssignment(name: string, value: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name) && value.trim() !== '' && !PLACEHOLDER_VALUES.some((re) => re.test(value.trim()));
}

const TLS_OFF: ReadonlyArray<[string, RegExp]> = [
  ['NODE_TLS_REJECT_UNAUTHORIZED', /^0$/],
  ['PYTHONHTTPSVERIFY', /^0$/],
  ['GIT_SSL_NO_VERIFY', /^(?!0$|false$).+/i],
  ['NPM_CONFIG_STRICT_SSL', /^(?:false|0)$/i],
  ['CURL_INSECURE', /^(?!0$|false$).+/i],
  ['PIP_TRUSTED_HOST', /.+/],
];
const tlsOff = (name: string, value: string) => TLS_OFF.some(([n, v]) => n === name.toUpperCase() && v.test(value));

const exposes = (ports: readonly number[]) => (text: string) => ports.some((p) => new RegExp(String.raw`(?:^|[\s\[])${p}(?:/(?:tcp|udp))?(?::\{\})?(?=$|[\s\]])`).test(text));
const SSH_PORT = exposes([22]);
const PLAIN_TEXT_PORTS = exposes([20, 21, 23, 69]);
const exposedIn = (match: (t: string) => boolean) => (image: ImageFacts) => {
  const ports = image.exposedPorts.filter((p) => match(p));
  return ports.length > 0 ? `EXPOSE ${ports.join(' ')}` : null;
};

const isAddOrCopy = (step: BuildStep) => step.instruction === 'ADD' || step.instruction === 'COPY';
const URL_SOURCE = /^(?:--\S+\s+)*(?:https?|ftp):\/\//i;
/** The base image's root filesystem: `ADD file:<hash> in /`. */
const BASE_ROOTFS = /^(?:file|dir|multi):\S+\s+in\s+\/\s*$/;
const ARCHIVE = /\.(?:tar|tgz|tar\.(?:gz|xz|bz2|zst)|txz|tbz2?)(?:\s|$)/i;
const KEY_FILE = /(?:^|[\s/])(?:id_(?:rsa|dsa|ecdsa|ed25519)|[^\s/]+\.(?:pem|key|p12|pfx))(?:\s|$)|\.ssh\//;
const SERVICE_PACKAGES = /\s(?:openssh-server|telnetd|inetutils-telnetd|telnet-server|vsftpd|proftpd(?:-basic)?|pure-ftpd|tftpd(?:-hpa)?|xinetd|rsh-server)(?=\s|$)/;
const INSTALLS = [invokes('apt-get|apt', 'install'), invokes('apk', 'add'), invokes('yum|dnf|microdnf', 'install')];

/** The base image reference when the history or the OCI base-name label records it. */
function baseImageRef(step: BuildStep): string | null {
  return step.instruction === 'FROM' ? (step.args.split(/\s+/)[0] ?? null) : null;
}
const untaggedOrLatest = (ref: string) => !ref.includes('@') && !/^scratch$/i.test(ref) && (!/:[^/]+$/.test(ref) || /:latest$/i.test(ref));

const ROOT_USER = /^(?:|root|0)(?::.*)?$/;

/** Rules over ENV/ARG/EXPOSE/ADD/COPY/FROM steps and image-wide facts. */
export const CONFIG_RULES: readonly BuildRiskRule[] = [
  {
    id: 'GP-BUILD-002',
    name: 'ADD from a remote URL',
    level: 'medium',
    description: 'ADD downloads a file at build time without any checksum verification.',
    remediation: 'Download with curl/wget in a RUN step and verify its checksum (or use ADD --checksum=sha256:…).',
    step: (s) => s.instruction === 'ADD' && URL_SOURCE.test(s.args) && !/--checksum=/.test(s.args),
  },
  {
    id: 'GP-BUILD-003',
    name: 'Container runs as root',
    level: 'high',
    description: 'The image sets no USER (or USER root), so its processes run as root inside the container.',
    remediation: 'Create an unprivileged user and end the Dockerfile with `USER <name>`.',
    image: (image) => (ROOT_USER.test(image.user) ? (image.user ? `USER ${image.user}` : '(no USER instruction)') : null),
  },
  {
    id: 'GP-BUILD-005',
    name: 'Secret in ENV',
    level: 'critical',
    description: 'An ENV instruction sets a credential-named variable to a literal value; it is readable in the image config by anyone who can pull the image.',
    remediation: 'Pass secrets at run time (secret store, mounted file) or use BuildKit `RUN --mount=type=secret`.',
    step: (s) => s.instruction === 'ENV' && s.assignments.some((a) => isSecretAssignment(a.name, a.value)),
  },
  {
    id: 'GP-BUILD-006',
    name: 'Secret in build argument',
    level: 'high',
    description: 'A credential-named build argument with a literal value is recorded in the image history.',
    remediation: 'Use BuildKit secrets (`RUN --mount=type=secret`) instead of ARG for credentials.',
    step: (s) => (s.instruction === 'ARG' || s.instruction === 'RUN') && s.assignments.some((a) => isSecretAssignment(a.name, a.value)),
  },
  {
    id: 'GP-BUILD-013',
    name: 'Base image not pinned (latest or no tag)',
    level: 'medium',
    description: 'The base image is referenced by the `latest` tag or without a tag, so rebuilds silently change it.',
    remediation: 'Pin the base image to a version tag and digest (`FROM image:1.2.3@sha256:…`).',
    step: (s) => {
      const ref = baseImageRef(s);
      return ref !== null && untaggedOrLatest(ref);
    },
    image: (image) => {
      const ref = image.labels.get('org.opencontainers.image.base.name');
      return ref && untaggedOrLatest(ref) ? `LABEL org.opencontainers.image.base.name=${ref}` : null;
    },
  },
  {
    id: 'GP-BUILD-014',
    name: 'SSH port exposed',
    level: 'high',
    description: 'The image exposes port 22: an SSH daemon in a container is an extra way in and a sign of a pet container.',
    remediation: 'Do not run sshd in containers; use `docker exec`/`kubectl exec` for access.',
    step: (s) => s.instruction === 'EXPOSE' && SSH_PORT(s.args),
    image: exposedIn(SSH_PORT),
  },
  {
    id: 'GP-BUILD-015',
    name: 'Plain-text service port exposed (telnet/FTP/TFTP)',
    level: 'high',
    description: 'The image exposes telnet (23), FTP (20/21) or TFTP (69), which send credentials in clear text.',
    remediation: 'Remove the service; use SSH/SFTP or HTTPS outside the container.',
    step: (s) => s.instruction === 'EXPOSE' && PLAIN_TEXT_PORTS(s.args),
    image: exposedIn(PLAIN_TEXT_PORTS),
  },
  {
    id: 'GP-BUILD-019',
    name: 'SSH/private key generated or copied into the image',
    level: 'high',
    description: 'A private key is generated (ssh-keygen) or copied into the image; everyone with the image has it.',
    remediation: 'Mount keys at run time or use BuildKit `--mount=type=ssh`; never bake keys into layers.',
    step: (s) => (s.instruction === 'RUN' && someCommand(s.args, /(?:^|\s|\/)ssh-keygen\b/)) || (isAddOrCopy(s) && KEY_FILE.test(s.args)),
  },
  {
    id: 'GP-BUILD-021',
    name: 'TLS verification disabled by environment',
    level: 'high',
    description: 'An environment variable turns off TLS certificate checks (NODE_TLS_REJECT_UNAUTHORIZED=0, PYTHONHTTPSVERIFY=0, GIT_SSL_NO_VERIFY, …).',
    remediation: 'Remove the variable; trust the needed CA certificate instead.',
    step: (s) => s.instruction === 'ENV' && s.assignments.some((a) => tlsOff(a.name, a.value)),
    image: (image) => {
      const off = [...image.env].filter(([n, v]) => tlsOff(n, v));
      return off.length > 0 ? `ENV ${off.map(([n, v]) => `${n}=${v}`).join(' ')}` : null;
    },
  },
  {
    id: 'GP-BUILD-023',
    name: 'No HEALTHCHECK',
    level: 'low',
    description: 'The image defines no HEALTHCHECK, so the runtime cannot tell a hung service from a healthy one.',
    remediation: 'Add a `HEALTHCHECK CMD …` that probes the service.',
    image: (image) => (image.hasHealthcheck || image.steps.some((s) => s.instruction === 'HEALTHCHECK' && !/^NONE\b/i.test(s.args)) ? null : '(no HEALTHCHECK instruction)'),
  },
  {
    id: 'GP-BUILD-024',
    name: 'ADD used for local files',
    level: 'low',
    description: 'ADD is used where COPY would do; ADD also unpacks archives and fetches URLs, which hides what enters the image.',
    remediation: 'Use COPY for local files and directories; keep ADD for archives you intend to unpack.',
    step: (s) => s.instruction === 'ADD' && !URL_SOURCE.test(s.args) && !BASE_ROOTFS.test(s.args) && !ARCHIVE.test(s.args),
  },
  {
    id: 'GP-BUILD-027',
    name: 'Second user with UID 0',
    level: 'critical',
    description: 'A user is created with UID 0 (useradd -o -u 0, or a passwd line with uid 0): a hidden root account.',
    remediation: 'Create service users with a non-zero UID.',
    step: (s) =>
      s.instruction === 'RUN' &&
      commandsOf(s.args).some(
        (c) => (/(?:^|\s|\/)(?:useradd|adduser|usermod)\s/.test(c) && /\s(?:-o|--non-unique)(?:\s|$)/.test(c) && /\s(?:-u\s*|--uid[\s=])0(?:\s|$)/.test(c)) || (/>>\s*\/etc\/passwd\b/.test(c) && /:[^:]*:0:/.test(c)),
      ),
  },
  {
    id: 'GP-BUILD-028',
    name: 'Passwordless sudo (NOPASSWD)',
    level: 'high',
    description: 'A sudoers rule with NOPASSWD is written, giving a user root without a password.',
    remediation: 'Do not install sudo rules in images; run privileged steps at build time as root.',
    step: (s) => s.instruction === 'RUN' && /NOPASSWD/.test(s.args) && /sudoers/.test(s.args),
  },
  {
    id: 'GP-BUILD-029',
    name: 'Package signature checks disabled',
    level: 'high',
    description: 'Packages are installed without signature verification (--allow-unauthenticated, --force-yes, --nogpgcheck, --allow-untrusted, [trusted=yes]).',
    remediation: 'Import the repository signing key and keep signature checks on.',
    step: (s) => s.instruction === 'RUN' && /--allow-unauthenticated|--force-yes|--nogpgcheck|--allow-untrusted|--no-gpg-checks|gpgcheck\s*=\s*0|--allow-insecure-repositories|\[trusted=yes\]/.test(s.args),
  },
  {
    id: 'GP-BUILD-030',
    name: 'Download over plain HTTP',
    level: 'medium',
    description: 'curl/wget fetch content over unencrypted http://, open to tampering in transit.',
    remediation: 'Download over https:// and verify a checksum.',
    step: (s) => s.instruction === 'RUN' && someCommand(s.args, /(?:^|\s|\/)(?:curl|wget)\s[^;&|]*\bhttp:\/\/(?!(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])[:/\s])/),
  },
  {
    id: 'GP-BUILD-031',
    name: 'Remote-login or FTP server installed',
    level: 'medium',
    description: 'An SSH, telnet, FTP or TFTP server package is installed in the image.',
    remediation: 'Do not ship login or file-transfer daemons in application images.',
    step: (s) => s.instruction === 'RUN' && commandsOf(s.args).some((c) => INSTALLS.some((re) => re.test(c)) && SERVICE_PACKAGES.test(`${c} `)),
  },
  {
    id: 'GP-BUILD-032',
    name: 'Root password set or removed',
    level: 'high',
    description: 'The build sets a fixed root password (chpasswd) or deletes it (passwd -d root).',
    remediation: 'Leave root locked; do not set passwords in images.',
    step: (s) => s.instruction === 'RUN' && /\broot:[^\s'"|]+['"]?\s*\|\s*(?:\S*\/)?chpasswd|\bpasswd\s+-d\s+root\b|\busermod\s+[^;&|]*-p\s+\S+\s+root\b/.test(s.args),
  },
];
