/**
 * Behaviours of the `nntk` command that have a decided outcome but no
 * numerical result to compare: options that contradict each other, requests
 * beyond the data, empty inputs, and the training worker dying. Each runs
 * dist/cli/main.js as a child process in a fresh directory and checks the
 * exit status, the one-line `nntk: ` reason on stderr, an empty stdout, and
 * that nothing was written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatNpy } from '../lib/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');

let dir = '';
const path = (name: string) => join(dir, name);

function run(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function npy(name: string, shape: number[], data: ArrayLike<number>): void {
  writeFileSync(path(name), formatNpy({ shape, data: Float64Array.from(data) }));
}

/** The files a run may have created (everything but the inputs written in beforeAll). */
let inputs = new Set<string>();
const created = () => readdirSync(dir).filter((f) => !inputs.has(f));

/** Exit `code`, stderr exactly one `nntk: CMD: …` line matching `reason`, stdout empty, nothing written. */
function expectRefused(r: ReturnType<typeof run>, code: number, command: string, reason: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toMatch(new RegExp(`^nntk: ${command}: [^\\n]*\\n$`));
  expect(r.stderr).toMatch(reason);
  expect(r.stdout).toBe('');
  expect(created()).toEqual([]);
}

beforeAll(() => {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'nntk-cli-behaviour-'));
  const init = run(['init', '--width', '8', '--dim', '2', '--seed', '1', '--out', 'model']);
  expect(init.code, init.stderr).toBe(0);
  npy('X.npy', [5, 2], [0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9, 1.0]);
  npy('y.npy', [5], [1, -1, 0.5, 0.25, -0.5]);
  npy('X0.npy', [0, 2], []);
  npy('y0.npy', [0], []);
  npy('K.npy', [3, 3], [2, 1, 0, 1, 2, 1, 0, 1, 2]);
  npy('K0.npy', [0, 0], []);
  // Preloaded into every thread through NODE_OPTIONS: in the training worker (not the main thread) it ends
  // the thread before the worker's module runs, or throws while loading it.
  writeFileSync(path('exit-worker.mjs'), "import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) process.exit(3);\n");
  writeFileSync(path('throw-in-worker.mjs'), "import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) throw new RangeError('loading failed');\n");
  inputs = new Set(readdirSync(dir));
}, 120_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const f of created()) rmSync(path(f), { recursive: true, force: true });
});

describe('contradictory or inapplicable options are usage errors (exit 2), nothing written', () => {
  it('init --sigma-b with --no-bias: there is no bias to draw', () => {
    expectRefused(run(['init', '--width', '4', '--dim', '2', '--no-bias', '--sigma-b', '2', '--out', 'm']), 2, 'init', /--sigma-b has no effect with --no-bias/);
  });

  it('init --no-bias alone, and --sigma-b with the bias, are accepted', () => {
    expect(run(['init', '--width', '4', '--dim', '2', '--no-bias', '--out', 'a']).code).toBe(0);
    expect(existsSync(path('a/b.npy'))).toBe(false);
    expect(run(['init', '--width', '4', '--dim', '2', '--sigma-b', '2', '--out', 'b']).code).toBe(0);
    expect(existsSync(path('b/b.npy'))).toBe(true);
  });

  it('train --gauss-newton --full-hessian: one curvature or the other', () => {
    const r = run(['train', '--model', 'model', '--x', 'X.npy', '--y', 'y.npy', '--method', 'newton', '--gauss-newton', '--full-hessian', '--out', 't']);
    expectRefused(r, 2, 'train', /give --gauss-newton or --full-hessian, not both/);
  });

  it('eig --smallest k and --largest k with k > n: more eigenpairs than the order of K', () => {
    for (const which of ['--smallest', '--largest']) {
      expectRefused(run(['eig', '--in', 'K.npy', '--values', 'w.npy', which, '4']), 2, 'eig', new RegExp(`${which} 4 exceeds the order 3 of K\\.npy`));
    }
    // k = n is every pair, and allowed.
    expect(run(['eig', '--in', 'K.npy', '--values', 'w.npy', '--smallest', '3']).code).toBe(0);
  });
});

describe('M = 0: empty point sets and kernels are refused with a one-line reason naming the file (exit 1)', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['kernel', ['kernel', '--model', 'model', '--x', 'X0.npy', '--out', 'k.npy'], /X0\.npy: .*M ≥ 1.*found shape \(0, 2\)/],
    ['kernel', ['kernel', '--model', 'model', '--x', 'X.npy', '--x2', 'X0.npy', '--out', 'k.npy'], /X0\.npy: .*found shape \(0, 2\)/],
    ['step', ['step', '--model', 'model', '--x', 'X0.npy', '--y', 'y0.npy', '--lambda', '1', '--out', 's'], /X0\.npy: .*found shape \(0, 2\)/],
    ['train', ['train', '--model', 'model', '--x', 'X0.npy', '--y', 'y0.npy', '--method', 'gd', '--out', 't'], /X0\.npy: .*found shape \(0, 2\)/],
    ['limit', ['limit', '--x', 'X0.npy', '--activation', 'erf', '--out', 'l.npy'], /X0\.npy: .*M, d >= 1, found shape \(0, 2\)/],
    ['limit', ['limit', '--x', 'X.npy', '--x2', 'X0.npy', '--activation', 'erf', '--out', 'l.npy'], /X0\.npy: .*found shape \(0, 2\)/],
    ['eig', ['eig', '--in', 'K0.npy', '--values', 'w.npy'], /K0\.npy: expected a square 2-D array, found shape \(0, 0\)/],
  ];
  it.each(cases)('%s %j', (command, args, reason) => {
    expectRefused(run(args), 1, command, reason);
  });
});

describe('the training worker dying without a result', () => {
  const train = ['train', '--model', 'model', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--max-steps', '3', '--out', 't', '--history', 'h.json'];

  it('a worker that exits before posting anything: exit 1, one line with its exit code, no model or history written', () => {
    const r = run(train, { NODE_OPTIONS: `--import ${pathToFileURL(path('exit-worker.mjs')).href}` });
    expectRefused(r, 1, 'train', /the training worker exited \(code 3\) without a result/);
  });

  it('a worker that throws while loading: exit 1, one line with the error, no stack trace, nothing written', () => {
    const r = run(train, { NODE_OPTIONS: `--import ${pathToFileURL(path('throw-in-worker.mjs')).href}` });
    expectRefused(r, 1, 'train', /RangeError: loading failed/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('the same command with a healthy worker writes the model and the history (the hooks above are what failed)', () => {
    const r = run(train);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path('t/model.json')) && existsSync(path('h.json'))).toBe(true);
  });
});
