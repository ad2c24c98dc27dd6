import { parse } from 'yaml';

/**
 * Parses a lockfile's YAML with every scalar kept as a string (the failsafe schema, so `1.10` stays `1.10`),
 * few aliases (no billion-laughs expansion) and a clear error naming the file.
 */
export function parseLockYaml(text: string, path: string): unknown {
  try {
    return parse(text, { schema: 'failsafe', maxAliasCount: 50, uniqueKeys: false, prettyErrors: false });
  } catch (err) {
    throw new Error(`${path}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
}
