import { captureHandler } from '../../families/capture/agent-handler.js';
import type { JobHandler } from './handler.js';

/** Every job kind the agent can run. Adding a kind is adding a file and a line here. */
export const jobHandlers: JobHandler[] = [captureHandler];

export function handlerFor(kind: string): JobHandler | undefined {
  return jobHandlers.find((h) => h.kind === kind);
}
