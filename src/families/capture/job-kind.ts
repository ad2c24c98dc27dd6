import { Type } from 'typebox';
import { defineJobKind } from '../../core/job-kind.js';
import { STOP_REASONS } from '../../engines/capture/runner.js';
import { MAX_CAPTURE_MINUTES, MAX_CAPTURE_PACKETS } from './domain.js';

/**
 * The capture job: one per task, run by the sensor's agent. This declaration is the only description of what
 * the agent receives and reports; the server checks payloads at enqueue and claim and results at finish.
 */

const Endpoint = Type.Object({
  address: Type.String({ maxLength: 64 }),
  address_type: Type.Union([Type.Literal(0), Type.Literal(1)]),
}, { additionalProperties: false });

const Port = Type.String({ maxLength: 11 });

export const CaptureRuleSchema = Type.Object({
  source: Endpoint,
  destination: Endpoint,
  protocol: Type.Union([Type.Literal(6), Type.Literal(17), Type.Literal(1), Type.Literal(58), Type.Literal(-1)]),
  source_port: Port,
  dest_port: Port,
}, { additionalProperties: false });

/** The engine's stop reasons plus `agent_lost` (the sensor stopped reporting, or a restarted agent ended the job). */
export const CAPTURE_STOP_REASONS = [...STOP_REASONS, 'agent_lost'] as const;

const StopReason = Type.Unsafe<(typeof CAPTURE_STOP_REASONS)[number]>({ type: 'string', enum: [...CAPTURE_STOP_REASONS] });
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Time = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });

/** `NETNS/IFACE` captures on IFACE inside network namespace NS; a plain name is in the agent's own namespace. */
export const INTERFACE_PATTERN = '^(?:[A-Za-z0-9_.-]{1,64}/)?[A-Za-z0-9_.:@-]{1,32}$';

export const captureJobKind = defineJobKind({
  name: 'capture',
  version: 1,
  runsOn: 'agent',
  payload: Type.Object({
    interface: Type.String({ pattern: INTERFACE_PATTERN }),
    rule: CaptureRuleSchema,
    max_packets: Type.Integer({ minimum: 1, maximum: MAX_CAPTURE_PACKETS }),
    duration_seconds: Type.Integer({ minimum: 1, maximum: MAX_CAPTURE_MINUTES * 60 }),
    task_name: Type.String({ maxLength: 256 }),
  }, { additionalProperties: false }),
  result: Type.Object({
    stop_reason: StopReason,
    packets: Count,
    bytes: Count,
    file_bytes: Count,
    started_at: Time,
    ended_at: Time,
    first_packet_at: Type.Union([Time, Type.Null()]),
    tool: Type.String({ maxLength: 64 }),
    kernel_drops: Type.Optional(Count),
    truncated: Type.Optional(Type.Boolean()),
    detail: Type.Optional(Type.String({ maxLength: 2000 })),
  }, { additionalProperties: false }),
  capability: Type.Object({
    interfaces: Type.Array(Type.String({ pattern: INTERFACE_PATTERN }), { minItems: 1, maxItems: 256 }),
  }, { additionalProperties: false }),
});
