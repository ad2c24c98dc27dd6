import { InvalidArgumentError, type Command } from 'commander';
// Loaded for its quota definitions (capture.*): quotas are defined by the modules that enforce them.
import '../families/server.js';
import { quotaDefinitions } from '../core/quotas.js';
import { projectOption, withAdminContext, type AdminNoun } from './admin-context.js';
import { jsonOption, positiveInteger, positiveNumber, wholeNumber } from './values.js';
import { formatTime, printJson, printListing } from './output.js';

/** `guardpost admin enroll-token|agent|quota …` */

function tokenState(t: { revoked_at: number | null; expires_at: number | null; max_uses: number | null; uses: number }, now = Date.now()): string {
  if (t.revoked_at !== null) return 'revoked';
  if (t.expires_at !== null && t.expires_at <= now) return 'expired';
  if (t.max_uses !== null && t.uses >= t.max_uses) return 'used up';
  return 'active';
}

function quotaName(value: string): string {
  if (!quotaDefinitions().some((d) => d.name === value)) throw new InvalidArgumentError('unknown quota (see "guardpost admin quota list")');
  return value;
}

export const enrollTokenNoun: AdminNoun = {
  name: 'enroll-token', summary: 'create, list and revoke agent enrollment tokens',
  register(group: Command) {
    group.command('create').description('create a token that enrolls agents into a project')
      .addOption(projectOption())
      .option('--enterprise-project <id>', 'enterprise project of the enrolled agents', '0')
      .option('--description <text>', 'what the token is for', '')
      .option('--ttl-hours <hours>', 'how long the token stays valid', positiveNumber, 24)
      .option('--max-uses <n>', 'how many agents it may enroll (default: unlimited)', positiveInteger)
      .addHelpText('after', '\nPrints JSON, including the token: it is shown this once only.')
      .action((flags: { project?: string; enterpriseProject: string; description: string; ttlHours: number; maxUses?: number }) =>
        withAdminContext(async (ctx) => {
          const project = await ctx.project(flags.project);
          const maxUses = flags.maxUses ?? null;
          const created = await ctx.agents.createEnrollmentToken({
            projectId: project.id, enterpriseProjectId: flags.enterpriseProject, description: flags.description,
            ttlMs: flags.ttlHours * 3600_000, maxUses,
          });
          printJson({ ...created, project_id: project.id, expires_in_hours: flags.ttlHours, max_uses: maxUses });
        }));
    group.command('list').description('list enrollment tokens (never the tokens themselves)').addOption(jsonOption())
      .action((flags: { json?: boolean }) => withAdminContext(async (ctx) => {
        printListing({ json: flags.json, rows: await ctx.agents.listEnrollmentTokens(), empty: 'no enrollment tokens', columns: [
          { header: 'ID', value: (t) => t.id }, { header: 'STATE', value: (t) => tokenState(t) }, { header: 'PROJECT', value: (t) => t.project_id },
          { header: 'ENTERPRISE PROJECT', value: (t) => t.enterprise_project_id },
          { header: 'USES', value: (t) => `${t.uses}/${t.max_uses ?? '∞'}` }, { header: 'EXPIRES', value: (t) => formatTime(t.expires_at) },
          { header: 'DESCRIPTION', value: (t) => t.description },
        ] });
      }));
    group.command('revoke').description('revoke an enrollment token (agents it enrolled stay enrolled)').argument('<id>', 'the token id')
      .action((id: string) => withAdminContext(async (ctx) => {
        if (!(await ctx.agents.revokeEnrollmentToken(id))) throw new Error(`no enrollment token "${id}"`);
        printJson({ id, revoked: true });
      }));
  },
};

export const agentNoun: AdminNoun = {
  name: 'agent', summary: 'list and revoke enrolled agents',
  register(group: Command) {
    group.command('list').description('list enrolled agents (hosts and sensors)').addOption(jsonOption())
      .action((flags: { json?: boolean }) => withAdminContext(async (ctx) => {
        printListing({ json: flags.json, rows: await ctx.agents.listAll(), empty: 'no agents enrolled', columns: [
          { header: 'HOST', value: (a) => a.host_name }, { header: 'AGENT ID', value: (a) => a.id }, { header: 'HOST ID', value: (a) => a.host_id },
          { header: 'PROJECT', value: (a) => a.project_id }, { header: 'VERSION', value: (a) => a.agent_version },
          { header: 'LAST SEEN', value: (a) => formatTime(a.last_seen_at) }, { header: 'REVOKED', value: (a) => formatTime(a.revoked_at) },
        ] });
      }));
    group.command('revoke').description('revoke an agent: the server refuses it from now on and it exits with code 3')
      .argument('<agent-id>', 'the agent id (see "guardpost admin agent list")')
      .action((id: string) => withAdminContext(async (ctx) => printJson({ id, revoked: await ctx.agents.revoke(id) })));
  },
};

export const quotaNoun: AdminNoun = {
  name: 'quota', summary: 'list and set per-project quotas',
  register(group: Command) {
    group.command('list').description("list the quotas and a project's limits").addOption(projectOption()).addOption(jsonOption())
      .action((flags: { project?: string; json?: boolean }) => withAdminContext(async (ctx) => {
        const project = await ctx.project(flags.project);
        const rows = await Promise.all(quotaDefinitions().map(async (d) => ({ ...d, project_id: project.id, limit: await ctx.tasks.quotaLimit(project.id, d.name) })));
        printListing({ json: flags.json, rows, empty: 'no quotas defined', columns: [
          { header: 'NAME', value: (q) => q.name }, { header: 'LIMIT', value: (q) => q.limit }, { header: 'DEFAULT', value: (q) => q.defaultLimit },
          { header: 'DESCRIPTION', value: (q) => q.description },
        ] });
      }));
    group.command('set').description("set a project's limit for one quota")
      .argument('<name>', 'quota name (see "guardpost admin quota list")', quotaName).argument('<limit>', 'the new limit, a whole number ≥ 0', wholeNumber)
      .addOption(projectOption())
      .action((name: string, limit: number, flags: { project?: string }) => withAdminContext(async (ctx) => {
        const project = await ctx.project(flags.project);
        await ctx.tasks.setQuota(project.id, name, limit);
        printJson({ project_id: project.id, name, limit });
      }));
  },
};
