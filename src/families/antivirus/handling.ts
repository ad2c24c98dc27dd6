/**
 * HandleAntiVirusResult's state-only operations as data (api-surface §4.2): what each requires of the result's
 * current handling and what it leaves. Undo operations only apply to a result handled by their counterpart.
 */

export const STATE_OPERATIONS = ['mark_as_handled', 'unhandle', 'ignore', 'do_not_ignore', 'add_to_alarm_whitelist', 'remove_from_alarm_whitelist'] as const;
export const ISOLATION_OPERATIONS = ['manual_isolate_and_kill', 'do_not_isolate_or_kill'] as const;
export const OPERATE_TYPES = [...STATE_OPERATIONS, ...ISOLATION_OPERATIONS] as const;
export type OperateType = (typeof OPERATE_TYPES)[number];
export type StateOperation = (typeof STATE_OPERATIONS)[number];

/** `handle_method` values a result or history row can carry (history adds the undo values). */
export const HANDLE_METHODS = ['mark_as_handled', 'ignore', 'add_to_alarm_whitelist', 'isolate_and_kill', 'unhandle', 'do_not_ignore',
  'remove_from_alarm_whitelist', 'do_not_isolate_or_kill'] as const;

export interface Transition {
  /** The `handle_method` the result must have now (null: unhandled). */
  requires: string | null;
  /** What the result becomes. */
  handleStatus: 'handled' | 'unhandled';
  handleMethod: string | null;
  whitelist: 'add' | 'remove' | null;
}

export const TRANSITIONS: Record<StateOperation, Transition> = {
  mark_as_handled: { requires: null, handleStatus: 'handled', handleMethod: 'mark_as_handled', whitelist: null },
  unhandle: { requires: 'mark_as_handled', handleStatus: 'unhandled', handleMethod: null, whitelist: null },
  ignore: { requires: null, handleStatus: 'handled', handleMethod: 'ignore', whitelist: null },
  do_not_ignore: { requires: 'ignore', handleStatus: 'unhandled', handleMethod: null, whitelist: null },
  add_to_alarm_whitelist: { requires: null, handleStatus: 'handled', handleMethod: 'add_to_alarm_whitelist', whitelist: 'add' },
  remove_from_alarm_whitelist: { requires: 'add_to_alarm_whitelist', handleStatus: 'unhandled', handleMethod: null, whitelist: 'remove' },
};

export const isStateOperation = (op: OperateType): op is StateOperation => (STATE_OPERATIONS as readonly string[]).includes(op);

/** Isolation states in which the file is (or is being moved) out of place: ListAntiVirusResult `isolate_tag` is not `none`. */
export const ISOLATED_STATES = ['isolating', 'isolated', 'restoring'] as const;

/** ListAntiVirusResult `isolate_tag`: who isolated the file (`auto_isolate` | `manual`), `none` while it is in place. */
export function isolateTag(isolateState: string | null, origin: string | null): 'auto_isolate' | 'manual' | 'none' {
  if (!(ISOLATED_STATES as readonly (string | null)[]).includes(isolateState)) return 'none';
  return origin === 'auto' ? 'auto_isolate' : 'manual';
}

/**
 * What ListAntiVirusResult offers next for a result (`operate_accept_list`): nothing while its av-isolate job moves
 * the file (isolating / restoring), the restore once isolated, else the operations its handling allows.
 */
export function acceptedOperations(handleMethod: string | null, isolateState: string | null = null): string[] {
  if (isolateState === 'isolating' || isolateState === 'restoring') return [];
  if (handleMethod === null) return ['mark_as_handled', 'ignore', 'add_to_alarm_whitelist', 'manual_isolate_and_kill'];
  if (handleMethod === 'isolate_and_kill') return ['do_not_isolate_or_kill'];
  return STATE_OPERATIONS.filter((op) => TRANSITIONS[op].requires === handleMethod);
}
