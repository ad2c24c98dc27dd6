import type { GuardpostConfig } from '../../config.js';
import type { WorkNotifier } from '../../server/work-notifier.js';
import type { ArtifactStore } from '../../store/artifact-store.js';
import type { TaskStore } from '../../store/task-store.js';
import type { CaptureConfig } from './config.js';
import type { CaptureStore } from './store.js';

/** What the capture family's routes and workers use, built once when the family starts. */
export interface CaptureServices {
  config: GuardpostConfig;
  capture: CaptureConfig;
  captures: CaptureStore;
  tasks: TaskStore;
  artifacts: ArtifactStore;
  notifier: WorkNotifier;
}
