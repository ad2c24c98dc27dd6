/**
 * Summarises a `node --cpu-prof` profile: self time by function and by package/file, and inclusive time of
 * Guardpost's own functions. Usage: node dist/bench/support/cpuprofile-summary.js FILE.cpuprofile [top] [skip-seconds]
 */
import fs from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const [file, topRaw, skipRaw] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpuprofile-summary FILE.cpuprofile [top] [skip-seconds]');
  process.exit(2);
}
const top = Number(topRaw ?? 30);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Optionally ignore the first `skip-seconds` (start-up, enrollment) to look at the load phase alone.
const skipUs = Number(skipRaw ?? 0) * 1e6;
const selfUs = new Map<number, number>();
let at = profile.startTime;
let totalUs = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  if (at - profile.startTime < skipUs) return;
  totalUs += delta;
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});

const shortUrl = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, 'nm:').replace(/^.*\/dist\//, '');
const label = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
const area = (f: CallFrame) => {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (nm) return nm[1] as string;
  if (f.url.startsWith('node:')) return f.url;
  return shortUrl(f.url);
};

function tally(key: (f: CallFrame) => string): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const k = key((byId.get(id) as ProfileNode).callFrame);
    sums.set(k, (sums.get(k) ?? 0) + us);
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}

// Inclusive time per Guardpost function (src/): each sample counts once per distinct frame on its stack.
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = (byId.get(cur) as ProfileNode).callFrame;
    if (!f.url.includes('/dist/src/')) continue;
    const k = label(f);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)} %`;
console.log(`profile ${(totalUs / 1e6).toFixed(1)} s wall (after skipping ${skipUs / 1e6} s)`);
console.log('\nself time by package / file');
for (const [k, us] of tally(area).slice(0, top)) console.log(`${pct(us)}  ${k}`);
console.log('\nself time by function');
for (const [k, us] of tally(label).slice(0, top)) console.log(`${pct(us)}  ${k}`);
console.log('\ninclusive time of Guardpost functions');
for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`);
