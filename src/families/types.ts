import type { CliCommand } from '../cli/commands.js';
import type { ServerFamily as GenericServerFamily } from '../core/family.js';
import type { AppContext } from '../server/context.js';
import type { ServerJobRunner } from '../workers/server-jobs.js';

/** What a family's `start` receives: the core services (its own settings come from `config.env`). */
export type CoreServices = AppContext;

export type ServerFamily = GenericServerFamily<CoreServices, ServerJobRunner, CliCommand>;
