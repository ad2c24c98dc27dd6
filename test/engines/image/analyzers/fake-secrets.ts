/**
 * Builds realistic-looking fake credentials at run time, so the repository never holds a committed string
 * that secret scanners would flag: prefixes are split, bodies come from a seeded generator.
 */

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const ALNUM = UPPER + LOWER + DIGITS;
export const UPPER_ALNUM = UPPER + DIGITS;
export const BASE64 = ALNUM + '+/';
export const BASE64URL = ALNUM + '-_';

/** Deterministic pseudo-random characters (mulberry32) from `charset`. */
export function chars(charset: string, length: number, seed = 1): string {
  let state = seed >>> 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out += charset[Math.floor(r * charset.length)];
  }
  return out;
}

/** `-----BEGIN <kind>PRIVATE KEY-----` … END, with a random base64 body of `lines` lines. */
export function fakePrivateKey(kind = 'RSA ', lines = 4, seed = 7): string {
  const dashes = '-'.repeat(5);
  const label = `${kind}PRIV` + 'ATE KEY';
  const body = Array.from({ length: lines }, (_, i) => chars(BASE64, 64, seed + i)).join('\n');
  return `${dashes}BEGIN ${label}${dashes}\n${body}\n${dashes}END ${label}${dashes}\n`;
}

export const fake = {
  awsKeyId: (seed = 3) => ['AK', 'IA'].join('') + chars(UPPER_ALNUM, 16, seed),
  awsSecret: (seed = 4) => chars(BASE64, 40, seed),
  huaweiAk: (seed = 5) => 'HP' + chars(UPPER_ALNUM, 18, seed),
  huaweiSk: (seed = 6) => chars(ALNUM, 40, seed),
  azureKey: (seed = 8) => chars(BASE64, 86, seed) + '==',
  github: (seed = 9) => ['gh', 'p_'].join('') + chars(ALNUM, 36, seed),
  githubPat: (seed = 10) => ['github', '_pat_'].join('') + chars(ALNUM, 22, seed) + '_' + chars(ALNUM, 59, seed + 1),
  gitlab: (seed = 11) => ['gl', 'pat-'].join('') + chars(ALNUM, 20, seed),
  slack: (seed = 12) => ['xo', 'xb-'].join('') + chars(DIGITS, 12, seed) + '-' + chars(DIGITS, 13, seed + 1) + '-' + chars(ALNUM, 24, seed + 2),
  slackWebhook: (seed = 13) =>
    ['https://hooks.', 'slack.com/services/'].join('') + 'T' + chars(UPPER_ALNUM, 8, seed) + '/B' + chars(UPPER_ALNUM, 8, seed + 1) + '/' + chars(ALNUM, 24, seed + 2),
  npm: (seed = 14) => ['np', 'm_'].join('') + chars(ALNUM, 36, seed),
  pypi: (seed = 15) => ['pypi-', 'AgEIcHlwaS5vcmc'].join('') + chars(BASE64URL, 70, seed),
  jwt: (seed = 16) => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return [part({ alg: 'HS256', typ: 'JWT' }), part({ sub: 'user-' + chars(DIGITS, 6, seed), iat: 1700000000 }), chars(BASE64URL, 43, seed + 1)].join('.');
  },
  password: (seed = 17) => 'Pw' + chars(ALNUM, 14, seed),
};
