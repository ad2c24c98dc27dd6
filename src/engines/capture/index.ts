/**
 * Packet-capture engine: a plain library (no HTTP, no SQL) used by the agent's capture job handler.
 *
 *   validateCaptureRule(rule)          → problems ([] when valid)
 *   buildCaptureFilter(rule)           → BPF expression (one argv element, never a shell)
 *   runCapture(opts)                   → { stopReason, packets, bytes, fileBytes, … }
 *   CaptureFileReader / summarizeCaptureFile → read pcap and pcapng back
 *   decodePacket(linktype, frame)      → IP 5-tuple (tests and tools; not used by the agent)
 */
export * from './rule.js';
export * from './bpf.js';
export * from './match.js';
export * from './pcap-reader.js';
export * from './packet-decoder.js';
export * from './runner.js';
