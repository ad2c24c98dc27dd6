import { constants } from 'node:fs';

/** `ls -l` style mode text (`-rw-r--r--`), as HSS shows `file_attr`. */
export function fileModeText(mode: number): string {
  const type = (mode & constants.S_IFMT) === constants.S_IFDIR ? 'd' : (mode & constants.S_IFMT) === constants.S_IFLNK ? 'l' : '-';
  const bits = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'].map((ch, i) => ((mode >> (8 - i)) & 1 ? ch : '-'));
  if (mode & 0o4000) bits[2] = bits[2] === 'x' ? 's' : 'S';
  if (mode & 0o2000) bits[5] = bits[5] === 'x' ? 's' : 'S';
  if (mode & 0o1000) bits[8] = bits[8] === 'x' ? 't' : 'T';
  return type + bits.join('');
}
