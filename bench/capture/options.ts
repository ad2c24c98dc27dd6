import { parseFlags, positiveInt, truthy } from '../support/flags.js';

// ---------------------------------------------------------------------------------------------- options

export interface Options {
  rates: number[];
  stepSeconds: number;
  senders: number | undefined;
  latencyRuns: number;
  probePackets: number;
  settleMs: number;
  jsonFile: string | undefined;
  quick: boolean;
}

export const USAGE = `usage: node dist/bench/capture.js [options]
  --quick               rates 1000,10000 and 2 latency runs (smoke run)
  --rates A,B,…         target packet rates per second (default 1000,10000,50000,100000; env BENCH_CAPTURE_RATES)
  --step-seconds S      packets per step = rate × S (default 2; rate × S ≤ 1,000,000)
  --senders K           UDP sender processes per step (default 1, 2 from 200,000 pkt/s)
  --latency-runs N      create→first packet / end→download measurements (default 5)
  --probe-packets P     max_packets of a latency capture (probes every 10 ms; default 50)
  --settle-ms MS        pause between "capture is running" and the blast (default 250)
  --json FILE           also write the figures as JSON`;

export const CAPTURE_DEADLINE_SLACK_MS = 2000;
export const PROBE_INTERVAL_MS = 10;
export const MAX_PCAP_BYTES = 2 * 1024 * 1024 * 1024; // src/agent/handlers/capture.ts passes the same cap
export const GOAL_RATE = 100_000;
export const GOAL_FIRST_PACKET_MS = 1000;
export const GOAL_DOWNLOADABLE_MS = 2000;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags = parseFlags(argv, { booleans: ['--quick'], values: ['--rates', '--step-seconds', '--senders', '--latency-runs', '--probe-packets', '--settle-ms', '--json'] }, USAGE);
  const quick = truthy(flags.get('--quick')) || truthy(env.BENCH_QUICK);
  const ratesRaw = flags.get('--rates') ?? env.BENCH_CAPTURE_RATES;
  const rates = ratesRaw ? ratesRaw.split(',').map((r) => positiveInt('--rates', r.trim())) : quick ? [1000, 10_000] : [1000, 10_000, 50_000, 100_000];
  const stepSeconds = flags.has('--step-seconds') ? positiveInt('--step-seconds', flags.get('--step-seconds')) : 2;
  for (const rate of rates) {
    if (rate * stepSeconds > 1_000_000) throw new Error(`rate ${rate} × ${stepSeconds} s exceeds max_packets 1,000,000; lower --step-seconds`);
  }
  const probePackets = flags.has('--probe-packets') ? positiveInt('--probe-packets', flags.get('--probe-packets')) : 50;
  return {
    rates, stepSeconds, probePackets,
    senders: flags.has('--senders') ? positiveInt('--senders', flags.get('--senders')) : undefined,
    latencyRuns: flags.has('--latency-runs') ? positiveInt('--latency-runs', flags.get('--latency-runs')) : quick ? 2 : 5,
    settleMs: flags.has('--settle-ms') ? Number(flags.get('--settle-ms')) : 250,
    jsonFile: flags.get('--json'),
    quick,
  };
}

