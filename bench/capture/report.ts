import { fmtNum } from '../support/stats.js';
import { GOAL_DOWNLOADABLE_MS, GOAL_FIRST_PACKET_MS, GOAL_RATE, PROBE_INTERVAL_MS } from './options.js';

export interface SideFigures {
  sent: number;
  achievedRate: number;
  sendErrors: number;
  senderTimedOut: boolean;
  captured: number;
  kernelDrops: number | null;
  stopReason: string;
  /** Capture tool spawn (runner start) → pcap header written, ms. */
  toolStartMs: number;
}

export interface RateRow { rate: number; count: number; guardpost: SideFigures; bare: SideFigures }

export interface LatencyRow {
  /** All in ms. create* are relative to the moment the CreateCaptureTask request was sent. */
  createResponseMs: number;
  claimMs: number;
  runnerStartMs: number;
  capturingMs: number;
  firstProbeSentMs: number;
  firstPacketMs: number;
  /** job result ended_at → job finished on the server (agent uploaded the pcap and reported). */
  endToJobFinishedMs: number;
  /** job result ended_at → ListCaptureTask shows a final status. */
  endToStatusMs: number;
  /** job result ended_at → ListCaptureResult answered and the pcap is downloaded. */
  endToDownloadedMs: number;
  /** last captured packet (pcap timestamp) → pcap downloaded. */
  lastPacketToDownloadedMs: number;
  packets: number;
  stopReason: string;
}

// --------------------------------------------------------------------------------------------- reporting

export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

export const maxOf = (values: number[]): number => {
  const v = values.filter(Number.isFinite);
  return v.length ? Math.max(...v) : NaN;
};
export const ms = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'n/a');
export const drops = (value: number | null): string => (value === null ? 'n/a' : fmtNum(value));

export function printRates(rows: RateRow[]): void {
  const widths = [11, 10, 10, 13, 12, 10, 12, 11, 26];
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? `  ${c}` : c.padStart(widths[i] as number))).join('');
  console.log('');
  console.log('Capture completeness (each side gets its own blast of the same shape; captured counts come from the pcap):');
  console.log(line(['target/s', 'side', 'sent', 'achieved/s', 'captured', 'capt/sent', 'kern drops', 'start ms', 'stop']));
  for (const r of rows) {
    for (const [label, s] of [['guardpost', r.guardpost], ['bare', r.bare]] as const) {
      console.log(line([
        label === 'guardpost' ? fmtNum(r.rate) : '', label, fmtNum(s.sent), fmtNum(s.achievedRate), fmtNum(s.captured),
        s.sent > 0 ? (s.captured / s.sent).toFixed(3) : 'n/a', drops(s.kernelDrops), fmtNum(s.toolStartMs),
        `${s.stopReason}${s.sendErrors ? `; ${s.sendErrors} send errors` : ''}${s.senderTimedOut ? '; sender gave up (rate not reached)' : ''}`,
      ]));
    }
    const ratio = r.bare.captured > 0 ? (r.guardpost.captured / r.bare.captured).toFixed(3) : 'n/a';
    console.log(`${''.padStart(11)}  ratio guardpost/bare captured: ${ratio}`);
  }
  console.log('(start ms: capture tool spawned → pcap header written; the blast starts after that plus the settle pause)');
}

export function verdictRates(rows: RateRow[]): string[] {
  const lines: string[] = [];
  const upTo = rows.filter((r) => r.rate <= GOAL_RATE);
  const complete = (s: SideFigures) => s.captured === s.sent && s.kernelDrops === 0;
  const gpOk = upTo.every((r) => complete(r.guardpost) && r.guardpost.captured === r.bare.captured);
  const reached = Math.max(0, ...rows.map((r) => Math.min(r.guardpost.achievedRate, r.bare.achievedRate)).filter(Number.isFinite));
  lines.push(`goal ratio 1.00 with zero kernel drops up to ${fmtNum(GOAL_RATE)} pkt/s: ${gpOk ? 'MET' : 'NOT MET'} for the rates run` +
    ` (highest rate actually achieved by the senders: ${fmtNum(reached)} pkt/s${reached < GOAL_RATE * 0.95 ? ' — below the goal rate, see the achieved column' : ''})`);
  for (const r of upTo) {
    for (const [label, s] of [['guardpost', r.guardpost], ['bare', r.bare]] as const) {
      if (!complete(s)) {
        lines.push(`  ${fmtNum(r.rate)}/s ${label}: captured ${fmtNum(s.captured)} of ${fmtNum(s.sent)} sent, kernel drops ${drops(s.kernelDrops)}`);
      }
    }
  }
  return lines;
}

export function printLatency(rows: LatencyRow[]): void {
  console.log('');
  console.log(`Latency (${rows.length} runs; probes every ${PROBE_INTERVAL_MS} ms from the moment CreateCaptureTask returned; all times from sending CreateCaptureTask):`);
  const cols: Array<[string, (r: LatencyRow) => number]> = [
    ['create resp', (r) => r.createResponseMs],
    ['job claimed', (r) => r.claimMs],
    ['runner start', (r) => r.runnerStartMs],
    ['capturing', (r) => r.capturingMs],
    ['1st probe', (r) => r.firstProbeSentMs],
    ['1st packet', (r) => r.firstPacketMs],
    ['end→job done', (r) => r.endToJobFinishedMs],
    ['end→status', (r) => r.endToStatusMs],
    ['end→download', (r) => r.endToDownloadedMs],
    ['last pkt→dl', (r) => r.lastPacketToDownloadedMs],
  ];
  const w = 13;
  console.log(['run'.padStart(5), ...cols.map(([name]) => name.padStart(w)), '  packets / stop'].join(''));
  rows.forEach((r, i) => console.log([String(i + 1).padStart(5), ...cols.map(([, f]) => ms(f(r)).padStart(w)), `  ${r.packets} / ${r.stopReason}`].join('')));
  console.log(['median'.padStart(5), ...cols.map(([, f]) => ms(median(rows.map(f))).padStart(w))].join(''));
  console.log(['max'.padStart(5), ...cols.map(([, f]) => ms(maxOf(rows.map(f))).padStart(w))].join(''));
  const first = rows.map((r) => r.firstPacketMs);
  const ready = rows.map((r) => r.endToDownloadedMs);
  console.log(`task creation → first packet captured: median ${ms(median(first))}, max ${ms(maxOf(first))} — goal < ${GOAL_FIRST_PACKET_MS} ms: ${maxOf(first) < GOAL_FIRST_PACKET_MS ? 'MET' : 'NOT MET'}`);
  console.log(`capture end (job ended_at) → result downloaded: median ${ms(median(ready))}, max ${ms(maxOf(ready))} — goal < ${GOAL_DOWNLOADABLE_MS} ms: ${maxOf(ready) < GOAL_DOWNLOADABLE_MS ? 'MET' : 'NOT MET'}`);
}

