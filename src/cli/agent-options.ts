import { agentOptions } from '../families/agent.js';
import type { AgentOptionValues } from '../agent/handlers/handler.js';

/**
 * The families' agent options (`--interfaces` for capture, …) from flags, then their environment variables, then,
 * for the all-in-one's local agent, their local defaults. Returns a problem sentence instead when a value is bad.
 */
export function readAgentOptions(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, local: boolean): AgentOptionValues | string {
  const values: Record<string, string> = {};
  for (const option of agentOptions.all) {
    const flag = flags[option.flag];
    const value = typeof flag === 'string' ? flag : env[option.env] || (local ? option.localDefault ?? '' : '');
    const problem = option.validate(value);
    if (problem !== null) return `--${option.flag} ${problem}`;
    values[option.flag] = value;
  }
  return values;
}

/** `{interfaces: 'any,lo'}` → `['--interfaces', 'any,lo']`: how `start` hands the options to its agent child. */
export function agentOptionArgv(values: AgentOptionValues): string[] {
  return agentOptions.all.flatMap((o) => ['--' + o.flag, values[o.flag] ?? '']);
}
