import type { VersionComparator } from './types.js';

/**
 * Alpine package versions, ordered as apk-tools' version.c orders them: digit groups, one letter after digits,
 * `_alpha|_beta|_pre|_rc` (before the plain version) and `_cvs|_svn|_git|_hg|_p` (after it), then `-rN`.
 */

/** Token kinds in apk-tools' order; a kind may only follow a lower one except for the listed back-steps. */
const enum Token {
  Invalid = -1,
  DigitOrZero = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  RevisionNo = 5,
  End = 6,
}

const PRE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'];
const POST_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'];

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';

/** A cursor over one version string and the kind of the token it stands before. */
class Cursor {
  pos = 0;
  type: Token = Token.Digit;
  constructor(private readonly s: string) {}

  /** The value of the token at the cursor, without moving it. */
  peek(): number {
    const copy = new Cursor(this.s);
    copy.pos = this.pos;
    copy.type = this.type;
    return copy.getToken();
  }

  private get rest(): number {
    return this.s.length - this.pos;
  }

  /** apk's next_token: classifies what follows and consumes the separator. */
  private nextToken(): void {
    let n = Token.Invalid;
    const c = this.s[this.pos];
    if (this.rest <= 0) {
      n = Token.End;
    } else if ((this.type === Token.Digit || this.type === Token.DigitOrZero) && isLower(c)) {
      n = Token.Letter;
    } else if (this.type === Token.Letter && isDigit(c)) {
      n = Token.Digit;
    } else if (this.type === Token.Suffix && isDigit(c)) {
      n = Token.SuffixNo;
    } else {
      if (c === '.') n = Token.DigitOrZero;
      else if (c === '_') n = Token.Suffix;
      else if (c === '-' && this.s[this.pos + 1] === 'r') {
        n = Token.RevisionNo;
        this.pos++;
      }
      this.pos++;
    }
    if (n < this.type) {
      const allowed =
        (n === Token.DigitOrZero && this.type === Token.Digit) ||
        (n === Token.Suffix && this.type === Token.SuffixNo) ||
        (n === Token.Digit && this.type === Token.Letter);
      if (!allowed) n = Token.Invalid;
    }
    this.type = n;
  }

  /** apk's get_token: the value of the token at the cursor, then moves to the next one. */
  getToken(): number {
    if (this.rest <= 0) {
      this.type = Token.End;
      return 0;
    }
    let value = 0;
    let length = 0;
    let forced: Token = Token.Invalid;
    const s = this.s;
    const at = this.pos;
    switch (this.type) {
      case Token.DigitOrZero:
      case Token.Digit:
      case Token.SuffixNo:
      case Token.RevisionNo:
        if (this.type === Token.DigitOrZero && s[at] === '0') {
          // Leading zeros after a dot: `1.01` sorts below `1.1`, and more zeros sort lower.
          while (s[at + length] === '0') length++;
          forced = Token.Digit;
          value = -length;
          break;
        }
        while (isDigit(s[at + length])) {
          value = value * 10 + (s.charCodeAt(at + length) - 48);
          length++;
        }
        break;
      case Token.Letter:
        value = s.charCodeAt(at);
        length = 1;
        break;
      case Token.Suffix: {
        const pre = PRE_SUFFIXES.findIndex((x) => s.startsWith(x, at));
        if (pre >= 0) {
          value = pre - PRE_SUFFIXES.length;
          length = PRE_SUFFIXES[pre]?.length ?? 0;
          break;
        }
        const post = POST_SUFFIXES.findIndex((x) => s.startsWith(x, at));
        if (post >= 0) {
          value = post;
          length = POST_SUFFIXES[post]?.length ?? 0;
          break;
        }
        this.type = Token.Invalid;
        return -1;
      }
      default:
        this.type = Token.Invalid;
        return -1;
    }
    this.pos += length;
    if (this.rest <= 0) this.type = Token.End;
    else if (forced !== Token.Invalid) this.type = forced;
    else this.nextToken();
    return value;
  }
}

/** apk_version_compare without the fuzzy mode: returns -1, 0 or 1. */
function compare(a: string, b: string): number {
  const x = new Cursor(a);
  const y = new Cursor(b);
  let av = 0;
  let bv = 0;
  // Every token or two consumes a character, so the loop is bounded by the input lengths.
  const bound = 2 * (a.length + b.length) + 4;
  for (let steps = 0; steps < bound && x.type === y.type && x.type !== Token.End && x.type !== Token.Invalid && av === bv; steps++) {
    av = x.getToken();
    bv = y.getToken();
  }
  if (av !== bv) return av < bv ? -1 : 1;
  if (x.type === y.type) return 0;
  // Equal so far: the longer one is newer, unless what it has left is a pre-release suffix.
  if (x.type === Token.Suffix && x.peek() < 0) return -1;
  if (y.type === Token.Suffix && y.peek() < 0) return 1;
  if (x.type > y.type) return -1;
  if (y.type > x.type) return 1;
  return 0;
}

/**
 * apk_version_validate (tokens all the way to the end without an invalid one), plus apk-tools 3's requirement that
 * a version is non-empty and starts with a digit (2.x's tokenizer lets `` and `a1` through).
 */
function isValid(version: string): boolean {
  if (!isDigit(version[0])) return false;
  const cursor = new Cursor(version);
  let steps = 0;
  while (cursor.type !== Token.End && cursor.type !== Token.Invalid && steps++ <= 2 * version.length + 2) cursor.getToken();
  return cursor.type === Token.End;
}

export const apkComparator: VersionComparator = {
  name: 'apk',
  ecosystems: ['Alpine', 'Chainguard', 'Wolfi'],
  compare,
  isValid,
};
