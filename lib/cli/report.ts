/**
 * The two output channels of a command: human-readable notes on stderr
 * (`nntk CMD: …`) and, for step and train, one JSON summary line on stdout.
 */
export function note(command: string, message: string): void {
  process.stderr.write(`nntk ${command}: ${message}\n`);
}

export function summary(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}
