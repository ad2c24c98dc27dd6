/**
 * Antivirus engine: a plain library (no HTTP, no SQL) the agent's antivirus job handler builds on.
 *
 *   new ClamdSupervisor({ workDir, … }).start()  → private clamd on a unix socket (or an existing socket)
 *   runTreeScan(supervisor, { roots, … })         → { status, counts, detections, … } with progress events
 *   hostQuickScanRoots / hostFullScanRoots        → this host's quick and full scan roots (pure: quickScanRoots / fullScanRoots)
 *   stageDatabase / validateSignatureDir          → the signature database clamd loads
 *   new QuarantineVault(dir).isolate / restore    → encrypted quarantine of a detected file (kills its processes)
 */
export * from './clamd-client.js';
export * from './clamd-leftover.js';
export * from './clamd-config.js';
export * from './clamd-protocol.js';
export * from './clamd-session.js';
export * from './clamd-supervisor.js';
export * from './file-types.js';
export * from './host-roots.js';
export * from './process-kill.js';
export * from './quarantine-vault.js';
export * from './scan-roots.js';
export * from './signatures.js';
export * from './tree-scan.js';
export * from './tree-walk.js';
