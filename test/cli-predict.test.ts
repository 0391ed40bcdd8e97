/**
 * `nntk predict`, `nntk regress` and `nntk train --x-val --y-val --patience`
 * run as child processes on dist/cli/main.js (run `npm run build:ts` first),
 * against the file contract: results equal the library called in-process on
 * the same inputs, bitwise; .npy shapes; usage errors exit 2, bad files exit 1
 * with one `nntk:` line naming the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitPrediction, Matrix, networkPrediction, readNpy, train, TwoLayerNetwork, writeNpy, defaultLearningRate } from '../dist/index.js';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
let dir: string;
const path = (name: string) => join(dir, name);

function nntk(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(...args: string[]): { stdout: string; stderr: string } {
  const r = nntk(...args);
  expect(r.stderr + (r.code === 0 ? '' : `\n(exit ${r.code})`)).not.toMatch(/^nntk: /m);
  expect(r.code).toBe(0);
  return r;
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const M = 16;
const t = Array.from({ length: M }, (_, j) => (2 * Math.PI * j) / M);
const X = new Matrix(M, 2, Float64Array.from(t.flatMap((s) => [Math.cos(s), Math.sin(s)])));
const y = Float64Array.from(t, (s) => Math.sin(2 * s));
const Xtest = Matrix.from([[0.3, -0.2], [1.1, 0.4], [-0.7, 0.9], [0.0, -1.3], [0.5, 0.5]]);
const net = TwoLayerNetwork.initialize({ width: 64, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 7 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nntk-predict-'));
  await writeNpy(path('X.npy'), { shape: [M, 2], data: X.data });
  await writeNpy(path('y.npy'), { shape: [M], data: y });
  await writeNpy(path('Xs.npy'), { shape: [5, 2], data: Xtest.data });
  await writeNpy(path('X3.npy'), { shape: [4, 3], data: new Float64Array(12) });
  ok('init', '--width', '64', '--dim', '2', '--seed', '7', '--out', 'model');
}, 60_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('nntk predict', () => {
  it('writes f(X) of shape (M,), equal to net.predict(X) bitwise, and nothing on stdout', async () => {
    const r = ok('predict', '--model', 'model', '--x', 'Xs.npy', '--out', 'f.npy');
    expect(r.stdout).toBe('');
    const f = await readNpy(path('f.npy'));
    expect(f.shape).toEqual([5]);
    expect(bits(f.data).equals(bits(net.predict(Xtest)))).toBe(true);
  });

  it("points of another dimension than the model's: exit 1 naming the file and both shapes, nothing written", () => {
    const r = nntk('predict', '--model', 'model', '--x', 'X3.npy', '--out', 'bad.npy');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nntk: predict: .*X3\.npy: inputs must be a 2-D array of shape \(M, 2\).*found shape \(4, 3\)\n$/);
    expect(existsSync(path('bad.npy'))).toBe(false);
    expect(nntk('predict', '--model', 'model', '--x', 'Xs.npy').code).toBe(2);
    expect(ok('predict', '--help').stdout).toMatch(/^Usage: nntk predict --model DIR --x X\.npy --out f\.npy/);
  });
});

describe('nntk regress', () => {
  it('--model, gradient flow: --steps S (default η = 1/μ_max) equals networkPrediction bitwise, test and training points', async () => {
    ok('regress', '--model', 'model', '--x', 'X.npy', '--y', 'y.npy', '--x-test', 'Xs.npy', '--steps', '40', '--out', 'f.npy', '--train-out', 'fX.npy');
    const expected = networkPrediction(net, X, y, Xtest, { when: { steps: 40, stepSize: defaultLearningRate(net, X) }, ridge: 0 });
    const [f, fX] = [await readNpy(path('f.npy')), await readNpy(path('fX.npy'))];
    expect([f.shape, fX.shape]).toEqual([[5], [M]]);
    expect(bits(f.data).equals(bits(expected.test))).toBe(true);
    expect(bits(fX.data).equals(bits(expected.train))).toBe(true);
  });

  it('--model --kind nntk --gauss-newton --lambda, t → ∞ with a ridge, reports λ on stderr', async () => {
    const r = ok('regress', '--model', 'model', '--x', 'X.npy', '--y', 'y.npy', '--x-test', 'Xs.npy', '--kind', 'nntk', '--gauss-newton', '--lambda', '1e-3', '--ridge', '1e-6', '--out', 'fn.npy');
    expect(r.stderr).toMatch(/lambda = 0\.001/);
    const expected = networkPrediction(net, X, y, Xtest, { kind: 'nntk', hessian: 'gauss-newton', lambda: 1e-3, ridge: 1e-6, when: { time: Infinity } });
    expect(bits((await readNpy(path('fn.npy'))).data).equals(bits(expected.test))).toBe(true);
  });

  it('--limit relu --time T equals limitPrediction bitwise', async () => {
    ok('regress', '--limit', 'relu', '--x', 'X.npy', '--y', 'y.npy', '--x-test', 'Xs.npy', '--time', '25', '--out', 'fl.npy');
    const expected = limitPrediction(X, y, Xtest, { activation: 'relu', bias: true, kind: 'ntk', ridge: 0, when: { time: 25 } });
    expect(bits((await readNpy(path('fl.npy'))).data).equals(bits(expected.test))).toBe(true);
  });

  it('usage errors exit 2 with the reason; test points of the wrong dimension exit 1 naming the file', () => {
    const base = ['regress', '--x', 'X.npy', '--y', 'y.npy', '--x-test', 'Xs.npy', '--out', 'u.npy'];
    const usage: [string[], RegExp][] = [
      [base, /give --model DIR or --limit ACTIVATION/],
      [[...base, '--model', 'model', '--limit', 'relu'], /give --model DIR or --limit ACTIVATION/],
      [[...base, '--model', 'model', '--time', '1', '--steps', '2'], /give --time or --steps, not both/],
      [[...base, '--model', 'model', '--lambda', '1'], /--lambda applies to --kind nntk only/],
      [[...base, '--limit', 'erf', '--kind', 'nntk'], /needs a fixed --lambda/],
      [[...base, '--model', 'model', '--time', '-1'], /--time must be ≥ 0/],
    ];
    for (const [args, message] of usage) {
      const r = nntk(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const r = nntk('regress', '--model', 'model', '--x', 'X.npy', '--y', 'y.npy', '--x-test', 'X3.npy', '--out', 'u.npy');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/X3\.npy: test points must be a 2-D array of shape \(M, 2\)/);
  });
});

describe('nntk train with a validation set', () => {
  it('--x-val --y-val --patience: history entries gain validationLoss, the record "best", and DIR2 holds the best model, as train() returns it', async () => {
    await writeNpy(path('yv.npy'), { shape: [M], data: y.map((v) => -v) });
    const r = ok('train', '--model', 'model', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--max-steps', '500', '--x-val', 'X.npy', '--y-val', 'yv.npy', '--patience', '3', '--out', 'trained', '--quiet');
    const expected = train(net, X, y, { method: 'gd', maxSteps: 500, tol: 1e-6, validation: { x: X, y: y.map((v) => -v) }, patience: 3 });
    expect(expected.reason).toBe('patience');
    const summary = JSON.parse(r.stdout) as { reason: string; best: unknown };
    expect(summary.reason).toBe('patience');
    expect(summary.best).toEqual(expected.best);
    const record = JSON.parse(readFileSync(path('trained/train.json'), 'utf8')) as { best: unknown; residual: number; history: { validationLoss: number }[] };
    expect(record.best).toEqual(expected.best);
    expect(record.residual).toBe(expected.residual);
    expect(record.history.map((e) => e.validationLoss)).toEqual(expected.history.map((e) => e.validationLoss));
    expect(bits((await readNpy(path('trained/c.npy'))).data).equals(bits(expected.net.c))).toBe(true);
    expect(bits((await readNpy(path('trained/W.npy'))).data).equals(bits(expected.net.W.data))).toBe(true);
  });

  it('--x-val with --resume: "best" is the lowest validation loss over the whole run, its step numbered in the whole history', async () => {
    const common = ['--model', 'model', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--x-val', 'X.npy', '--y-val', 'yv.npy', '--out', 'resumed', '--quiet'];
    ok('train', ...common, '--max-steps', '6');
    ok('train', ...common, '--max-steps', '12', '--resume');
    const record = JSON.parse(readFileSync(path('resumed/train.json'), 'utf8')) as { best: { step: number; validationLoss: number }; history: { validationLoss: number; accepted: boolean }[] };
    expect(record.history.length).toBe(13);
    const lowest = Math.min(...record.history.map((e) => e.validationLoss));
    expect(record.best.validationLoss).toBe(lowest);
    expect(record.history[record.best.step]!.validationLoss).toBe(lowest);
    // The opposite-sign targets make the lowest loss an early one: the first part's, which the second must not forget.
    expect(record.best.step).toBeLessThan(6);
  });

  it('--patience without a validation set, --x-val without --y-val, --patience with --resume: usage errors', () => {
    const base = ['train', '--model', 'model', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--out', 'v'];
    for (const [extra, message] of [
      [['--patience', '2'], /--patience needs a validation set/],
      [['--x-val', 'X.npy'], /--x-val and --y-val go together/],
      [['--x-val', 'X.npy', '--y-val', 'yv.npy', '--patience', '2', '--resume'], /--patience does not combine with --resume/],
    ] as const) {
      const r = nntk(...base, ...extra);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
