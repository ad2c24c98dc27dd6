import { maskedInstruction } from './mask.js';
import { imageFacts } from './parse.js';
import { BUILD_RISK_RULES } from './rules.js';
import type { BuildRiskFinding, BuildRiskRule } from './types.js';

const finding = (rule: BuildRiskRule, historyIndex: number | null, buildInstruction: string): BuildRiskFinding => ({
  ruleId: rule.id,
  riskName: rule.name,
  riskLevel: rule.level,
  description: rule.description,
  historyIndex,
  buildInstruction,
  remediation: rule.remediation,
});

/**
 * Build risks of an image from its config: one row per (history entry, rule) that matches, in history order,
 * then the image-wide rows (`historyIndex: null`) in rule order. An image-wide check runs only when its rule
 * flagged no history entry.
 */
export function analyzeBuildHistory(configJson: unknown, rules: readonly BuildRiskRule[] = BUILD_RISK_RULES): BuildRiskFinding[] {
  const image = imageFacts(configJson);
  const out: BuildRiskFinding[] = [];
  const flagged = new Set<BuildRiskRule>();
  for (const step of image.steps) {
    let instruction: string | undefined;
    for (const rule of rules) {
      if (!rule.step?.(step, image)) continue;
      instruction ??= maskedInstruction(step);
      out.push(finding(rule, step.index, instruction));
      flagged.add(rule);
    }
  }
  for (const rule of rules) {
    if (!rule.image || flagged.has(rule)) continue;
    const text = rule.image(image);
    if (text !== null) out.push(finding(rule, null, maskedInstruction({ createdBy: text, assignments: [] })));
  }
  return out;
}
