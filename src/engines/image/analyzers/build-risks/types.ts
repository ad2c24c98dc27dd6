import type { BuildRiskRow, LayerColumns, RiskLevel } from '../../report.js';

/** A build-command-risks row without the layer columns; `historyIndex` lets the wrapper map it to a layer. */
export type BuildRiskFinding = Omit<BuildRiskRow, keyof LayerColumns>;

/** One history entry, parsed from its `created_by`. */
export interface BuildStep {
  /** 0-based index into the config's history. */
  index: number;
  /** Upper-case Dockerfile instruction (`RUN`, `ENV`, `ADD`, …); `RUN` for a bare shell command. */
  instruction: string;
  /** What follows the instruction; for `RUN` the shell command (without `/bin/sh -c`). */
  args: string;
  /** `ENV`/`ARG` assignments of this step, and the build arguments of a `|N K=V … /bin/sh -c` RUN. */
  assignments: Array<{ name: string; value: string }>;
  /** The original `created_by`. */
  createdBy: string;
}

/** Image-wide facts from the config, for rules that look beyond one step. */
export interface ImageFacts {
  steps: BuildStep[];
  /** `config.User` ('' when unset). */
  user: string;
  /** `config.ExposedPorts` keys (`22/tcp`). */
  exposedPorts: string[];
  env: Map<string, string>;
  labels: Map<string, string>;
  /** `config.Healthcheck` set to a real test (not `NONE`). */
  hasHealthcheck: boolean;
}

/**
 * One build-risk rule. `step` flags single history entries; `image` flags the image as a whole (the row has
 * `historyIndex: null`) and is only asked when `step` flagged nothing (e.g. an exposed port with no EXPOSE
 * entry left in the history).
 */
export interface BuildRiskRule {
  id: string;
  name: string;
  level: RiskLevel;
  description: string;
  remediation: string;
  step?: (step: BuildStep, image: ImageFacts) => boolean;
  /** The instruction text to report for an image-wide risk, or null when there is none. */
  image?: (image: ImageFacts) => string | null;
}
