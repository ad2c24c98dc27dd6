import fs from 'node:fs';
import path from 'node:path';
import { defineAgentHandler } from '../../agent/handlers/handler.js';
import { appExtractors } from '../../engines/inventory/apps/index.js';
import { osExtractors } from '../../engines/inventory/os/index.js';
import type { Extractor, InventoryResult, OsInfo } from '../../engines/inventory/types.js';
import { collectInventory } from '../../engines/inventory/walk.js';
import { DEFAULT_HOST_ROOT, parseAppRoots, parseMaxSeconds, underAppRoots } from './agent-options.js';
import { INVENTORY_ARTIFACT } from './domain.js';
import { uploadArtifactWithRetry } from '../../agent/handlers/upload-retry.js';
import { encodeInventory, type StoredInventory } from './inventory-format.js';
import { inventoryJobKind, type InventoryCapability, type InventoryJobResult } from './job-kinds.js';

/**
 * The agent's half of a host scan: one bounded walk of the host root with the extractors the requested types
 * need (OS package databases for `linux_vul`, application manifests under the app roots for `app_vul`), the
 * result written as the gzipped `StoredInventory` and uploaded as the job's `inventory.json.gz`.
 */

const UPLOAD_ATTEMPTS = 5;

/** Application extractors only see files under the app roots. */
function scopedToAppRoots(extractor: Extractor, roots: readonly string[]): Extractor {
  if (roots.includes('/')) return extractor;
  return {
    name: extractor.name, version: extractor.version, maxFileBytes: extractor.maxFileBytes,
    fileRequired: (file) => underAppRoots(file.path, roots) && extractor.fileRequired(file),
    extract: (input) => extractor.extract(input),
  };
}

export function extractorsFor(scanTypes: readonly string[], appRoots: readonly string[]): Extractor[] {
  return [
    ...(scanTypes.includes('linux_vul') ? osExtractors : []),
    ...(scanTypes.includes('app_vul') ? appExtractors.map((e) => scopedToAppRoots(e, appRoots)) : []),
  ];
}

/** Why OS packages could not be looked for or matched, when so (shown in the host's `vul_scan_details`). */
export function osNote(os: OsInfo | null): string | undefined {
  if (!os) return 'no recognisable OS: the host root has no etc/os-release (or usr/lib/os-release), so no OS packages were matched';
  if (!os.ecosystem) return `the OS ${os.prettyName} (ID=${os.id}, VERSION_ID=${os.versionId}) has no OSV advisory ecosystem; its packages cannot be matched`;
  return undefined;
}

export function toStoredInventory(result: InventoryResult, hostRoot: string, scanTypes: StoredInventory['scan_types'], now = Date.now()): StoredInventory {
  const note = scanTypes.includes('linux_vul') ? osNote(result.os) : undefined;
  // Without a recognisable OS, package databases found anyway cannot be tied to a release's advisories.
  const packages = result.packages.filter((p) => (p.kind === 'os' ? scanTypes.includes('linux_vul') && result.os !== null : scanTypes.includes('app_vul')));
  return {
    format: 1, host_root: hostRoot, collected_at: now, scan_types: scanTypes,
    os: result.os ? { id: result.os.id, versionId: result.os.versionId, prettyName: result.os.prettyName, ecosystem: result.os.ecosystem } : null,
    ...(note ? { os_note: note } : {}),
    packages: packages.map((p) => ({ ...p, location: p.location.slice(0, 4096) })),
    extractors: result.extractors.map((e) => ({
      name: e.name, version: e.version, files: e.files, packages: e.packages,
      errors: e.errors.slice(0, 100).map((x) => ({ path: x.path.slice(0, 4096), message: x.message.slice(0, 2000) })),
    })),
    stats: {
      entries: result.stats.entries, bytesRead: result.stats.bytesRead, skippedLarge: result.stats.skippedLarge,
      unreadable: result.stats.unreadable, truncated: result.stats.truncated, durationMs: result.stats.durationMs,
      ...(result.stats.truncatedReason ? { truncatedReason: result.stats.truncatedReason.slice(0, 1000) } : {}),
    },
  };
}

function readableDirectory(dir: string): boolean {
  try {
    if (!fs.statSync(dir).isDirectory()) return false;
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const inventoryHandler = defineAgentHandler({
  kind: inventoryJobKind,

  capability(options): InventoryCapability | null {
    const hostRoot = path.resolve(options['host-root'] || DEFAULT_HOST_ROOT);
    const appRoots = parseAppRoots(options['app-roots'] ?? '');
    const maxSeconds = parseMaxSeconds(options['vul-max-seconds'] ?? '');
    if (!appRoots || maxSeconds === null || !readableDirectory(hostRoot)) return null;
    return { host_root: hostRoot, app_roots: appRoots, ...(maxSeconds !== undefined ? { max_seconds: maxSeconds } : {}) };
  },

  async run(ctx, capability) {
    const scanTypes = ctx.payload.scan_types;
    ctx.reportProgress(1, { phase: 'walking' });
    let entriesSeen = 0;
    const progress = setInterval(() => ctx.reportProgress(Math.min(90, 1 + Math.floor(entriesSeen / 10_000)), { phase: 'walking' }), 1000);
    let result: InventoryResult;
    try {
      const [first, ...rest] = extractorsFor(scanTypes, capability.app_roots);
      const extractors = first ? [countingSeen(first, () => { entriesSeen += 1; }), ...rest] : [];
      const limits = capability.max_seconds !== undefined ? { maxMs: capability.max_seconds * 1000 } : {};
      result = await collectInventory(capability.host_root, { extractors, signal: ctx.signal, limits });
    } catch (error) {
      if (ctx.signal.aborted) {
        return { outcome: 'cancelled', reason: ctx.abortCause() === 'agent_shutdown' ? 'the agent shut down during the inventory' : 'cancelled during the inventory' };
      }
      return { outcome: 'failed', reason: `the inventory of ${capability.host_root} failed: ${(error as Error).message}`.slice(0, 2000) };
    } finally {
      clearInterval(progress);
    }
    const inventory = toStoredInventory(result, capability.host_root, scanTypes);
    const file = path.join(ctx.workDir, INVENTORY_ARTIFACT);
    fs.writeFileSync(file, await encodeInventory(inventory));
    ctx.reportProgress(95, { phase: 'uploading', packages: inventory.packages.length });
    try {
      await uploadArtifactWithRetry(ctx, { name: INVENTORY_ARTIFACT, file, contentType: 'application/gzip', attempts: UPLOAD_ATTEMPTS, untilAborted: true });
    } catch (error) {
      return { outcome: 'failed', reason: `the inventory could not be uploaded: ${(error as Error).message}`.slice(0, 2000) };
    }
    const summary: InventoryJobResult = {
      packages: inventory.packages.length, os_ecosystem: result.os?.ecosystem?.slice(0, 128) ?? null, entries: result.stats.entries,
      bytes_read: result.stats.bytesRead, unreadable: result.stats.unreadable, truncated: result.stats.truncated,
      ...(result.stats.truncatedReason ? { truncated_reason: result.stats.truncatedReason.slice(0, 500) } : {}),
      duration_ms: result.stats.durationMs, extractor_errors: result.extractors.reduce((n, e) => n + e.errors.length, 0),
    };
    return { outcome: 'succeeded', result: summary };
  },
});

/** Counts the files the walk offers (a cheap progress signal; the walk has no total to report against). */
function countingSeen(extractor: Extractor, seen: () => void): Extractor {
  return {
    name: extractor.name, version: extractor.version, maxFileBytes: extractor.maxFileBytes,
    fileRequired: (file) => { seen(); return extractor.fileRequired(file); },
    extract: (input) => extractor.extract(input),
  };
}
