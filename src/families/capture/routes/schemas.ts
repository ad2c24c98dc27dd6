import { Type } from 'typebox';
import { cfwPaging } from '../../../api/common/paging.js';
import { EnterpriseProjectId } from '../../../api/common/routes.js';
import { MAX_CAPTURE_MINUTES, MAX_CAPTURE_PACKETS } from '../domain.js';

/** CFW v1 capture request/response schemas (api-surface §2.4), with Guardpost's documented bounds. */

export const FwInstanceId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$', description: 'Firewall ID (ListFirewallDetail)' });
export const TaskId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' });

export const FwQuery = Type.Object({
  fw_instance_id: FwInstanceId,
  enterprise_project_id: Type.Optional(EnterpriseProjectId),
});

const Address = Type.Object({
  address: Type.String({ minLength: 1, maxLength: 64, description: 'A single IP or a CIDR block (0.0.0.0/0 or ::/0 for any)' }),
  address_type: Type.Integer({ enum: [0, 1], description: '0 IPv4, 1 IPv6' }),
  type: Type.Integer({ enum: [0], description: 'Only 0 (manual input) is supported' }),
}, { additionalProperties: false });

const Port = Type.String({ maxLength: 11, pattern: '^([0-9]{1,5}(-[0-9]{1,5})?)?$', description: "'' (any), '80' or '1000-2000'; TCP/UDP only" });

export const CreateCaptureBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'Unique per firewall' }),
  duration: Type.Integer({ minimum: 1, maximum: MAX_CAPTURE_MINUTES, description: `Minutes (1-${MAX_CAPTURE_MINUTES})` }),
  max_packets: Type.Integer({ minimum: 1, maximum: MAX_CAPTURE_PACKETS }),
  source: Address,
  destination: Address,
  service: Type.Object({
    protocol: Type.Integer({ enum: [6, 17, 1, 58, -1], description: '6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, -1 any' }),
    source_port: Type.Optional(Port),
    dest_port: Type.Optional(Port),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

export const ListCaptureQuery = Type.Object({
  fw_instance_id: FwInstanceId,
  enterprise_project_id: Type.Optional(EnterpriseProjectId),
  ...cfwPaging(),
});

export const CancelCaptureBody = Type.Object({ task_id: TaskId }, { additionalProperties: false });
export const DeleteCaptureBody = Type.Object({
  task_ids: Type.Array(TaskId, { minItems: 1, maxItems: 100 }),
}, { additionalProperties: false });

export const CaptureResultQuery = Type.Object({
  fw_instance_id: FwInstanceId,
  task_id: TaskId,
  enterprise_project_id: Type.Optional(EnterpriseProjectId),
  type: Type.Optional(Type.Integer({ enum: [0, 1], description: '1: download only from the IPs in ip' })),
  ip: Type.Optional(Type.Array(Type.String({ maxLength: 49, description: 'An IP address or a CIDR range (IPv4 or IPv6)' }), { maxItems: 3 })),
});

export const CaptureTaskIdResponse = Type.Object({
  data: Type.Object({ id: Type.String(), name: Type.String(), task_id: Type.Optional(Type.String()) }),
});

export const CaptureTaskRecord = Type.Object({
  task_id: Type.String(), name: Type.String(), status: Type.Integer(), duration: Type.Integer(), max_packets: Type.Integer(),
  capture_size: Type.String(), created_date: Type.String(), modified_date: Type.String(), remaining_days: Type.Integer(),
  is_deleted: Type.Integer(), source_address: Type.String(), source_address_type: Type.Integer(), source_port: Type.String(),
  dest_address: Type.String(), dest_address_type: Type.Integer(), dest_port: Type.String(), protocol: Type.Integer(),
  stop_reason: Type.Union([Type.String(), Type.Null()], { description: 'Guardpost extra: packet_limit, time_limit, user_stop, agent_shutdown, agent_lost, write_error, tool_error' }),
  stop_detail: Type.Optional(Type.String({ description: 'Guardpost extra: why a capture failed' })),
  packets: Type.Union([Type.Integer(), Type.Null()], { description: 'Guardpost extra: packets captured' }),
  progress: Type.Integer({ description: 'Guardpost extra: percent done' }),
});

export const ListCaptureResponse = Type.Object({
  data: Type.Object({ limit: Type.Integer(), offset: Type.Integer(), total: Type.Integer(), records: Type.Array(CaptureTaskRecord) }),
});

export const CaptureResultResponse = Type.Object({
  data: Type.Object({
    url: Type.Optional(Type.String()),
    captcha: Type.Optional(Type.String()),
    expires: Type.Optional(Type.Integer({ description: 'Lifetime of the link in minutes' })),
    expires_at: Type.Optional(Type.Integer({ description: 'Guardpost extra: epoch ms when the link stops working' })),
    file_list: Type.Optional(Type.Array(Type.Object({ file_name: Type.String(), file_path: Type.String(), url: Type.String() }))),
    request_header: Type.Optional(Type.Object({ Host: Type.String() })),
  }),
});
