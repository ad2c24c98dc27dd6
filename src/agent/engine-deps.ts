import { spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import type { EngineRequirement, EngineTool } from '../core/family.js';
import { BoundedText } from '../engines/capture/tool-output.js';
import { findExecutable } from '../engines/capture/tools.js';
import type { AgentOptionValues } from './handlers/handler.js';

/**
 * The system packages the agent's engines need (each family declares its EngineRequirements): which are missing
 * with these options, and installing them with apt-get when the agent runs as root and GUARDPOST_NO_INSTALL is not
 * 1 — non-interactive, without starting the packages' own services, bounded in time. Whatever stays missing is
 * printed with the exact command to run, and the engine's capability carries the same sentence as its reason.
 */

export const NO_INSTALL_ENV = 'GUARDPOST_NO_INSTALL';
const APT_TIMEOUT_MS = 10 * 60_000;
const POLICY_RC = '/usr/sbin/policy-rc.d';

/** Why each engine's tools are still missing after the start-up check (install off, not root, apt-get failed). */
const notes = new Map<string, string>();

export function isNeeded(req: EngineRequirement, options: AgentOptionValues): boolean {
  return req.needed ? req.needed(options) : true;
}

const locate = (req: EngineRequirement, tool: EngineTool, options: AgentOptionValues) =>
  (req.locate ? req.locate(tool.command, options) : findExecutable(tool.command));

/** The tools of `req` that are missing with these options ([] when satisfied or not needed; with anyOf, all or none). */
export function missingTools(req: EngineRequirement, options: AgentOptionValues): EngineTool[] {
  if (!isNeeded(req, options)) return [];
  const missing = req.tools.filter((tool) => locate(req, tool, options) === null);
  if (req.anyOf) return missing.length === req.tools.length ? [...missing] : [];
  return missing;
}

/** The Debian packages that would make `req` whole. */
export function packagesFor(req: EngineRequirement, missing: readonly EngineTool[]): string[] {
  if (missing.length === 0) return [];
  return [...new Set((req.anyOf ? missing.slice(0, 1) : missing).map((t) => t.package))];
}

export const installCommand = (packages: readonly string[]) => `apt-get install ${packages.join(' ')}`;

/**
 * Why the engine cannot run here, as one sentence with what to install, or null when its tools are present.
 * `missing clamd (/opt/x/clamd); run: apt-get install clamav-daemon; not installed automatically: …`
 */
export function unmetReason(req: EngineRequirement, options: AgentOptionValues): string | null {
  const missing = missingTools(req, options);
  if (missing.length === 0) return null;
  // A configured path that does not exist while the system has the tool: say so, installing would not help.
  const where = (t: EngineTool) => {
    const system = req.locate ? findExecutable(t.command) : null;
    return system ? `${t.command} (not at its configured path; ${system} exists)` : t.command;
  };
  const names = missing.map(where).join(req.anyOf ? ' or ' : ', ');
  const note = notes.get(req.engine);
  return `missing ${names}; run: ${installCommand(packagesFor(req, missing))}${note ? `; ${note}` : ''}`;
}

export interface InstallDecision { install: boolean; why: string }

/** Whether to run apt-get: as root, with apt-get present, unless GUARDPOST_NO_INSTALL=1. */
export function installDecision(env: NodeJS.ProcessEnv, isRoot: boolean, aptGet: string | null): InstallDecision {
  if (env[NO_INSTALL_ENV] === '1') return { install: false, why: `not installed automatically: ${NO_INSTALL_ENV}=1` };
  if (!isRoot) return { install: false, why: 'not installed automatically: the agent does not run as root' };
  if (!aptGet) return { install: false, why: 'not installed automatically: apt-get is not available' };
  return { install: true, why: '' };
}

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  isRoot?: boolean;
  log?: (line: string) => void;
  timeoutMs?: number;
}

function runApt(aptGet: string, args: readonly string[], deadline: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const out = new BoundedText();
    const child = spawn(aptGet, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C', APT_LISTCHANGES_FRONTEND: 'none' },
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), Math.max(1000, deadline - Date.now()));
    child.stdout.setEncoding('utf8').on('data', (t: string) => out.add(t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => out.add(t));
    child.once('error', (error) => out.add(`cannot run ${aptGet}: ${error.message}`));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output: signal ? `${out.toString()}\n(stopped: ${signal}, time limit)` : out.toString() });
    });
  });
}

/** Installs with the cached package lists first, `apt-get update` and again when that fails (a fresh machine has none). */
async function aptInstall(aptGet: string, packages: readonly string[], timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  const deadline = Date.now() + timeoutMs;
  const install = ['install', '-y', '-q', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...packages];
  // Debian starts a package's services on install (the system clamd, freshclam): a policy-rc.d answering 101 forbids that.
  const addedPolicy = !existsSync(POLICY_RC);
  if (addedPolicy) await fsp.writeFile(POLICY_RC, '#!/bin/sh\n# temporary, written by guardpost agent while installing packages\nexit 101\n', { mode: 0o755 });
  try {
    const first = await runApt(aptGet, install, deadline);
    if (first.ok || Date.now() >= deadline) return first;
    const update = await runApt(aptGet, ['update', '-q'], deadline);
    if (!update.ok) return update;
    return await runApt(aptGet, install, deadline);
  } finally {
    if (addedPolicy) await fsp.rm(POLICY_RC, { force: true });
  }
}

const lastLine = (text: string) => text.trim().split('\n').filter(Boolean).at(-1)?.slice(0, 300) ?? '';

/**
 * Checks every needed requirement; installs the missing packages in one apt-get run when allowed, then checks again.
 * Prints what stays missing with the command to run, and records it for the engines' capability reasons.
 */
export async function ensureEngineDeps(reqs: readonly EngineRequirement[], options: AgentOptionValues, opts: EnsureOptions = {}): Promise<void> {
  const log = opts.log ?? ((line: string) => console.error(`guardpost agent: ${line}`));
  notes.clear();
  const unmet = reqs.map((req) => ({ req, packages: packagesFor(req, missingTools(req, options)) })).filter((u) => u.packages.length > 0);
  if (unmet.length === 0) return;
  const packages = [...new Set(unmet.flatMap((u) => u.packages))];
  const aptGet = findExecutable('apt-get');
  const decision = installDecision(opts.env ?? process.env, opts.isRoot ?? process.getuid?.() === 0, aptGet);
  let why = decision.why;
  if (decision.install && aptGet) {
    log(`installing ${packages.join(' ')} for ${unmet.map((u) => u.req.engine).join(', ')} with apt-get (set ${NO_INSTALL_ENV}=1 to skip)`);
    const result = await aptInstall(aptGet, packages, opts.timeoutMs ?? APT_TIMEOUT_MS);
    why = result.ok ? 'installed, but the tools are still not found' : `apt-get failed: ${lastLine(result.output)}`;
    if (!result.ok) log(`apt-get install ${packages.join(' ')} failed:\n${result.output.trim().split('\n').slice(-15).join('\n')}`);
  }
  for (const { req, packages: mine } of unmet) {
    if (missingTools(req, options).length === 0) {
      log(`${req.engine}: installed ${mine.join(' ')}`);
      continue;
    }
    notes.set(req.engine, why);
    log(`${req.engine} is unavailable: ${unmetReason(req, options)}`);
  }
}
