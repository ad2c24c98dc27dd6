import { CONFIG_RULES } from './rules-config.js';
import { RUN_RULES } from './rules-run.js';
import type { BuildRiskRule } from './types.js';

/** Every build-risk rule, ordered by rule id (the ids are stable: never renumber, only add). */
export const BUILD_RISK_RULES: readonly BuildRiskRule[] = [...RUN_RULES, ...CONFIG_RULES].sort((a, b) => a.id.localeCompare(b.id));

const ids = new Set<string>();
for (const rule of BUILD_RISK_RULES) {
  if (ids.has(rule.id)) throw new Error(`build risk rule ${rule.id} is defined twice`);
  ids.add(rule.id);
}
