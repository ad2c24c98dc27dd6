import type { FastifyPluginAsync } from 'fastify';
import type { Migration } from 'kysely';
import type { ReportType } from '../export/report-types.js';
import type { AnyJobKind } from './job-kind.js';
import type { QuotaDefinition } from './quotas.js';

/**
 * A task family (capture, vulnerability scans, antivirus, image reports) is one folder under src/families/
 * that exports one ServerFamily and one AgentFamily; src/families/server.ts and agent.ts list them. The core
 * assembles routes, migrations, workers, quotas, job kinds and CLI verbs from those lists and nothing else.
 */

/** Periodic idempotent work any replica may run (retention sweeps, schedulers). */
export interface Periodic {
  readonly name: string;
  readonly everyMs: number;
  run(): Promise<unknown>;
}

/** HSS host-record counters (`ListHostStatus`) a family knows, e.g. the vulnerability family's `vulnerability`. */
export interface HostCounter {
  readonly field: 'asset' | 'vulnerability' | 'baseline' | 'intrusion';
  /** The counter of each listed host (missing: 0). */
  count(projectId: string, hostIds: readonly string[]): Promise<ReadonlyMap<string, number>>;
}

/** What a family contributes to a running server, built once per process from the core services. */
export interface FamilyRuntime<ServerJob> {
  /** Route plugins, registered in order; each owns its schemas and handlers. */
  readonly routes: readonly FastifyPluginAsync[];
  readonly periodics?: readonly Periodic[];
  /** Runners for the family's server-side job kinds. */
  readonly serverJobs?: readonly ServerJob[];
  /** Reports the family exports through the generic HSS export-task flow (src/export/). */
  readonly reportTypes?: readonly ReportType[];
  readonly hostCounters?: readonly HostCounter[];
}

export interface ServerFamily<Core, ServerJob, Cli> {
  readonly name: string;
  readonly jobKinds: readonly AnyJobKind[];
  /** Migration names are unique across the core and every family; each family's run in name order. */
  readonly migrations: Readonly<Record<string, Migration>>;
  readonly quotas: readonly QuotaDefinition[];
  readonly cli?: readonly Cli[];
  /** Reads the family's configuration from the environment (throws a clear error on a bad value). */
  start(core: Core): FamilyRuntime<ServerJob>;
}

/** An agent-side option a family adds to `guardpost agent` (and `start`'s local agent): a flag and its variable. */
export interface AgentOption {
  /** Long flag without dashes, e.g. `interfaces`. */
  readonly flag: string;
  readonly env: string;
  readonly description: string;
  /** Value for the all-in-one's local agent when neither flag nor variable is given. */
  readonly localDefault?: string;
  /** A problem with the value, or null when it is fine. */
  validate(value: string): string | null;
}

/** A system tool an agent-side engine runs, and the Debian package that provides it. */
export interface EngineTool {
  readonly command: string;
  readonly package: string;
}

/** What one engine needs installed on the agent's host; src/agent/engine-deps.ts checks it and installs what is missing. */
export interface EngineRequirement {
  /** The capability it serves, e.g. `antivirus`. */
  readonly engine: string;
  readonly tools: readonly EngineTool[];
  /** One of the tools is enough (the first one's package is the one installed); default: every tool. */
  readonly anyOf?: boolean;
  /** Whether the engine is used with these agent option values (default: always). */
  needed?(options: Readonly<Record<string, string>>): boolean;
  /** Where `command` is with these option values, or null (default: the system directories, then PATH). */
  locate?(command: string, options: Readonly<Record<string, string>>): string | null;
}

export interface AgentFamily<Handler> {
  readonly name: string;
  readonly handlers: readonly Handler[];
  readonly options: readonly AgentOption[];
  /** System packages the family's engines need on the host (installed by `guardpost agent` when missing). */
  readonly requirements?: readonly EngineRequirement[];
}
