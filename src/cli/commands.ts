import { Command, CommanderError } from 'commander';

/**
 * The CLI registry: every top-level verb (`start`, `admin`, `capture`, a family's own) is one CliCommand in
 * one list; `buildProgram` refuses duplicates and gives every command the same help, error and exit rules.
 */
export interface CliCommand {
  name: string;
  summary: string;
  /** Adds exactly one command called `name` to `program` (with its own options, arguments and subcommands). */
  register(program: Command): void;
}

/** Exit codes: 0 ok, 1 the operation failed, 2 usage (unknown verb or option, bad value). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function buildProgram(commands: readonly CliCommand[], options: { version: string }): Command {
  const program = new Command('guardpost')
    .description('Self-hosted security task service speaking the Huawei Cloud CFW v1 and HSS v5 APIs')
    .version(options.version, '-V, --version', 'print the Guardpost version')
    .helpOption('-h, --help', 'show help for a command')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'guardpost: ')) })
    .addHelpText('after', '\nRun "guardpost <command> --help" (or "guardpost <command> <verb> --help") for its arguments and options.');
  const seen = new Set<string>();
  for (const command of commands) {
    if (seen.has(command.name)) throw new Error(`CLI command "${command.name}" is registered twice`);
    seen.add(command.name);
    const before = program.commands.length;
    command.register(program);
    const added = program.commands.slice(before);
    if (added.length !== 1 || added[0]!.name() !== command.name) {
      throw new Error(`CLI command "${command.name}" must register exactly one command of that name`);
    }
    if (!added[0]!.description()) added[0]!.description(command.summary);
    added[0]!.summary(command.summary);
  }
  return program;
}

/** Runs the program on `argv` (user arguments only) and returns the exit code; nothing here calls process.exit. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    process.stderr.write(`guardpost: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

/** Wraps an action that returns an exit code (the existing `startCommand(args)` style) for commander. */
export function exitWith(run: () => Promise<number | void>): Promise<void> {
  return run().then((code) => {
    if (typeof code === 'number' && code !== 0) process.exitCode = code;
  });
}
