import type { BuildStep, ImageFacts } from './types.js';

const INSTRUCTIONS = new Set(['RUN', 'ENV', 'ARG', 'ADD', 'COPY', 'USER', 'EXPOSE', 'WORKDIR', 'CMD', 'ENTRYPOINT', 'LABEL', 'HEALTHCHECK', 'VOLUME', 'SHELL', 'STOPSIGNAL', 'ONBUILD', 'MAINTAINER', 'FROM']);

/** `/bin/sh -c `, `/bin/bash -o pipefail -c `: the shell wrapper in front of a RUN command. */
const SHELL_PREFIX = /^(?:\/usr)?\/bin\/(?:ba|da|z|a)?sh(?:\s+-o\s+\w+|\s+-[a-zA-Z]+)*\s+/;
const BUILDKIT_SUFFIX = /\s+# buildkit$/;
const NOP = /^(?:\/usr)?\/bin\/(?:ba|da|z|a)?sh\s+-c\s+#\(nop\)\s*/;
const ASSIGNMENT = /([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) return value.slice(1, -1);
  return value;
}

/** `A=b C="d e"`, or the legacy `ENV A b` form. */
export function parseAssignments(args: string): Array<{ name: string; value: string }> {
  const pairs = [...args.matchAll(ASSIGNMENT)].map((m) => ({ name: m[1] ?? '', value: unquote(m[2] ?? '') }));
  if (pairs.length > 0) return pairs;
  const legacy = /^([A-Za-z_][A-Za-z0-9_.-]*)\s+(.+)$/.exec(args.trim());
  return legacy ? [{ name: legacy[1] ?? '', value: unquote((legacy[2] ?? '').trim()) }] : [];
}

/** `|2 A=b C=d /bin/sh -c cmd`: the build arguments docker records in front of a RUN, and the rest. */
function splitBuildArgs(text: string): { args: Array<{ name: string; value: string }>; rest: string } {
  const head = /^\|(\d+)\s+/.exec(text);
  if (!head) return { args: [], rest: text };
  let rest = text.slice(head[0].length);
  const args: Array<{ name: string; value: string }> = [];
  const count = Math.min(Number(head[1]), 1000);
  for (let i = 0; i < count; i++) {
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)=(\S*)\s*/.exec(rest);
    if (!m) break;
    args.push({ name: m[1] ?? '', value: m[2] ?? '' });
    rest = rest.slice(m[0].length);
  }
  return { args, rest };
}

/**
 * Parses the `created_by` forms of the classic builder (`/bin/sh -c #(nop)  CMD ["sh"]`, `/bin/sh -c apt-get …`,
 * `|1 A=b /bin/sh -c …`), BuildKit (`RUN /bin/sh -c … # buildkit`, `ENV A=b`, `COPY … # buildkit`) and buildah.
 */
export function parseCreatedBy(createdBy: string, index: number): BuildStep {
  let text = createdBy.trim().replace(BUILDKIT_SUFFIX, '');
  let instruction = 'RUN';
  const nop = NOP.exec(text);
  if (nop) text = text.slice(nop[0].length);
  const word = /^([A-Za-z]+)(?:\s+|$)/.exec(text);
  if (word && INSTRUCTIONS.has((word[1] ?? '').toUpperCase()) && (nop || word[1] === word[1]?.toUpperCase())) {
    instruction = (word[1] ?? '').toUpperCase();
    text = text.slice(word[0].length);
  }
  let assignments: Array<{ name: string; value: string }> = [];
  if (instruction === 'RUN') {
    const split = splitBuildArgs(text);
    assignments = split.args;
    text = split.rest.replace(SHELL_PREFIX, '');
  } else if (instruction === 'ENV' || instruction === 'ARG') {
    assignments = parseAssignments(text);
  }
  return { index, instruction, args: text.trim(), assignments, createdBy };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Bounds: history entries looked at, characters of one `created_by`. */
export const MAX_HISTORY_ENTRIES = 10_000;
export const MAX_CREATED_BY_CHARS = 64 * 1024;

/** The facts the rules need, from an image config of any shape (missing parts are empty). */
export function imageFacts(configJson: unknown): ImageFacts {
  const config = isRecord(configJson) ? configJson : {};
  const runtime = isRecord(config.config) ? config.config : {};
  const history = Array.isArray(config.history) ? config.history.slice(0, MAX_HISTORY_ENTRIES) : [];
  const steps = history.flatMap((entry: unknown, i) => {
    const createdBy = isRecord(entry) && typeof entry.created_by === 'string' ? entry.created_by.slice(0, MAX_CREATED_BY_CHARS) : '';
    return createdBy.trim() ? [parseCreatedBy(createdBy, i)] : [];
  });
  const env = new Map<string, string>();
  if (Array.isArray(runtime.Env)) {
    for (const e of runtime.Env) {
      if (typeof e !== 'string') continue;
      const eq = e.indexOf('=');
      if (eq > 0) env.set(e.slice(0, eq), e.slice(eq + 1));
    }
  }
  const labels = new Map<string, string>();
  if (isRecord(runtime.Labels)) for (const [k, v] of Object.entries(runtime.Labels)) if (typeof v === 'string') labels.set(k, v);
  const healthcheck = isRecord(runtime.Healthcheck) ? runtime.Healthcheck.Test : undefined;
  return {
    steps,
    user: typeof runtime.User === 'string' ? runtime.User.trim() : '',
    exposedPorts: isRecord(runtime.ExposedPorts) ? Object.keys(runtime.ExposedPorts) : [],
    env,
    labels,
    hasHealthcheck: Array.isArray(healthcheck) && healthcheck.length > 0 && healthcheck[0] !== 'NONE',
  };
}
