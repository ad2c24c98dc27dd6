import type { AgentFamily, AgentOption } from '../core/family.js';
import { createRegistry } from '../core/registry.js';
import type { AgentJobHandler } from '../agent/handlers/handler.js';
import { antivirusAgentFamily } from './antivirus/agent.js';
import { captureAgentFamily } from './capture/agent.js';
import { imageAgentFamily } from './image/agent.js';
import { vulScanAgentFamily } from './vul-scan/agent.js';

/** Every family's agent side: one line per family. Duplicate families, job kinds or option flags are refused. */
export const agentFamilies = createRegistry<AgentFamily<AgentJobHandler>>('agent family', [
  captureAgentFamily,
  vulScanAgentFamily,
  antivirusAgentFamily,
  imageAgentFamily,
], (f) => f.name);

export const agentHandlers = createRegistry<AgentJobHandler>('agent job handler',
  agentFamilies.all.flatMap((f) => f.handlers), (h) => h.kind.name);

export const agentOptions = createRegistry<AgentOption>('agent option',
  agentFamilies.all.flatMap((f) => f.options), (o) => o.flag);
