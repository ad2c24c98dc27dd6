import type { Command } from 'commander';
import { newSecret } from '../identity/secrets.js';
import type { UserListing } from '../store/directory-store.js';
import {
  asRole, enterpriseProjectsOption, projectOption, roleOption, withAdminContext, type AdminNoun,
} from './admin-context.js';
import { jsonOption } from './values.js';
import { formatTime, printJson, printListing } from './output.js';

/** `guardpost admin user|project|enterprise-project|key|role …` */

interface GrantFlags { project?: string; role: string; enterpriseProjects: string[] | null }

const SECRET_NOTE = '\nPrints JSON, including the secret: it is shown this once only.';

export const userNoun: AdminNoun = {
  name: 'user', summary: 'create, list, disable and enable users',
  register(group: Command) {
    group.command('create').description('create a user with a role in a project').argument('<name>', 'user name')
      .option('--password <password>', 'the password (default: a random one, printed once)')
      .addOption(projectOption()).addOption(roleOption()).addOption(enterpriseProjectsOption())
      .addHelpText('after', SECRET_NOTE)
      .action((name: string, flags: GrantFlags & { password?: string }) => withAdminContext(async (ctx) => {
        const project = await ctx.project(flags.project);
        const password = flags.password ?? newSecret(18);
        const id = await ctx.identity.createUser(ctx.domainId, name, password);
        await ctx.identity.grantRole(id, project.id, asRole(flags.role), flags.enterpriseProjects);
        printJson({ id, name, password, project_id: project.id, role: asRole(flags.role) });
      }));
    group.command('list').description('list users and their roles').addOption(jsonOption())
      .action((flags: { json?: boolean }) => withAdminContext(async (ctx) => {
        const roles = (u: UserListing) => u.roles.map((r) => `${r.project_id}:${r.role}` +
          (r.enterprise_project_ids === 'all' ? '' : `[${r.enterprise_project_ids.join(',')}]`)).join(' ');
        printListing({ json: flags.json, rows: await ctx.directory.listUsers(ctx.domainId), empty: 'no users', columns: [
          { header: 'NAME', value: (u) => u.name }, { header: 'ID', value: (u) => u.id },
          { header: 'DISABLED', value: (u) => (u.disabled ? 'yes' : 'no') }, { header: 'ROLES (PROJECT:ROLE)', value: roles },
          { header: 'CREATED', value: (u) => formatTime(u.created_at) },
        ] });
      }));
    for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
      group.command(verb).description(disabled ? 'disable a user and end its tokens at once' : 'enable a disabled user')
        .argument('<name>', 'user name')
        .action((name: string) => withAdminContext(async (ctx) => {
          const user = await ctx.user(name);
          await ctx.directory.setUserDisabled(user.id, disabled);
          printJson({ name: user.name, disabled });
        }));
    }
  },
};

export const projectNoun: AdminNoun = {
  name: 'project', summary: 'create and list projects',
  register(group: Command) {
    group.command('create').description('create a project').argument('<name>', 'project name')
      .action((name: string) => withAdminContext(async (ctx) => printJson({ id: await ctx.identity.createProject(ctx.domainId, name), name })));
    group.command('list').description('list projects').addOption(jsonOption())
      .action((flags: { json?: boolean }) => withAdminContext(async (ctx) => {
        printListing({ json: flags.json, rows: await ctx.directory.listProjects(ctx.domainId), empty: 'no projects', columns: [
          { header: 'NAME', value: (p) => p.name }, { header: 'ID', value: (p) => p.id }, { header: 'CREATED', value: (p) => formatTime(p.created_at) },
        ] });
      }));
  },
};

export const enterpriseProjectNoun: AdminNoun = {
  name: 'enterprise-project', summary: 'create and list enterprise projects',
  register(group: Command) {
    group.command('create').description('create an enterprise project').argument('<name>', 'enterprise project name')
      .action((name: string) => withAdminContext(async (ctx) => printJson({ id: await ctx.directory.createEnterpriseProject(ctx.domainId, name), name })));
    group.command('list').description('list enterprise projects').addOption(jsonOption())
      .action((flags: { json?: boolean }) => withAdminContext(async (ctx) => {
        printListing({ json: flags.json, rows: await ctx.directory.listEnterpriseProjects(ctx.domainId), empty: 'no enterprise projects', columns: [
          { header: 'NAME', value: (p) => p.name }, { header: 'ID', value: (p) => p.id }, { header: 'CREATED', value: (p) => formatTime(p.created_at) },
        ] });
      }));
  },
};

export const keyNoun: AdminNoun = {
  name: 'key', summary: 'create, list and delete access keys (AK/SK)',
  register(group: Command) {
    group.command('create').description('create an access key (AK/SK) for a user')
      .option('--user <name>', 'the user', 'admin').option('--description <text>', 'what the key is for', '')
      .addHelpText('after', SECRET_NOTE)
      .action((flags: { user: string; description: string }) => withAdminContext(async (ctx) => {
        const user = await ctx.user(flags.user);
        printJson({ user: user.name, ...(await ctx.identity.createAccessKey(user.id, flags.description)) });
      }));
    group.command('list').description('list access keys (never their secrets)').addOption(jsonOption())
      .action((flags: { json?: boolean }) => withAdminContext(async (ctx) => {
        printListing({ json: flags.json, rows: await ctx.directory.listAccessKeys(ctx.domainId), empty: 'no access keys', columns: [
          { header: 'AK', value: (k) => k.ak }, { header: 'USER', value: (k) => k.user }, { header: 'STATUS', value: (k) => k.status },
          { header: 'DESCRIPTION', value: (k) => k.description }, { header: 'CREATED', value: (k) => formatTime(k.created_at) },
        ] });
      }));
    group.command('delete').description('delete an access key').argument('<ak>', 'the access key id')
      .action((ak: string) => withAdminContext(async (ctx) => {
        if (!(await ctx.directory.deleteAccessKey(ctx.domainId, ak))) throw new Error(`no access key "${ak}"`);
        printJson({ ak, deleted: true });
      }));
  },
};

export const roleNoun: AdminNoun = {
  name: 'role', summary: "grant and revoke a user's role in a project",
  register(group: Command) {
    group.command('grant').description("grant (or replace) a user's role in a project")
      .requiredOption('--user <name>', 'the user').addOption(projectOption()).addOption(roleOption()).addOption(enterpriseProjectsOption())
      .action((flags: GrantFlags & { user: string }) => withAdminContext(async (ctx) => {
        const user = await ctx.user(flags.user);
        const project = await ctx.project(flags.project);
        await ctx.identity.grantRole(user.id, project.id, asRole(flags.role), flags.enterpriseProjects);
        printJson({ user: user.name, project_id: project.id, role: asRole(flags.role) });
      }));
    group.command('revoke').description("remove a user's role in a project")
      .requiredOption('--user <name>', 'the user').addOption(projectOption())
      .action((flags: { user: string; project?: string }) => withAdminContext(async (ctx) => {
        const user = await ctx.user(flags.user);
        const project = await ctx.project(flags.project);
        printJson({ user: user.name, project_id: project.id, revoked: await ctx.directory.revokeRole(user.id, project.id) });
      }));
  },
};
