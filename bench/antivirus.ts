/**
 * Antivirus benchmark (issue #10): one generated tree (≥ 20,000 files, ≥ 500 MB: small text and binary files, a few
 * MB-size files, markers assembled at run time) and ONE clamd (the engine's ClamdSupervisor on Guardpost's
 * signatures). In the same run the tree is scanned by `clamdscan --multiscan --fdpass` against that clamd (the
 * baseline) and by a Guardpost custom antivirus task through the real server and a real `guardpost agent` process
 * using that same clamd (`--av-socket`), timed from CreateAntiVirusTask to the host's terminal state. Prints files/s,
 * MB/s, the ratio (goal ≥ 0.9 of clamdscan) and the agent's peak RSS; both must find exactly the markers.
 * See bench/README.md.
 *
 *   npm run bench:antivirus -- [--small-files 20000] [--large-files 40] [--large-mib 8] [--rounds 2] [--threads 4] [--keep]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClamdSupervisor } from '../src/engines/antivirus/clamd-supervisor.js';
import { startTestServer, type TestServer } from '../test/helpers/server.js';
import { generateTree, type BenchTree } from './antivirus/tree.js';
import { runClamdscan, runGuardpostTask, startAgent, type AgentProcess, type ScanRun } from './antivirus/runs.js';
import { runBench } from './support/entry.js';
import { parseFlags, positiveInt, truthy } from './support/flags.js';
import { fmtNum } from './support/stats.js';

const USAGE = 'npm run bench:antivirus -- [--small-files 20000] [--large-files 40] [--large-mib 8] [--rounds 2] [--threads 4] [--keep]';
const GOAL = 0.9;

let temp: string | undefined;
let clamdDir: string | undefined;
let supervisor: ClamdSupervisor | undefined;
let server: TestServer | undefined;
let agent: AgentProcess | undefined;
let keep = false;

async function cleanup(): Promise<void> {
  await agent?.stop().catch(() => undefined);
  await server?.close().catch(() => undefined);
  await supervisor?.stop().catch(() => undefined);
  if (clamdDir) fs.rmSync(clamdDir, { recursive: true, force: true });
  if (temp && !keep) fs.rmSync(temp, { recursive: true, force: true });
}

function rates(tree: BenchTree, seconds: number): string {
  return `${seconds.toFixed(2)} s, ${fmtNum(tree.files / seconds)} files/s, ${fmtNum(tree.bytes / 1e6 / seconds, 1)} MB/s`;
}

function sameMarkers(tree: BenchTree, run: ScanRun): string | null {
  const got = [...run.found.keys()].sort();
  const want = [...tree.markers].sort();
  return JSON.stringify(got) === JSON.stringify(want) ? null : `found ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), { booleans: ['--keep'], values: ['--small-files', '--large-files', '--large-mib', '--rounds', '--threads'] }, USAGE);
  const smallFiles = positiveInt('--small-files', flags.get('--small-files') ?? '20000');
  const largeFiles = positiveInt('--large-files', flags.get('--large-files') ?? '40');
  const largeMiB = positiveInt('--large-mib', flags.get('--large-mib') ?? '8');
  const rounds = positiveInt('--rounds', flags.get('--rounds') ?? '2');
  const threads = positiveInt('--threads', flags.get('--threads') ?? '4');
  keep = truthy(flags.get('--keep'));
  if (smallFiles > 500_000 || largeFiles > 1000 || largeMiB > 256 || rounds > 10 || threads > 64) throw new Error(`limits: 500,000 small files, 1,000 large files of at most 256 MiB, 10 rounds, 64 threads\n${USAGE}`);

  temp = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-av-'));
  const generatedAt = Date.now();
  const tree = await generateTree(path.join(temp, 'tree'), { smallFiles, largeFiles, largeMiB });
  console.log(`tree                      ${fmtNum(tree.files)} files, ${fmtNum(tree.bytes / 1e6, 1)} MB, ${tree.markers.size} markers (generated in ${((Date.now() - generatedAt) / 1000).toFixed(1)} s)`);

  // clamd in a directory AppArmor lets it use (the supervisor's note), on Guardpost's signatures only.
  const workDir = fs.mkdtempSync('/tmp/gp-bench-clamd-');
  clamdDir = workDir;
  supervisor = new ClamdSupervisor({ workDir, officialDatabaseDir: null, limits: { maxThreads: threads } });
  await supervisor.start();
  console.log(`clamd                     pid ${supervisor.pid}, MaxThreads ${threads}, socket ${supervisor.socketPath}`);
  server = await startTestServer();
  agent = await startAgent(server, path.join(temp, 'agent'), supervisor.socketPath);

  let failures = 0;
  let best = { clamdscan: Infinity, guardpost: Infinity };
  for (let round = 1; round <= rounds; round++) {
    const baseline = await runClamdscan(path.join(workDir, 'clamd.conf'), tree.root);
    const task = await runGuardpostTask(server, agent, tree.root, `bench round ${round}`);
    best = { clamdscan: Math.min(best.clamdscan, baseline.seconds), guardpost: Math.min(best.guardpost, task.seconds) };
    const markerProblems = [sameMarkers(tree, baseline), sameMarkers(tree, task)];
    const countProblem = task.scanFileNum === tree.files && task.virusNum === tree.markers.size ? null
      : `scan_file_num ${task.scanFileNum} (expected ${tree.files}), virus_num ${task.virusNum} (expected ${tree.markers.size})`;
    console.log(`round ${round}`);
    console.log(`  clamdscan --multiscan --fdpass   ${rates(tree, baseline.seconds)}${markerProblems[0] ? ` — MISMATCH: ${markerProblems[0]}` : ''}`);
    console.log(`  guardpost custom task            ${rates(tree, task.seconds)}; agent CPU ${task.agentCpuSeconds.toFixed(1)} s${markerProblems[1] ? ` — MISMATCH: ${markerProblems[1]}` : ''}${countProblem ? ` — ${countProblem}` : ''}`);
    console.log(`  ratio guardpost / clamdscan      ${(baseline.seconds / task.seconds).toFixed(2)} (throughput; goal ≥ ${GOAL})`);
    console.log(`  agent peak RSS                   ${task.agentPeakRssMiB.toFixed(0)} MiB`);
    failures += markerProblems.filter(Boolean).length + (countProblem ? 1 : 0);
  }
  const ratio = best.clamdscan / best.guardpost;
  console.log(`best of ${rounds}: clamdscan ${rates(tree, best.clamdscan)}; guardpost ${rates(tree, best.guardpost)}; ratio ${ratio.toFixed(2)} — goal ≥ ${GOAL}: ${ratio >= GOAL ? 'met' : 'MISSED'}`);
  if (keep) console.log(`kept ${temp}`);
  return failures === 0 && ratio >= GOAL ? 0 : 1;
}

runBench(async () => {
  try {
    return await main();
  } finally {
    await cleanup();
  }
}, cleanup, () => temp);
