import { compareStrings } from './compare-helpers.js';
import type { VersionComparator } from './types.js';

/**
 * Maven versions, parsed and ordered as Maven's `ComparableVersion` (maven-artifact, 3.9 / 4.x) does: `.` and `-`
 * separators, digit/letter transitions, qualifiers alpha < beta < milestone < rc = cr < snapshot < "" = ga = final
 * = release < sp < unknown (lexical), trailing "null" items dropped.
 */

/** Numbers keep Maven's int / long / BigInteger split: items of different width compare by width. */
interface NumberItem {
  kind: 'number';
  width: 0 | 1 | 2;
  value: bigint;
}
interface StringItem {
  kind: 'string';
  value: string;
}
interface CombinationItem {
  kind: 'combination';
  text: StringItem;
  number: NumberItem;
}
interface ListItem {
  kind: 'list';
  items: Item[];
}
type Item = NumberItem | StringItem | CombinationItem | ListItem;

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_QUALIFIERS = ['ga', 'final', 'release'];
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));
const ZERO: NumberItem = { kind: 'number', width: 0, value: 0n };

function numberItem(digits: string): NumberItem {
  const stripped = /^0*$/.test(digits) ? digits || '0' : digits.replace(/^0+/, '');
  const width = stripped.length <= 9 ? 0 : stripped.length <= 18 ? 1 : 2;
  return { kind: 'number', width, value: /^[0-9]+$/.test(stripped) ? BigInt(stripped) : 0n };
}

function stringItem(value: string, followedByDigit: boolean): StringItem {
  let v = value;
  if (followedByDigit && v.length === 1) v = ({ a: 'alpha', b: 'beta', m: 'milestone' } as Record<string, string>)[v] ?? v;
  return { kind: 'string', value: v === 'cr' ? 'rc' : v };
}

function combinationItem(value: string): CombinationItem {
  const firstDigit = value.search(/[0-9]/);
  const index = firstDigit < 0 ? 0 : firstDigit;
  return { kind: 'combination', text: stringItem(value.slice(0, index), true), number: numberItem(value.slice(index)) };
}

function parseItem(isCombination: boolean, isDigit: boolean, buf: string): Item {
  if (isCombination) return combinationItem(buf.replaceAll('-', ''));
  if (isDigit) return numberItem(buf);
  return stringItem(buf, false);
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case 'number':
      return item.value === 0n;
    case 'string':
      return item.value === '';
    case 'combination':
      return false;
    case 'list':
      return item.items.length === 0;
  }
}

/** ListItem.normalize: drops null items that end the list or stand before a qualifier. */
function normalize(list: ListItem): void {
  const items = list.items;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as Item;
    if (!isNull(item)) continue;
    const next = items[i + 1];
    if (next === undefined || next.kind === 'string') items.splice(i, 1);
    else if (next.kind === 'list') {
      const head = next.items[0];
      if (head !== undefined && (head.kind === 'combination' || head.kind === 'string')) items.splice(i, 1);
    }
  }
}

const isAsciiDigit = (c: string): boolean => c >= '0' && c <= '9';

/** ComparableVersion.parseVersion, step for step. */
export function parseMaven(input: string): ListItem {
  const version = input.toLowerCase();
  const root: ListItem = { kind: 'list', items: [] };
  let list = root;
  const stack: ListItem[] = [root];
  const push = (): void => {
    const next: ListItem = { kind: 'list', items: [] };
    list.items.push(next);
    list = next;
    stack.push(next);
  };
  let isDigit = false;
  let isCombination = false;
  let start = 0;
  for (let i = 0; i < version.length; i++) {
    const c = version.charAt(i);
    if (c === '.') {
      list.items.push(i === start ? ZERO : parseItem(isCombination, isDigit, version.slice(start, i)));
      isCombination = false;
      start = i + 1;
    } else if (c === '-') {
      if (i === start) list.items.push(ZERO);
      else {
        // X-1 is treated as X1.
        if (!isDigit && i !== version.length - 1 && /\p{Nd}/u.test(version.charAt(i + 1))) {
          isCombination = true;
          continue;
        }
        list.items.push(parseItem(isCombination, isDigit, version.slice(start, i)));
      }
      start = i + 1;
      if (list.items.length > 0) push();
      isCombination = false;
    } else if (isAsciiDigit(c)) {
      if (!isDigit && i > start) {
        isCombination = true;
        if (list.items.length > 0) push();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.items.push(parseItem(isCombination, true, version.slice(start, i)));
        start = i;
        push();
        isCombination = false;
      }
      isDigit = false;
    }
  }
  if (version.length > start) {
    // 1.0.0.X1 < 1.0.0-X2: a trailing .X is treated as -X.
    if (!isDigit && list.items.length > 0) push();
    list.items.push(parseItem(isCombination, isDigit, version.slice(start)));
  }
  while (stack.length > 0) normalize(stack.pop() as ListItem);
  return root;
}

function comparableQualifier(q: string): string {
  if (RELEASE_QUALIFIERS.includes(q)) return RELEASE_INDEX;
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function compareNumbers(a: NumberItem, b: NumberItem): number {
  if (a.width !== b.width) return a.width < b.width ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** Item.compareTo; `b` undefined is Java's `null` (the other list ran out). */
function compareItems(a: Item, b: Item | undefined): number {
  switch (a.kind) {
    case 'number':
      if (b === undefined) return a.value === 0n ? 0 : 1;
      return b.kind === 'number' ? compareNumbers(a, b) : 1;
    case 'string': {
      if (b === undefined) return compareStrings(comparableQualifier(a.value), RELEASE_INDEX);
      if (b.kind === 'string') return compareStrings(comparableQualifier(a.value), comparableQualifier(b.value));
      if (b.kind === 'combination') return compareItems(a, b.text) || -1;
      return -1;
    }
    case 'combination': {
      if (b === undefined) return compareItems(a.text, undefined);
      if (b.kind === 'string') return compareItems(a.text, b) || 1;
      if (b.kind === 'combination') return compareItems(a.text, b.text) || compareItems(a.number, b.number);
      return -1;
    }
    case 'list':
      if (b === undefined) {
        for (const item of a.items) {
          const result = compareItems(item, undefined);
          if (result !== 0) return result;
        }
        return 0;
      }
      if (b.kind === 'number') return -1;
      if (b.kind !== 'list') return 1;
      return compareLists(a, b);
  }
}

function compareLists(a: ListItem, b: ListItem): number {
  for (let i = 0; i < Math.max(a.items.length, b.items.length); i++) {
    const l = a.items[i];
    const r = b.items[i];
    const result = l === undefined ? (r === undefined ? 0 : -compareItems(r, undefined)) : compareItems(l, r);
    if (result !== 0) return result;
  }
  return 0;
}

export const mavenComparator: VersionComparator = {
  name: 'maven',
  ecosystems: ['Maven'],
  compare: (a, b) => compareLists(parseMaven(a), parseMaven(b)),
  // ComparableVersion accepts every string; an empty or blank one is not a version anyone publishes.
  isValid: (version) => version.trim() !== '' && !/\s/.test(version),
};
