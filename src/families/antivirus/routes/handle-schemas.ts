import { Type } from 'typebox';
import { hssList, hssPaging } from '../../../api/common/paging.js';
import { StringEnum } from '../../../api/common/routes.js';
import { HANDLE_METHODS, OPERATE_TYPES } from '../handling.js';
import { ScopeQuery } from './schemas.js';

/** HandleAntiVirusResult's body (Go SDK OperateAntiVirusResultRequestInfo) and ListAntivirusHandleHistory's query and answer. */

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

const OperateResult = Type.Object({
  result_id: Text(128),
  agent_id: Text(128),
  event_type: Type.Integer({ minimum: 0, maximum: 6000 }),
  occur_time: Type.Optional(Type.Integer({ minimum: 0 })),
  file_hash: Type.String({ minLength: 0, maxLength: 128 }),
  file_path: Type.String({ minLength: 0, maxLength: 4096 }),
  file_attr: Type.String({ minLength: 0, maxLength: 256 }),
});

const EventWhiteRule = Type.Object({
  event_type: Type.Integer({ minimum: 1000, maximum: 30000 }),
  field_key: StringEnum(['file_path']),
  field_value: Text(4096),
  judge_type: StringEnum(['equal', 'contain']),
});

export const HandleBody = Type.Object({
  operate_type: StringEnum(OPERATE_TYPES),
  operate_results: Type.Optional(Type.Array(OperateResult, { maxItems: 100 })),
  event_white_rules: Type.Optional(Type.Array(EventWhiteRule, { maxItems: 100 })),
  memo: Type.Optional(Type.String({ maxLength: 512 })),
});

export const HistoryQuery = Type.Object({
  ...ScopeQuery.properties,
  ...hssPaging(),
  malware_name: Type.Optional(Text(128)),
  file_path: Type.Optional(Text(512)),
  severity_list: Type.Optional(Type.Array(StringEnum(['Security', 'Low', 'Medium', 'High', 'Critical']), { maxItems: 5 })),
  host_name: Type.Optional(Text(256)),
  private_ip: Type.Optional(Text(128)),
  public_ip: Type.Optional(Text(128)),
  asset_value: Type.Optional(StringEnum(['important', 'common', 'test', ''])),
  handle_method: Type.Optional(StringEnum([...HANDLE_METHODS, ''])),
  user_name: Type.Optional(Text(64)),
  event_type: Type.Optional(Type.Integer({ minimum: 0, maximum: 30000 })),
  sort_key: Type.Optional(StringEnum(['handle_time'])),
  sort_dir: Type.Optional(StringEnum(['asc', 'desc'])),
});

export const HistoryResponse = hssList(Type.Object({
  result_id: Type.String(), malware_type: Type.String(), malware_name: Type.String(), severity: Type.String(), file_path: Type.String(),
  host_name: Type.String(), private_ip: Type.String(), public_ip: Type.String(), asset_value: Type.String(), occur_time: Type.Integer(),
  handle_status: Type.String(), handle_method: Type.String(), notes: Type.String(), handle_time: Type.Integer(), user_name: Type.String(),
}));
