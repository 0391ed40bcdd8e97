/**
 * The commands on a model of C = 3 outputs (docs/math.md §8), against the
 * library bitwise (the built package, dist/):
 * - `nntk kernel --outputs full` writes the (M·C)×(M·C) kernel (and with --x2
 *   the (M2·C)×(M·C) cross-kernel), the default `--outputs trace` the M×M one,
 *   for the NTK and, with y of (M, C), the Newton NTK;
 * - `nntk eig` decomposes the full kernel;
 * - `nntk regress` takes y of (M, C) and writes (M2, C): from the model's full
 *   kernels by default or its traced ones with --outputs trace, and from the
 *   limit kernels (C from y's columns);
 * - a y of the wrong shape exits 1 naming both shapes; --outputs with --limit exits 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernel, limitPrediction, Matrix, networkPrediction, readNpy, spectrum, TwoLayerNetwork, writeNpy, defaultLearningRate } from '../dist/index.js';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
let dir: string;
const path = (name: string) => join(dir, name);
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function nntk(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: 'utf8' });
}
function ok(...args: string[]) {
  const r = nntk(...args);
  if (r.status !== 0) throw new Error(`nntk ${args.join(' ')} exited ${String(r.status)}: ${r.stderr}`);
  return r;
}

const C = 3;
const M = 7;
const X = new Matrix(M, 2, Float64Array.from({ length: 2 * M }, (_, i) => Math.sin(1.7 * i + 0.3)));
const Xtest = new Matrix(4, 2, Float64Array.from({ length: 8 }, (_, i) => Math.cos(2.3 * i)));
const y = Float64Array.from({ length: M * C }, (_, i) => Math.sin(0.9 * i));
const net = TwoLayerNetwork.initialize({ width: 20, dim: 2, outputs: C }, { seed: 4 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nntk-multi-output-cli-'));
  await writeNpy(path('X.npy'), { shape: [M, 2], data: X.data });
  await writeNpy(path('Xs.npy'), { shape: [4, 2], data: Xtest.data });
  await writeNpy(path('y.npy'), { shape: [M, C], data: y });
  await writeNpy(path('y1.npy'), { shape: [M], data: y.subarray(0, M) });
  ok('init', '--width', '20', '--dim', '2', '--outputs', String(C), '--seed', '4', '--out', 'model');
}, 60_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('nntk kernel --outputs', () => {
  it('full: (M·C)×(M·C), and with --x2 (M2·C)×(M·C); trace (the default): M×M — each kernel(…) bitwise', async () => {
    const cases: Array<[string[], ReturnType<typeof kernel>]> = [
      [['--outputs', 'full'], kernel(net, X, { outputs: 'full' })],
      [[], kernel(net, X)],
      [['--outputs', 'trace', '--x2', 'Xs.npy'], kernel(net, Xtest, X)],
      [['--outputs', 'full', '--x2', 'Xs.npy'], kernel(net, Xtest, X, { outputs: 'full' })],
      [['--outputs', 'full', '--kind', 'nntk', '--y', 'y.npy'], kernel(net, X, { kind: 'nntk', y, outputs: 'full' })],
      [['--kind', 'nntk', '--gauss-newton', '--lambda', '0.01', '--x2', 'Xs.npy'], kernel(net, Xtest, X, { kind: 'nntk', hessian: 'gauss-newton', lambda: 0.01 })],
    ];
    for (const [i, [args, expected]] of cases.entries()) {
      ok('kernel', '--model', 'model', '--x', 'X.npy', ...args, '--out', `K${i}.npy`);
      const file = await readNpy(path(`K${i}.npy`));
      expect(file.shape, args.join(' ')).toEqual([expected.kernel.rows, expected.kernel.cols]);
      expect(bits(file.data).equals(bits(expected.kernel.data)), args.join(' ')).toBe(true);
    }
  });

  it('the Newton kernel with y of (M,) for a model of 3 outputs exits 1 naming both shapes', () => {
    const r = nntk('kernel', '--model', 'model', '--x', 'X.npy', '--kind', 'nntk', '--y', 'y1.npy', '--out', 'bad.npy');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^nntk: kernel: .*y1\.npy: targets must have shape \(7, 3\) .*found shape \(7,\)\n$/);
  });
});

describe('nntk eig on the full kernel', () => {
  it('writes its M·C eigenvalues, spectrum() bitwise', async () => {
    ok('kernel', '--model', 'model', '--x', 'X.npy', '--outputs', 'full', '--out', 'Kfull.npy');
    ok('eig', '--in', 'Kfull.npy', '--values', 'w.npy');
    const w = await readNpy(path('w.npy'));
    expect(w.shape).toEqual([M * C]);
    expect(bits(w.data).equals(bits(spectrum(kernel(net, X, { outputs: 'full' }).kernel, { vectors: false }).values))).toBe(true);
  });
});

describe('nntk regress with y of (M, C)', () => {
  it('--model: (M2, C) and (M, C), networkPrediction bitwise on the full kernels (default) and the traced ones', async () => {
    const eta = defaultLearningRate(net, X);
    for (const [i, outputs] of (['full', 'trace'] as const).entries()) {
      const args = i === 0 ? [] : ['--outputs', outputs];
      ok('regress', '--model', 'model', '--x', 'X.npy', '--y', 'y.npy', '--x-test', 'Xs.npy', '--steps', '20', ...args, '--out', `f${i}.npy`, '--train-out', `fX${i}.npy`);
      const expected = networkPrediction(net, X, y, Xtest, { when: { steps: 20, stepSize: eta }, ridge: 0, outputs });
      const [f, fX] = [await readNpy(path(`f${i}.npy`)), await readNpy(path(`fX${i}.npy`))];
      expect([f.shape, fX.shape]).toEqual([[4, C], [M, C]]);
      expect(bits(f.data).equals(bits(expected.test)), outputs).toBe(true);
      expect(bits(fX.data).equals(bits(expected.train)), outputs).toBe(true);
    }
  });

  it('--limit: C from y, (M2, C), limitPrediction { outputCount: C } bitwise; --outputs with --limit exits 2', async () => {
    ok('regress', '--limit', 'erf', '--x', 'X.npy', '--y', 'y.npy', '--x-test', 'Xs.npy', '--time', '5', '--out', 'fl.npy');
    const expected = limitPrediction(X, y, Xtest, { activation: 'erf', bias: true, kind: 'ntk', ridge: 0, when: { time: 5 }, outputCount: C });
    const f = await readNpy(path('fl.npy'));
    expect(f.shape).toEqual([4, C]);
    expect(bits(f.data).equals(bits(expected.test))).toBe(true);
    const r = nntk('regress', '--limit', 'erf', '--x', 'X.npy', '--y', 'y.npy', '--x-test', 'Xs.npy', '--outputs', 'full', '--out', 'u.npy');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--outputs applies to --model only/);
  });
});
