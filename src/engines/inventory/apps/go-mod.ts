import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { baseName, PackageCollector, textLines } from './common.js';

interface Replacement {
  oldVersion?: string;
  /** null when replaced by a local directory (no module version to match). */
  target: { path: string; version: string } | null;
}

/**
 * `go.mod`: `require` lines and blocks (indirect requirements too), with `replace` directives applied
 * (a replacement by a local directory drops the module); the main module itself is not a dependency.
 * Versions lose their `v` prefix, as OSV writes Go versions.
 */
export const goModExtractor: Extractor = {
  name: 'go/gomod',
  version: 1,
  maxFileBytes: 8 * 1024 * 1024,
  fileRequired(file: FileInfo): boolean {
    return baseName(file.path) === 'go.mod';
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const requires: Array<{ path: string; version: string }> = [];
    const replaces = new Map<string, Replacement[]>();
    let block: string | null = null;
    for (const raw of textLines(await input.read(), input.path)) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      if (line === '') continue;
      if (block) {
        if (line === ')') block = null;
        else directive(block, line, requires, replaces);
        continue;
      }
      const open = /^(\w+)\s*\($/.exec(line);
      if (open?.[1]) block = open[1];
      else {
        const [verb, ...rest] = line.split(/\s+/);
        if (verb) directive(verb, rest.join(' '), requires, replaces);
      }
    }
    const out = new PackageCollector('Go', this.name, input.path);
    for (const req of requires) {
      const target = applyReplace(req, replaces);
      if (target) out.add(target.path, target.version.replace(/^v/, ''));
    }
    return out.packages;
  },
};

function directive(verb: string, args: string, requires: Array<{ path: string; version: string }>, replaces: Map<string, Replacement[]>): void {
  const words = args.split(/\s+/).map(unquoteGo);
  if (verb === 'require' && words.length >= 2 && words[0] && words[1] && /^v\d/.test(words[1])) {
    requires.push({ path: words[0], version: words[1] });
  } else if (verb === 'replace') {
    const arrow = words.indexOf('=>');
    const from = words.slice(0, arrow);
    const to = words.slice(arrow + 1);
    if (arrow < 1 || !from[0] || !to[0]) return;
    const target = to[1] && /^v\d/.test(to[1]) ? { path: to[0], version: to[1] } : null;
    const list = replaces.get(from[0]) ?? [];
    list.push({ oldVersion: from[1], target });
    replaces.set(from[0], list);
  }
}

function applyReplace(req: { path: string; version: string }, replaces: Map<string, Replacement[]>): { path: string; version: string } | null {
  const rules = replaces.get(req.path);
  if (!rules) return req;
  const rule = rules.find((r) => r.oldVersion === req.version) ?? rules.find((r) => r.oldVersion === undefined);
  return rule ? rule.target : req;
}

function unquoteGo(word: string): string {
  return word.length >= 2 && (word[0] === '"' || word[0] === '`') && word.endsWith(word[0]) ? word.slice(1, -1) : word;
}
