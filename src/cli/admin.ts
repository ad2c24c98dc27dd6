import type { Command } from 'commander';
import type { AdminNoun } from './admin-context.js';
import { agentNoun, enrollTokenNoun, quotaNoun } from './admin-agents.js';
import { enterpriseProjectNoun, keyNoun, projectNoun, roleNoun, userNoun } from './admin-identity.js';
import type { CliCommand } from './commands.js';

/**
 * `guardpost admin <noun> <verb>`: works on the SQL store directly (same GUARDPOST_HOME /
 * GUARDPOST_DATABASE_URL / GUARDPOST_MASTER_KEY as the server), so it needs no running server.
 */

const NOUNS: readonly AdminNoun[] = [userNoun, projectNoun, enterpriseProjectNoun, keyNoun, roleNoun, enrollTokenNoun, agentNoun, quotaNoun];

export const adminCli: CliCommand = {
  name: 'admin',
  summary: 'users, projects, enterprise projects, access keys, roles, enrollment tokens, agents, quotas',
  register(program: Command) {
    const admin = program.command('admin')
      .description('Administer this Guardpost directly on its database (no running server needed).\n' +
        'Listing verbs print a table, or JSON with --json; the others print JSON (secrets appear once only).')
      .addHelpText('after', '\nUses the same GUARDPOST_HOME / GUARDPOST_DATABASE_URL / GUARDPOST_MASTER_KEY as the server.');
    for (const noun of NOUNS) noun.register(admin.command(noun.name).description(noun.summary));
  },
};
