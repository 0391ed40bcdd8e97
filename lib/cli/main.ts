#!/usr/bin/env node
/**
 * The `nntk` command: dispatch to a subcommand, help and version, and the
 * exit codes (0 success, 1 numerical or I/O failure, 2 usage error, 130
 * interrupted). The only place that sets the exit status.
 */
import { readFileSync } from 'node:fs';
import { wantsHelp } from './args.js';
import type { Command } from './command.js';
import { converge } from './commands/converge.js';
import { demo } from './commands/demo.js';
import { eig } from './commands/eig.js';
import { init } from './commands/init.js';
import { kernel } from './commands/kernel.js';
import { limit } from './commands/limit.js';
import { predict } from './commands/predict.js';
import { regress } from './commands/regress.js';
import { step } from './commands/step.js';
import { trainCommand } from './commands/train.js';
import { uniformity } from './commands/uniformity.js';
import { classify, EXIT, UsageError } from './failures.js';

const COMMANDS: readonly Command[] = [init, kernel, step, eig, trainCommand, predict, regress, demo, limit, converge, uniformity];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `Usage: nntk COMMAND [options]

Neural tangent kernels (NTK and Newton NTK) and regularized Newton training of
two-layer networks. Arrays are float64 .npy files; a model is a directory with
c.npy (N), W.npy (N x d), b.npy (N; absent without bias) and model.json.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

  nntk COMMAND --help    options of a command (also: nntk help COMMAND)
  nntk --version         the version

Exit status: 0 success, 1 numerical or I/O failure, 2 usage error, 130 interrupted.
`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `${pkg.version}\n`;
}

function find(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw new UsageError(`unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  return command;
}

async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  let command: Command | undefined;
  try {
    if (first === undefined) throw new UsageError('missing command');
    if (first === '--help' || first === '-h') return print(overview());
    if (first === '--version' || first === '-V') return print(version());
    if (first === 'help') {
      if (rest.length > 1) throw new UsageError(`help takes one command, got ${rest.length}`);
      return print(rest[0] === undefined ? overview() : find(rest[0]).help());
    }
    if (first.startsWith('-')) throw new UsageError(`unknown option ${first} (options come after the command)`);
    command = find(first);
    if (wantsHelp(rest)) return print(command.help());
    return await command.run(rest);
  } catch (error) {
    const { code, reason } = classify(error);
    const where = command === undefined || reason.startsWith(`${command.name}: `) ? '' : `${command.name}: `;
    const hint = code === EXIT.usage ? ` (see 'nntk ${command === undefined ? '' : `${command.name} `}--help')` : '';
    process.stderr.write(`nntk: ${where}${reason.replace(/\s*\n\s*/g, ' ')}${hint}\n`);
    return code;
  }
}

function print(text: string): number {
  process.stdout.write(text);
  return EXIT.ok;
}

process.exitCode = await main(process.argv.slice(2));
