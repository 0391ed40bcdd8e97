/**
 * A small strict parser for `--flag value`, `--flag=value` and bare `--flag`
 * options, with typed values and generated help. Everything it does not
 * understand is a UsageError: unknown or repeated options, positional
 * arguments, missing values, values that do not parse.
 */
import { UsageError } from './failures.js';

/**
 * One option. `always` says whether the parsed value is always present
 * (a flag, a required option, an option with a default) or may be undefined.
 */
export interface Option<T, Always extends boolean> {
  /** The value's name in help (`N`, `DIR`); null for a flag that takes no value. */
  readonly placeholder: string | null;
  readonly help: string;
  readonly required: boolean;
  readonly fallback: { value: T; shown: string } | null;
  readonly parse: (text: string, flag: string) => T;
  /** Type-level only. */
  readonly always?: Always;
}

type AnyOption = Option<unknown, boolean>;
export type Options = Record<string, AnyOption>;

export type Values<O extends Options> = {
  [K in keyof O]: O[K] extends Option<infer T, infer A> ? (A extends true ? T : T | undefined) : never;
};

/** A flag without a value: true when given. */
export function flag(help: string): Option<boolean, true> {
  return { placeholder: null, help, required: false, fallback: { value: false, shown: '' }, parse: () => true };
}

export function required<T>(placeholder: string, help: string, parse: (text: string, flag: string) => T): Option<T, true> {
  return { placeholder, help, required: true, fallback: null, parse };
}

export function optional<T>(placeholder: string, help: string, parse: (text: string, flag: string) => T): Option<T, false> {
  return { placeholder, help, required: false, fallback: null, parse };
}

export function withDefault<T>(placeholder: string, help: string, parse: (text: string, flag: string) => T, value: T): Option<T, true> {
  const shown = typeof value === 'number' && value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential() : String(value);
  return { placeholder, help, required: false, fallback: { value, shown }, parse };
}

/** `sigmaW` → `--sigma-w`. */
function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** True when argv asks for help (`--help` or `-h` anywhere). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export function parseArgs<O extends Options>(argv: readonly string[], options: O): Values<O> {
  const byFlag = new Map(Object.keys(options).map((key) => [flagName(key), key] as const));
  const values: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('--')) throw new UsageError(`unexpected argument '${token}'`);
    const eq = token.indexOf('=');
    const name = eq < 0 ? token : token.slice(0, eq);
    const key = byFlag.get(name);
    if (key === undefined) throw new UsageError(`unknown option ${name}`);
    if (key in values) throw new UsageError(`${name} is given twice`);
    const option = options[key]!;
    let text: string;
    if (option.placeholder === null) {
      if (eq >= 0) throw new UsageError(`${name} takes no value`);
      text = '';
    } else if (eq >= 0) {
      text = token.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${name} needs a value ${option.placeholder}`);
      text = next;
      i++;
    }
    values[key] = option.parse(text, name);
  }
  for (const [key, option] of Object.entries(options)) {
    if (key in values) continue;
    if (option.required) throw new UsageError(`missing required option ${flagName(key)} ${option.placeholder}`);
    if (option.fallback !== null) values[key] = option.fallback.value;
  }
  return values as Values<O>;
}

/** The option table of a command's help, one line per option (wrapped help text aligned). */
export function describeOptions(options: Options): string {
  const rows = Object.entries(options).map(([key, option]) => {
    const left = option.placeholder === null ? flagName(key) : `${flagName(key)} ${option.placeholder}`;
    let help = option.help;
    if (option.required) help += ' (required)';
    else if (option.fallback !== null && option.placeholder !== null) help += ` (default ${option.fallback.shown})`;
    return [left, help] as const;
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`).join('\n');
}

// ---------------------------------------------------------------------------
// Value parsers

/** A decimal number as JavaScript or Python would write it; no hex, no `Infinity`, no `NaN`, no blanks. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

interface NumberRange {
  integer?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  below?: number;
}

export function number(range: NumberRange = {}): (text: string, flag: string) => number {
  return (text, flag) => {
    const value = NUMBER.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(value)) throw new UsageError(`${flag} expects a number, got '${text}'`);
    if (range.integer && !Number.isSafeInteger(value)) throw new UsageError(`${flag} expects an integer, got '${text}'`);
    if (range.min !== undefined && !(value >= range.min)) throw new UsageError(`${flag} must be ≥ ${range.min}, got ${text}`);
    if (range.above !== undefined && !(value > range.above)) throw new UsageError(`${flag} must be > ${range.above}, got ${text}`);
    if (range.max !== undefined && !(value <= range.max)) throw new UsageError(`${flag} must be ≤ ${range.max}, got ${text}`);
    if (range.below !== undefined && !(value < range.below)) throw new UsageError(`${flag} must be < ${range.below}, got ${text}`);
    return value;
  };
}

export function choice<T extends string>(choices: readonly T[]): (text: string, flag: string) => T {
  return (text, flag) => {
    if (!(choices as readonly string[]).includes(text)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got '${text}'`);
    return text as T;
  };
}

/** Comma-separated integers, each in `range`, without repeats: `1,2,4`. */
export function integerList(range: Omit<NumberRange, 'integer'> = {}): (text: string, flag: string) => number[] {
  const one = number({ ...range, integer: true });
  return (text, flag) => {
    const values = text.split(',').map((part) => one(part, flag));
    if (new Set(values).size !== values.length) throw new UsageError(`${flag} lists a value twice: '${text}'`);
    return values;
  };
}

/** A path or name: any non-empty text. */
export function text(value: string, flag: string): string {
  if (value === '') throw new UsageError(`${flag} needs a non-empty value`);
  return value;
}

/** λ: `auto` or a finite number > 0. */
export function lambda(value: string, flag: string): number | 'auto' {
  return value === 'auto' ? 'auto' : number({ above: 0 })(value, flag);
}
