/** Small helpers over a RUN step's shell command (a heuristic reading, never executed). */

/** The simple commands of a shell line: split at `&&`, `||`, `;`, `|` and newlines (line continuations joined). */
export function commandsOf(command: string): string[] {
  return command
    .replace(/\\\r?\n/g, ' ')
    .split(/&&|\|\||;|\||\n/)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

/** Whitespace-separated words with surrounding quotes removed. */
export function wordsOf(command: string): string[] {
  return command
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => w.replace(/^["']|["']$/g, ''));
}

/** The first command of `command` whose text matches `re`. */
export const someCommand = (command: string, re: RegExp): boolean => commandsOf(command).some((c) => re.test(c));

/** A command running package manager `tool` with sub-command `sub` (`apt-get -y install …`). */
export function invokes(tool: string, sub: string): RegExp {
  return new RegExp(String.raw`(?:^|\s|/)(?:${tool})\s+(?:-\S+\s+)*(?:${sub})\b`);
}
