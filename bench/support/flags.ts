/** The benchmarks' command lines: `--name value`, `--name=value` and boolean switches, unknown names refused. */

export function positiveInt(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export const truthy = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0' && v !== 'false';

/** Parses argv; prints `usage` and exits on --help. */
export function parseFlags(argv: string[], spec: { booleans: string[]; values: string[] }, usage: string): Map<string, string> {
  const flags = new Map<string, string>();
  const booleans = new Set([...spec.booleans, '--help']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!name.startsWith('--')) throw new Error(`unexpected argument "${arg}"\n${usage}`);
    if (booleans.has(name)) flags.set(name, eq > 0 ? arg.slice(eq + 1) : 'true');
    else if (eq > 0) flags.set(name, arg.slice(eq + 1));
    else if (i + 1 < argv.length) flags.set(name, argv[++i] as string);
    else throw new Error(`${name} needs a value\n${usage}`);
  }
  const known = new Set([...booleans, ...spec.values]);
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown option ${name}\n${usage}`);
  if (flags.has('--help')) {
    console.log(usage);
    process.exit(0);
  }
  return flags;
}
