import type { AgentFamily } from '../../core/family.js';
import type { AgentJobHandler } from '../../agent/handlers/handler.js';
import { captureHandler, parseInterfaces } from './agent-handler.js';
import { INTERFACE_PATTERN } from './job-kind.js';

const interfaceName = new RegExp(INTERFACE_PATTERN);

/** The sensor side of packet capture: the capture handler and the `--interfaces` option that enables it. */
export const captureAgentFamily: AgentFamily<AgentJobHandler> = {
  name: 'capture',
  handlers: [captureHandler],
  // dumpcap (wireshark-common) is preferred when present; tcpdump is the one installed (no debconf question).
  requirements: [{
    engine: 'capture', anyOf: true, tools: [{ command: 'tcpdump', package: 'tcpdump' }, { command: 'dumpcap', package: 'wireshark-common' }],
    needed: (options) => parseInterfaces(options.interfaces ?? '').length > 0,
  }],
  options: [{
    flag: 'interfaces',
    env: 'GUARDPOST_CAPTURE_INTERFACES',
    description: 'comma-separated interfaces offered for packet capture (empty: no capture); NETNS/IFACE names one inside a ' +
      'network namespace; the first is the firewall\'s capture interface',
    localDefault: 'any,lo',
    validate: (value) => (parseInterfaces(value).every((name) => interfaceName.test(name))
      ? null : 'takes a comma-separated list of interface names (NETNS/IFACE for one inside a network namespace)'),
  }],
};
