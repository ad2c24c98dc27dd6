import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Loads the shared version vectors (../shared/data/version-vectors/); not a test file itself. */

/** /work/shared/data/version-vectors, resolved from dist/test/engines/versions at run time. */
export const VECTORS_DIR = fileURLToPath(new URL('../../../../../shared/data/version-vectors/', import.meta.url));

export interface Vector {
  line: number;
  a: string;
  b: string;
  /** The expected sign of compare(a, b). */
  expected: -1 | 0 | 1;
}

/** Reads one vector file's lines; throws (failing the test) with the path when it is missing. */
export function readLines(name: string): string[] {
  const path = `${VECTORS_DIR}${name}`;
  if (!existsSync(path)) {
    throw new Error(`version vector file ${path} is missing: these tests need ../shared/data/version-vectors/ next to the repo`);
  }
  return readFileSync(path, 'utf8').split('\n');
}

function toSign(text: string, where: string): -1 | 0 | 1 {
  if (text === '-1' || text === '<') return -1;
  if (text === '0' || text === '=') return 0;
  if (text === '1' || text === '>') return 1;
  throw new Error(`${where}: unexpected result ${JSON.stringify(text)}`);
}

/** dpkg.txt: `a b r`, space separated. */
export function dpkgVectors(): Vector[] {
  return parse('dpkg.txt', (line, where) => {
    const [a, b, r, ...extra] = line.split(' ');
    if (a === undefined || b === undefined || r === undefined || extra.length > 0) throw new Error(`${where}: not "a b r"`);
    return { a, b, expected: toSign(r, where) };
  });
}

/** rpm.txt: `a<TAB>r<TAB>b`; either side may be empty. */
export function rpmVectors(): Vector[] {
  return parse('rpm.txt', (line, where) => {
    const [a, r, b, ...extra] = line.split('\t');
    if (a === undefined || b === undefined || r === undefined || extra.length > 0) throw new Error(`${where}: not "a\\tr\\tb"`);
    return { a, b, expected: toSign(r, where) };
  });
}

/** apk.txt: `a OP b` with OP one of `<`, `=`, `>`. */
export function apkVectors(): Vector[] {
  return parse('apk.txt', (line, where) => {
    const [a, op, b, ...extra] = line.split(' ');
    if (a === undefined || b === undefined || op === undefined || extra.length > 0) throw new Error(`${where}: not "a OP b"`);
    return { a, b, expected: toSign(op, where) };
  });
}

function parse(name: string, parseLine: (line: string, where: string) => Omit<Vector, 'line'>): Vector[] {
  const vectors: Vector[] = [];
  readLines(name).forEach((line, index) => {
    if (line === '') return;
    vectors.push({ line: index + 1, ...parseLine(line, `${name}:${index + 1}`) });
  });
  if (vectors.length === 0) throw new Error(`${name} has no vectors`);
  return vectors;
}
