import type { SecretRule } from './types.js';
import { PLACEHOLDER_VALUES } from './patterns.js';

/** A JWT is three base64url parts whose first decodes to a JSON header with `alg`. */
function isJwt(token: string): boolean {
  const header = token.split('.')[0] ?? '';
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof decoded === 'object' && decoded !== null && 'alg' in decoded;
  } catch {
    return false;
  }
}

/** API tokens of code hosts, chat, package registries, and JWTs. */
export const TOKEN_RULES: readonly SecretRule[] = [
  {
    id: 'github-token',
    name: 'GitHub token',
    description: 'A GitHub personal access, OAuth, app or refresh token (ghp_/gho_/ghs_/ghu_/ghr_) is stored in the image.',
    severity: 'critical',
    keywords: ['ghp_', 'gho_', 'ghs_', 'ghu_', 'ghr_'],
    regex: /(?<![A-Za-z0-9_])(gh[posur]_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/,
    secretGroup: 1,
    minEntropy: 3.5,
  },
  {
    id: 'github-fine-grained-pat',
    name: 'GitHub fine-grained personal access token',
    description: 'A GitHub fine-grained personal access token (github_pat_) is stored in the image.',
    severity: 'critical',
    keywords: ['github_pat_'],
    regex: /(?<![A-Za-z0-9_])(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])/,
    secretGroup: 1,
    minEntropy: 3.5,
  },
  {
    id: 'gitlab-token',
    name: 'GitLab personal access token',
    description: 'A GitLab personal access token (glpat-) is stored in the image.',
    severity: 'critical',
    keywords: ['glpat-'],
    regex: /(?<![A-Za-z0-9_-])(glpat-[A-Za-z0-9_-]{20,64})(?![A-Za-z0-9_-])/,
    secretGroup: 1,
    minEntropy: 3.5,
  },
  {
    id: 'slack-token',
    name: 'Slack token',
    description: 'A Slack bot, user, app or legacy token (xoxb-/xoxp-/xoxa-/xoxs-) is stored in the image.',
    severity: 'high',
    keywords: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxs-'],
    regex: /(?<![A-Za-z0-9])(xox[bpas]-[0-9]{8,14}-[0-9A-Za-z-]{8,100})(?![A-Za-z0-9-])/,
    secretGroup: 1,
    minEntropy: 3,
  },
  {
    id: 'slack-webhook',
    name: 'Slack incoming webhook',
    description: 'A Slack incoming-webhook URL (anyone holding it can post to the channel) is stored in the image.',
    severity: 'medium',
    keywords: ['hooks.slack.com'],
    regex: /(https:\/\/hooks\.slack\.com\/)((?:services|workflows)\/T[A-Z0-9]{6,12}\/[AB][A-Z0-9]{6,12}\/[A-Za-z0-9]{20,40})/,
    secretGroup: 2,
  },
  {
    id: 'npm-token',
    name: 'npm access token',
    description: 'An npm access token (npm_) is stored in the image.',
    severity: 'critical',
    keywords: ['npm_'],
    regex: /(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/,
    secretGroup: 1,
    minEntropy: 3.5,
  },
  {
    id: 'npmrc-auth',
    name: 'npm registry credential',
    description: 'An npm registry `_authToken`, `_auth` or `_password` is stored in the image (usually an .npmrc).',
    severity: 'high',
    keywords: ['_authtoken', '_auth', '_password'],
    regex: /(?:_authToken|_auth|_password)\s*=\s*["']?([^\s"'$]{8,512})/,
    secretGroup: 1,
    allow: PLACEHOLDER_VALUES,
  },
  {
    id: 'pypi-token',
    name: 'PyPI upload token',
    description: 'A PyPI or TestPyPI API token (pypi-AgEI…) is stored in the image.',
    severity: 'critical',
    keywords: ['pypi-age'],
    regex: /(?<![A-Za-z0-9_-])(pypi-AgE[IN][A-Za-z0-9_-]{50,512})(?![A-Za-z0-9_-])/,
    secretGroup: 1,
    minEntropy: 4,
  },
  {
    id: 'jwt',
    name: 'JSON Web Token',
    description: 'A signed JSON Web Token is stored in the image; it may still be valid as a bearer credential.',
    severity: 'medium',
    keywords: ['eyj'],
    regex: /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{10,4096}\.eyJ[A-Za-z0-9_-]{4,8192}\.[A-Za-z0-9_-]{16,4096})(?![A-Za-z0-9_-])/,
    secretGroup: 1,
    validate: isJwt,
  },
];
