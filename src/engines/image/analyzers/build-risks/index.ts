/**
 * Build risks (the `build-command-risks` report type): rules over the image config's history `created_by`
 * and its config-wide facts (User, ExposedPorts, Env, Healthcheck, Labels). Pure: no I/O.
 *
 * - `analyzeBuildHistory(configJson)` → rows (`BuildRiskRow` without the layer columns) with `historyIndex`
 *   (0-based into `config.history`, null for image-wide risks such as running as root). The wrapper maps the
 *   index to a layer (empty-layer entries have none). `buildInstruction` is the `created_by` with secrets masked.
 * - `BUILD_RISK_RULES`: the rule list (`GP-BUILD-001`…, stable ids), each with level, description, remediation.
 * - `parseCreatedBy(createdBy, index)`: classic (`/bin/sh -c #(nop) …`, `|N A=b /bin/sh -c …`) and BuildKit
 *   (`RUN … # buildkit`, `ENV A=b`) forms → instruction, args, assignments.
 *
 * The base image's `ADD file:… in /`, `CMD` and `LABEL` entries are never risks.
 */
export { analyzeBuildHistory } from './analyze.js';
export { BUILD_RISK_RULES } from './rules.js';
export { parseCreatedBy, imageFacts } from './parse.js';
export type { BuildRiskFinding, BuildRiskRule, BuildStep, ImageFacts } from './types.js';
