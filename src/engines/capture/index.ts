/**
 * Packet-capture engine: a plain library (no HTTP, no SQL) used by the agent's capture job handler.
 *
 *   validateCaptureRule(rule)          → problems ([] when valid)
 *   buildCaptureFilter(rule)           → BPF expression (one argv element, never a shell)
 *   runCapture(opts)                   → { stopReason, packets, bytes, fileBytes, … }
 *   CaptureFileReader / summarizeCaptureFile / decodePacket → read pcap and pcapng back
 */
export * from './rule.js';
export * from './bpf.js';
export * from './match.js';
export * from './pcap-reader.js';
export * from './runner.js';
