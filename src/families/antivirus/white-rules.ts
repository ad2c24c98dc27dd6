import type { Kysely } from 'kysely';
import type { AntivirusDatabase } from './tables.js';

/**
 * The alarm whitelist's path rules (HandleAntiVirusResult `event_white_rules` with `add_to_alarm_whitelist` /
 * `remove_from_alarm_whitelist`): a rule {event_type, field_key=file_path, judge_type equal|contain, field_value}
 * keeps later detections of that event type whose file path equals / contains the value out of the results.
 * Results stored before the rule are left as they are (handle them by id).
 */

export interface WhiteRule { event_type: number; field_key: 'file_path'; judge_type: 'equal' | 'contain'; field_value: string }

/** Rules one project keeps (each detection is checked against all of them). */
export const MAX_WHITE_RULES = 1000;

/** A stored rule as the sweep reads it. */
export interface StoredRule { event_type: number; judge_type: string; field_value: string }

export const ruleMatches = (rule: StoredRule, eventType: number, filePath: string): boolean =>
  rule.event_type === eventType && (rule.judge_type === 'equal' ? filePath === rule.field_value : filePath.includes(rule.field_value));

export const describeRule = (r: WhiteRule): string => `{event_type ${r.event_type}, ${r.field_key} ${r.judge_type} ${JSON.stringify(r.field_value.slice(0, 200))}}`;

export class WhiteRuleProblem extends Error {
  constructor(readonly code: 'limit' | 'unknown', message: string) {
    super(message);
  }
}

const keyOf = (r: WhiteRule) => `${r.event_type}\0${r.field_key}\0${r.judge_type}\0${r.field_value}`;
const unique = (rules: readonly WhiteRule[]) => [...new Map(rules.map((r) => [keyOf(r), r])).values()];

/** Stores the rules (already stored ones are kept once); throws WhiteRuleProblem past MAX_WHITE_RULES. */
export async function addWhiteRules(db: Kysely<AntivirusDatabase>, projectId: string, rules: readonly WhiteRule[], createdBy: string, now: number): Promise<void> {
  for (const r of unique(rules)) {
    await db.insertInto('av_white_rules').values({ project_id: projectId, ...r, created_by: createdBy, created_at: now })
      .onConflict((oc) => oc.columns(['project_id', 'event_type', 'field_key', 'judge_type', 'field_value']).doNothing()).execute();
  }
  const n = await db.selectFrom('av_white_rules').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
  if (Number(n.n) > MAX_WHITE_RULES) throw new WhiteRuleProblem('limit', `a project keeps at most ${MAX_WHITE_RULES} alarm whitelist rules`);
}

/** Deletes the rules; throws WhiteRuleProblem naming the first rule that is not stored. */
export async function removeWhiteRules(db: Kysely<AntivirusDatabase>, projectId: string, rules: readonly WhiteRule[]): Promise<void> {
  for (const r of unique(rules)) {
    const deleted = await db.deleteFrom('av_white_rules').where('project_id', '=', projectId).where('event_type', '=', r.event_type)
      .where('field_key', '=', r.field_key).where('judge_type', '=', r.judge_type).where('field_value', '=', r.field_value).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw new WhiteRuleProblem('unknown', `no alarm whitelist rule ${describeRule(r)} is stored in this project`);
  }
}

export async function projectWhiteRules(db: Kysely<AntivirusDatabase>, projectId: string): Promise<StoredRule[]> {
  return db.selectFrom('av_white_rules').select(['event_type', 'judge_type', 'field_value']).where('project_id', '=', projectId)
    .limit(MAX_WHITE_RULES).execute();
}
