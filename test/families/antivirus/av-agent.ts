import fs from 'node:fs';
import path from 'node:path';
import { spawnGuardpost, type GuardpostProcess, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * A real `guardpost agent` process enrolled in a test server, with its own clamd work dir and quarantine vault
 * below `base` (not a test file). Resolves once its av-scan capability has arrived in the agents table.
 */
export interface AvAgent { proc: GuardpostProcess; hostId: string; agentId: string; capability: { available: boolean; reason: string } }

export async function startAvAgent(ts: TestServer, base: string, name: string, env: Record<string, string> = {}, args: string[] = []): Promise<AvAgent> {
  const { token } = await ts.server.ctx.agents.createEnrollmentToken({ projectId: ts.credentials.project_id, maxUses: 1 });
  const stateDir = path.join(base, `state-${name}`);
  const proc = await spawnGuardpost(['agent', '--server', ts.endpoint, '--state-dir', stateDir, '--name', name,
    '--av-work-dir', path.join(base, `clamd-${name}`), '--av-vault-dir', path.join(base, `vault-${name}`), ...args], {
    env: { GUARDPOST_ENROLL_TOKEN: token, ...env }, ready: () => fs.existsSync(path.join(stateDir, 'agent.json')),
  });
  const identity = JSON.parse(fs.readFileSync(path.join(stateDir, 'agent.json'), 'utf8')) as { host_id: string; agent_id?: string };
  const row = await waitFor(`the av-scan capability of ${name}`, async () => {
    const agent = await ts.server.ctx.store.db.selectFrom('agents').select(['id', 'capabilities']).where('host_id', '=', identity.host_id).executeTakeFirst();
    return agent?.capabilities.includes('"av-scan"') ? agent : undefined;
  }, 30_000);
  const capabilities = JSON.parse(row.capabilities) as { kinds: { 'av-scan': { available: boolean; reason: string } } };
  return { proc, hostId: identity.host_id, agentId: row.id, capability: capabilities.kinds['av-scan'] };
}
