import fs from 'node:fs';
import path from 'node:path';
import { CAPTURE_PCAP_ARTIFACT, type CaptureJobResult } from './domain.js';
import { captureJobKind } from './job-kind.js';
import { validateCaptureRule } from '../../engines/capture/rule.js';
import { detectCaptureTool, runCapture } from '../../engines/capture/runner.js';
import { defineAgentHandler } from '../../agent/handlers/handler.js';
import { uploadArtifactWithRetry } from '../../agent/handlers/upload-retry.js';

/** Runs a CFW capture job with the capture engine and uploads the pcap. */

/** Partial pcaps are uploaded while the capture runs so a killed agent still leaves a readable file. */
const SNAPSHOT_EVERY_MS = 5000;
const SNAPSHOT_MAX_BYTES = 64 * 1024 * 1024;
const MAX_PCAP_BYTES = 2 * 1024 * 1024 * 1024;

const FINAL_UPLOAD_ATTEMPTS = 6;


/** `NS/IFACE` captures on IFACE inside network namespace NS; a plain name is in the agent's own namespace. */
export function splitInterface(spec: string): { netns?: string; iface: string } {
  const slash = spec.indexOf('/');
  return slash < 0 ? { iface: spec } : { netns: spec.slice(0, slash), iface: spec.slice(slash + 1) };
}

/** `--interfaces` (GUARDPOST_CAPTURE_INTERFACES) as a list; empty when the agent offers no capture. */
export function parseInterfaces(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export const captureHandler = defineAgentHandler({
  kind: captureJobKind,

  capability(options) {
    const interfaces = parseInterfaces(options.interfaces ?? '');
    return interfaces.length > 0 && detectCaptureTool() !== null ? { interfaces } : null;
  },

  async run(ctx, capability) {
    const { payload } = ctx;
    if (!capability.interfaces.includes(payload.interface)) {
      return { outcome: 'failed', reason: `interface ${payload.interface} is not offered by this agent (${capability.interfaces.join(', ')})` };
    }
    const problems = validateCaptureRule(payload.rule);
    if (problems.length > 0) return { outcome: 'failed', reason: `invalid capture rule: ${problems.join('; ')}` };

    const file = path.join(ctx.workDir, CAPTURE_PCAP_ARTIFACT);
    const { netns, iface } = splitInterface(payload.interface);
    let uploading: Promise<unknown> = Promise.resolve();
    let uploadedSize = 0;
    let lastSnapshot = 0;
    let capturing = false;
    // The engine only sees an abort that happens before it starts or after it has registered its listener
    // (after spawning the tool); one in between was lost and the capture ran to its limits. So a stop that
    // comes before the tool is capturing is handed on once it is (or after a second, if it never starts).
    const stopper = new AbortController();
    let deferred: NodeJS.Timeout | undefined;
    const forwardAbort = () => {
      if (capturing) stopper.abort();
      else deferred = setTimeout(() => stopper.abort(), 1000);
    };
    if (ctx.signal.aborted) stopper.abort();
    else ctx.signal.addEventListener('abort', forwardAbort, { once: true });
    const snapshot = () => {
      const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
      if (size === 0 || size === uploadedSize || size > SNAPSHOT_MAX_BYTES) return;
      lastSnapshot = Date.now();
      uploading = uploading.then(() => ctx.uploadArtifact(CAPTURE_PCAP_ARTIFACT, file, 'application/vnd.tcpdump.pcap'))
        .then(() => { uploadedSize = size; })
        .catch((error: Error) => ctx.log(`partial pcap upload failed: ${error.message}`));
    };

    const result = await runCapture({
      interface: iface, ...(netns ? { netns } : {}), rule: payload.rule, maxPackets: payload.max_packets,
      durationSeconds: payload.duration_seconds, outputFile: file, signal: stopper.signal, maxFileBytes: MAX_PCAP_BYTES,
      abortReason: () => ctx.abortCause() ?? 'user_stop',
      // Progress stays 0 until the tool has opened the interface and attached the filter (it wrote the pcap
      // header); from then on it is at least 1, so clients can tell "claimed" from "capturing".
      onStarted: (info) => {
        ctx.trackProcess(info.pid, file);
        capturing = true;
        ctx.reportProgress(1, { packets: 0, bytes: 0, capturing: true });
        if (ctx.signal.aborted) stopper.abort();
      },
      onProgress: (p) => {
        const byTime = (p.elapsedMs / (payload.duration_seconds * 1000)) * 100;
        const byPackets = (p.packets / payload.max_packets) * 100;
        ctx.reportProgress(capturing ? Math.min(99, Math.max(1, byTime, byPackets)) : 0, { packets: p.packets, bytes: p.bytes, capturing });
        if (Date.now() - lastSnapshot >= SNAPSHOT_EVERY_MS) snapshot();
      },
    });
    clearTimeout(deferred);
    ctx.signal.removeEventListener('abort', forwardAbort);
    await uploading;

    const jobResult: CaptureJobResult = {
      stop_reason: result.stopReason, packets: result.packets, bytes: result.bytes, file_bytes: result.fileBytes,
      started_at: result.startedAt, ended_at: result.endedAt, first_packet_at: result.firstPacketAt, tool: result.tool,
      ...(result.kernelDrops !== undefined ? { kernel_drops: result.kernelDrops } : {}),
      ...(result.truncated ? { truncated: true } : {}),
      ...(result.detail ? { detail: result.detail.slice(0, 1500) } : {}),
    };
    if (fs.existsSync(file) && fs.statSync(file).size > 0) {
      try {
        await uploadArtifactWithRetry(ctx, { name: CAPTURE_PCAP_ARTIFACT, file, contentType: 'application/vnd.tcpdump.pcap', attempts: FINAL_UPLOAD_ATTEMPTS });
      } catch (error) {
        return { outcome: 'failed', reason: `the pcap could not be uploaded: ${(error as Error).message}`, result: { ...jobResult, stop_reason: 'write_error' as const } };
      }
    }
    if (result.stopReason === 'tool_error' || result.stopReason === 'write_error') {
      return { outcome: 'failed', reason: `capture ${result.stopReason.replace('_', ' ')}: ${result.detail ?? 'no detail'}`.slice(0, 2000), result: jobResult };
    }
    return { outcome: 'succeeded', result: jobResult };
  },
});
