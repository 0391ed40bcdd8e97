/**
 * What a subcommand is: a name, a one-line summary for `nntk --help`, an
 * option table, and a run function over the parsed, typed options that
 * resolves to an exit code.
 */
import { describeOptions, parseArgs, type Options, type Values } from './args.js';

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** The full `--help` text. */
  help(): string;
  /** Parses argv (without the command name) and runs; resolves to the exit code. */
  run(argv: readonly string[]): Promise<number>;
}

export interface CommandSpec<O extends Options> {
  name: string;
  summary: string;
  /** The usage line after `nntk NAME`. */
  synopsis: string;
  /** Paragraphs after the usage line: what the command computes, files, output. */
  description: string;
  options: O;
  run(values: Values<O>): Promise<number>;
}

export function defineCommand<O extends Options>(spec: CommandSpec<O>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    help: () =>
      `Usage: nntk ${spec.name} ${spec.synopsis}\n\n${spec.summary}\n\n${spec.description.trim()}\n\nOptions:\n${describeOptions(spec.options)}\n`,
    run: (argv) => spec.run(parseArgs(argv, spec.options)),
  };
}
