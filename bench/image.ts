/**
 * Image scan benchmark: generates a multi-layer OCI archive (≥ 200 MB uncompressed, gzip layers: many small files,
 * medium files, big files streamed to clamd, a whiteout layer, a dpkg database and npm manifests) in a temp dir,
 * then, each in its own child process (so peak RSS is the scanner's own), in the same run:
 *   baseline   only decompressing and reading every entry of every layer (the reader's streamLayer, bodies drained)
 *   scan       scanImage without malware (apps + files)
 *   scan+av    scanImage with every analyzer, malware through a real clamd (Guardpost signatures only)
 * and prints each time relative to the baseline (goal ≤ 2.0× without malware) and its peak RSS (goal < 300 MB).
 *
 *   npm run bench:image -- [--mb 200] [--runs 1] [--keep] [--json FILE]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ClamdClient } from '../src/engines/antivirus/clamd-client.js';
import { ClamdSupervisor } from '../src/engines/antivirus/clamd-supervisor.js';
import { openImage } from '../src/engines/image/image.js';
import { ByteBudget, streamLayer } from '../src/engines/image/layer-stream.js';
import { scanImage } from '../src/engines/image/scan/scan-image.js';
import { buildImage, ociArchive, type EntrySpec, type LayerSpec } from '../test/engines/image/image-builder.js';
import { runBench } from './support/entry.js';
import { parseFlags, positiveInt, truthy } from './support/flags.js';
import { fmtMs, fmtNum, ratio } from './support/stats.js';

const USAGE = 'npm run bench:image -- [--mb 200] [--runs 1] [--keep] [--json FILE]';
const MiB = 1024 * 1024;
const run = promisify(execFile);
const SELF = fileURLToPath(import.meta.url);

interface ChildResult {
  ms: number;
  maxRssKb: number;
  bytes: number;
  rows?: Record<string, number>;
  problems?: string[];
}

/** Printable pseudo-random bytes (xorshift): compress like real binaries/text mixes, never match a signature. */
function bytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 0x20 + ((x >>> 0) % 90);
  }
  return out;
}

function layers(totalMb: number): LayerSpec[] {
  const quarter = Math.ceil((totalMb * MiB) / 4);
  const small = (prefix: string, seed: number, budget: number): EntrySpec[] => {
    const entries: EntrySpec[] = [];
    for (let i = 0, used = 0; used < budget; i++) {
      const size = 1024 + ((i * 7919) % 15360);
      entries.push({ name: `${prefix}/d${i % 97}/f${i}.txt`, content: bytes(seed + i, size) });
      used += size;
    }
    return entries;
  };
  const dpkg = Array.from({ length: 300 }, (_, i) => `Package: pkg${i}\nStatus: install ok installed\nVersion: 1.${i}-1\nArchitecture: amd64\n`).join('\n');
  const lists = Array.from({ length: 300 }, (_, i) => ({ name: `var/lib/dpkg/info/pkg${i}.list`, content: `/.\n/usr/share/base/d${i % 97}/f${i}.txt\n` }));
  const npm = Array.from({ length: 200 }, (_, i) => ({ name: `app/node_modules/mod${i}/package.json`, content: JSON.stringify({ name: `mod${i}`, version: `1.0.${i}` }) }));
  return [
    {
      createdBy: '/bin/sh -c #(nop) ADD file:base in / ',
      entries: [
        { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n' },
        { name: 'var/lib/dpkg/status', content: dpkg },
        ...lists,
        ...small('usr/share/base', 1, quarter),
      ],
    },
    { createdBy: '/bin/sh -c make install', entries: Array.from({ length: Math.ceil(quarter / (512 * 1024)) }, (_, i) => ({ name: `opt/lib/m${i}.so`, content: bytes(100_000 + i, 512 * 1024), mode: 0o755 })) },
    { createdBy: '/bin/sh -c curl -o /data/blob', entries: Array.from({ length: Math.ceil(quarter / (10 * MiB)) }, (_, i) => ({ name: `data/blob${i}.bin`, content: bytes(200_000 + i, 10 * MiB) })) },
    {
      createdBy: '/bin/sh -c npm ci && rm -rf /usr/share/base/d1',
      entries: [{ name: 'usr/share/base/.wh.d1' }, ...npm, ...small('app/src', 300_000, quarter)],
    },
  ];
}

function peakRssKb(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : process.resourceUsage().maxRSS;
}

/** Child modes: generate | baseline | scan (argv: mode, archive/dir, socket or ''). */
async function child(mode: string, target: string, extra: string): Promise<void> {
  if (mode === 'generate') {
    const built = await buildImage(layers(Number(extra)));
    await ociArchive(built, target);
    process.stdout.write(`${JSON.stringify({ ms: 0, maxRssKb: peakRssKb(), bytes: built.layers.reduce((n, l) => n + l.tar.length, 0) })}\n`);
    return;
  }
  const started = performance.now();
  let result: ChildResult;
  if (mode === 'baseline') {
    const image = await openImage(target);
    const budget = new ByteBudget(image.limits.maxUncompressedBytes);
    let total = 0;
    for (const layer of image.layers) {
      const { bytes: n } = await streamLayer(image.files, layer, image.limits, budget, async (_header, body) => {
        for await (const chunk of body) void chunk;
      });
      total += n;
    }
    result = { ms: performance.now() - started, maxRssKb: 0, bytes: total };
  } else {
    const client = extra === '' ? null : new ClamdClient({ socketPath: extra });
    const report = await scanImage(target, client ? { clamd: () => Promise.resolve(client) } : { reportTypes: ['apps', 'files'] });
    const rows = Object.fromEntries(Object.entries(report.rows).map(([k, v]) => [k, v.length]));
    result = { ms: performance.now() - started, maxRssKb: 0, bytes: report.stats.bytes, rows, problems: report.problems.map((p) => `${p.type}: ${p.message}`) };
  }
  process.stdout.write(`${JSON.stringify({ ...result, maxRssKb: peakRssKb() })}\n`);
}

async function inChild(args: string[]): Promise<ChildResult> {
  const { stdout } = await run(process.execPath, [SELF, '--child', ...args], { maxBuffer: 16 * MiB, timeout: 30 * 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ChildResult;
}

let work: string | undefined;
let supervisor: ClamdSupervisor | null = null;
let keep = false;

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), { booleans: ['--keep'], values: ['--mb', '--runs', '--json'] }, USAGE);
  const mb = positiveInt('--mb', flags.get('--mb') ?? '200');
  const runs = positiveInt('--runs', flags.get('--runs') ?? '1');
  keep = truthy(flags.get('--keep'));
  work = mkdtempSync(path.join(tmpdir(), 'gp-bench-image-'));
  const archive = path.join(work, 'image.oci.tar');
  const generated = performance.now();
  await inChild(['generate', archive, String(mb)]);
  console.log(`generated ${archive} in ${fmtMs(performance.now() - generated)}`);
  supervisor = new ClamdSupervisor({ workDir: path.join(work, 'clamd'), officialDatabaseDir: null, limits: { maxFileSize: 64 * MiB, maxThreads: 2 } });
  await supervisor.start();
  const best = async (args: string[]): Promise<ChildResult> => {
    let chosen: ChildResult | null = null;
    for (let i = 0; i < runs; i++) {
      const r = await inChild(args);
      if (!chosen || r.ms < chosen.ms) chosen = r;
    }
    return chosen as ChildResult;
  };
  await inChild(['baseline', archive, '']); // warms the page cache
  const baseline = await best(['baseline', archive, '']);
  const scan = await best(['scan', archive, '']);
  const av = await best(['scan', archive, supervisor.socketPath]);
  const line = (name: string, r: ChildResult): string =>
    `${name.padEnd(10)} ${fmtMs(r.ms).padStart(12)} ${ratio(r.ms, baseline.ms).padStart(8)} ${fmtNum(r.maxRssKb / 1024, 0).padStart(8)} MB  ${r.rows ? JSON.stringify(r.rows) : ''}`;
  console.log(`image: ${fmtNum(baseline.bytes / MiB, 1)} MiB uncompressed in 4 layers (best of ${runs})`);
  console.log(`${'run'.padEnd(10)} ${'time'.padStart(12)} ${'vs base'.padStart(8)} ${'peak RSS'.padStart(11)}`);
  console.log(line('baseline', baseline));
  console.log(line('scan', scan));
  console.log(line('scan+av', av));
  for (const p of [...(scan.problems ?? []), ...(av.problems ?? [])]) console.log(`problem: ${p}`);
  const goals = { timeRatio: scan.ms / baseline.ms, timeRatioWithMalware: av.ms / baseline.ms, peakRssMb: Math.max(scan.maxRssKb, av.maxRssKb) / 1024 };
  console.log(`goals: scan ≤ 2.0× baseline: ${goals.timeRatio <= 2 ? 'met' : 'NOT met'} (${goals.timeRatio.toFixed(2)}×); peak RSS < 300 MB: ${goals.peakRssMb < 300 ? 'met' : 'NOT met'} (${goals.peakRssMb.toFixed(0)} MB)`);
  const json = flags.get('--json');
  if (json) writeFileSync(json, JSON.stringify({ mb, baseline, scan, av, goals }, null, 2));
  await cleanup();
  return 0;
}

async function cleanup(): Promise<void> {
  await supervisor?.stop();
  supervisor = null;
  if (work && !keep) rmSync(work, { recursive: true, force: true });
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as string, process.argv[4] as string, process.argv[5] ?? '');
} else {
  runBench(main, cleanup, () => work);
}
