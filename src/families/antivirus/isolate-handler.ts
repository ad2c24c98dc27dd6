import { defineAgentHandler, type AgentOptionValues } from '../../agent/handlers/handler.js';
import { QuarantineVault } from '../../engines/antivirus/index.js';
import { avIsolateJobKind } from './isolate-job-kind.js';

/**
 * Runs `av-isolate` jobs with the host's quarantine vault (`--av-vault-dir`, default /var/lib/guardpost/av-vault).
 * Offered only when the agent runs as root: isolating another user's file and restoring its owner needs it.
 */

export const DEFAULT_VAULT_DIR = '/var/lib/guardpost/av-vault';
let vaultDir = DEFAULT_VAULT_DIR;

export const vaultDirOf = (options: AgentOptionValues) => options['av-vault-dir'] || DEFAULT_VAULT_DIR;

export const avIsolateHandler = defineAgentHandler({
  kind: avIsolateJobKind,

  capability(options) {
    vaultDir = vaultDirOf(options);
    return process.getuid?.() === 0 ? { vault: 'aes-256-gcm' as const } : null;
  },

  async run(ctx) {
    const { payload } = ctx;
    const vault = new QuarantineVault(vaultDir);
    if (payload.operation === 'isolate') {
      const out = await vault.isolate(payload.path, payload.sha256);
      if (!out.ok) return { outcome: 'failed', reason: out.reason.slice(0, 1000) };
      if (out.killed.length > 0) ctx.log(`killed ${out.killed.length} process(es) running ${payload.path}: ${out.killed.join(', ')}`);
      return { outcome: 'succeeded', result: { vault_ref: out.ref, killed_pids: out.killed } };
    }
    if (!payload.vault_ref) return { outcome: 'failed', reason: 'restore needs the vault_ref isolate returned' };
    const out = await vault.restore(payload.vault_ref, { path: payload.path, sha256: payload.sha256 });
    if (!out.ok) return { outcome: 'failed', reason: out.reason.slice(0, 1000) };
    return { outcome: 'succeeded', result: { vault_ref: payload.vault_ref, killed_pids: [] } };
  },
});
