/**
 * The `nntk` command (lib/cli/) run as a child process on its compiled form,
 * dist/cli/main.js, in a temporary directory, against the file contract:
 *
 * - results equal the library API called in-process on the same inputs,
 *   bitwise (the command must add no arithmetic of its own: same code, same
 *   Node.js, same BLAS thread count → the same bits);
 * - the NTK file also agrees with an independent numpy computation from the
 *   .npy files (J built column by column from docs/math.md §2, K = J·Jᵀ/M) to 1e-12
 *   relative: the two differ only in summation order (numpy's gemm over J vs
 *   the library's structured dsyrk + Hadamard form of docs/math.md §4), an error of
 *   a few ε·‖K‖ for these O(1) entries, while any wrong factor or missing
 *   term would be O(1);
 * - eigenpairs agree with numpy.linalg.eigh: values to 1e-12·‖K‖, vectors up
 *   to sign, to 1e-12·‖K‖/gap (the Davis–Kahan bound for a perturbation of
 *   size ε‖K‖; the gaps here are checked to be far from round-off);
 * - exit codes (0, 1, 2, 130), one-line `nntk: ` diagnostics on stderr,
 *   nothing but help, version or the JSON summary on stdout.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Progress } from '../lib/cli/progress.js';
import {
  Matrix,
  NewtonSystem,
  chooseLambda,
  kernel,
  readNpy,
  TwoLayerNetwork,
  writeNpy,
  type HistoryEntry,
  type NetworkConfig,
} from '../lib/index.js';
import { gamma } from './tolerance.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');
const COMMANDS = ['init', 'kernel', 'step', 'eig', 'train'];

let dir: string;
const path = (name: string) => join(dir, name);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function nntkRun(...args: string[]): Run {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and expects exit 0 with nothing unexpected on stderr. */
function ok(...args: string[]): Run {
  const r = nntkRun(...args);
  expect(r.stderr + (r.code === 0 ? '' : `\n(exit ${r.code})`)).not.toMatch(/^nntk: /m);
  expect(r.code).toBe(0);
  return r;
}

function python(script: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', script], { cwd: dir, encoding: 'utf8' }));
}

/** The first index where a and b differ in bits (Object.is), or -1. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

async function load(name: string): Promise<{ shape: number[]; data: Float64Array }> {
  return readNpy(path(name));
}

// Fixture: 16 points on the circle, y = sin 2t, 5 test points, models of width 64 and 4.
const M = 16;
const t = Array.from({ length: M }, (_, j) => (2 * Math.PI * j) / M);
const X = new Matrix(M, 2, Float64Array.from(t.flatMap((s) => [Math.cos(s), Math.sin(s)])));
const y = Float64Array.from(t, (s) => Math.sin(2 * s));
const X2 = Matrix.from([[0.3, -0.2], [1.1, 0.4], [-0.7, 0.9], [0.0, -1.3], [0.5, 0.5]]);
const CONFIG: NetworkConfig = { width: 64, dim: 2, activation: 'tanh', beta: 0.5, bias: true };
const net64 = TwoLayerNetwork.initialize(CONFIG, { seed: 7 });

beforeAll(async () => {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'nntk-cli-'));
  await writeNpy(path('X.npy'), { shape: [M, 2], data: X.data });
  await writeNpy(path('y.npy'), { shape: [M], data: y });
  await writeNpy(path('y-column.npy'), { shape: [M, 1], data: y });
  await writeNpy(path('X2.npy'), { shape: [5, 2], data: X2.data });
  ok('init', '--width', '64', '--dim', '2', '--seed', '7', '--out', 'm64');
  ok('init', '--width', '4', '--dim', '2', '--seed', '3', '--out', 'm4');
}, 60_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('init', () => {
  it('writes c (N), W (N×d), b (N) and model.json with exactly the specified fields, equal to TwoLayerNetwork.initialize', async () => {
    expect(JSON.parse(readFileSync(path('m64/model.json'), 'utf8'))).toEqual({ width: 64, dim: 2, activation: 'tanh', beta: 0.5, bias: true });
    const c = await load('m64/c.npy');
    const W = await load('m64/W.npy');
    const b = await load('m64/b.npy');
    expect([c.shape, W.shape, b.shape]).toEqual([[64], [64, 2], [64]]);
    expect(firstDifference(c.data, net64.c)).toBe(-1);
    expect(firstDifference(W.data, net64.W.data)).toBe(-1);
    expect(firstDifference(b.data, net64.b!)).toBe(-1);
  });

  it('is deterministic with --seed: the same seed gives identical files, another seed different ones', () => {
    ok('init', '--width', '6', '--dim', '3', '--seed', '11', '--out', 'seed-a');
    ok('init', '--width', '6', '--dim', '3', '--seed', '11', '--out', 'seed-b');
    ok('init', '--width', '6', '--dim', '3', '--seed', '12', '--out', 'seed-c');
    for (const file of ['c.npy', 'W.npy', 'b.npy', 'model.json']) {
      expect(readFileSync(path(`seed-a/${file}`)).equals(readFileSync(path(`seed-b/${file}`))), file).toBe(true);
    }
    expect(readFileSync(path('seed-a/c.npy')).equals(readFileSync(path('seed-c/c.npy')))).toBe(false);
  });

  it('--no-bias writes no b.npy and "bias": false; --symmetric pairs (c, w), (−c, w); options reach model.json', async () => {
    ok('init', '--width', '4', '--dim', '2', '--no-bias', '--symmetric', '--activation', 'sin', '--beta', '1', '--sigma-w', '2', '--out', 'nb');
    expect(existsSync(path('nb/b.npy'))).toBe(false);
    expect(JSON.parse(readFileSync(path('nb/model.json'), 'utf8'))).toEqual({ width: 4, dim: 2, activation: 'sin', beta: 1, bias: false });
    const c = (await load('nb/c.npy')).data;
    const W = (await load('nb/W.npy')).data;
    expect([c[1], c[3]]).toEqual([-c[0]!, -c[2]!]);
    expect(Array.from(W.subarray(2, 4))).toEqual(Array.from(W.subarray(0, 2)));
    const expected = TwoLayerNetwork.initialize({ width: 4, dim: 2, activation: 'sin', beta: 1, bias: false }, { seed: 0, sigmaW: 2, symmetric: true });
    expect(firstDifference(W, expected.W.data)).toBe(-1);
  });
});

describe('kernel', () => {
  it('--kind ntk equals kernel(net, X) bitwise and a numpy J·Jᵀ/M from the files to 1e-12 relative', async () => {
    ok('kernel', '--model', 'm64', '--x', 'X.npy', '--out', 'K.npy');
    const K = await load('K.npy');
    expect(K.shape).toEqual([M, M]);
    expect(firstDifference(K.data, kernel(net64, X).kernel.data)).toBe(-1);
    const err = python(`
import json, numpy as np
c, W, b, X = (np.load(f) for f in ('m64/c.npy', 'm64/W.npy', 'm64/b.npy', 'X.npy'))
N = c.size; s = N ** -0.5
U = X @ W.T + b                          # M x N pre-activations
S, D = np.tanh(U), 1 - np.tanh(U) ** 2
Xt = np.hstack([X, np.ones((X.shape[0], 1))])
# J in neuron-major blocks [c_i, w_i, b_i]: df/dc_i = s σ(u), df/d(w_i, b_i) = s c_i σ'(u) x~
J = np.concatenate([s * S[:, :, None], (s * c * D)[:, :, None] * Xt[:, None, :]], axis=2).reshape(X.shape[0], -1)
K = J @ J.T / X.shape[0]
Kc = np.load('K.npy')
print(json.dumps(float(np.abs(Kc - K).max() / np.abs(K).max())))`) as number;
    expect(err).toBeLessThan(1e-12);
  });

  it('--kind nntk (full Hessian, --y, λ auto) equals kernel(net, X, {kind: nntk, y}) bitwise and reports λ and the certificate on stderr', async () => {
    const r = ok('kernel', '--model', 'm64', '--x', 'X.npy', '--kind', 'nntk', '--y', 'y-column.npy', '--out', 'KN.npy');
    const expected = kernel(net64, X, { kind: 'nntk', lambda: 'auto', hessian: 'full', y });
    expect(firstDifference((await load('KN.npy')).data, expected.kernel.data)).toBe(-1);
    expect(r.stderr).toContain(`lambda = ${expected.lambda}`);
    expect(r.stderr).toContain(`= ${expected.certificate}`);
    expect(r.stdout).toBe('');
  });

  it('--kind nntk --gauss-newton --lambda 1e-3 equals kernel(net, X, {kind: nntk, hessian: gauss-newton, lambda}) bitwise, without --y', async () => {
    ok('kernel', '--model', 'm64', '--x', 'X.npy', '--kind', 'nntk', '--gauss-newton', '--lambda', '1e-3', '--out', 'KG.npy');
    const expected = kernel(net64, X, { kind: 'nntk', lambda: 1e-3, hessian: 'gauss-newton' });
    expect(firstDifference((await load('KG.npy')).data, expected.kernel.data)).toBe(-1);
  });

  it('--x2 writes the M2×M cross-kernels (rows the points of --x2), equal to kernel(net, X2, X) bitwise', async () => {
    ok('kernel', '--model', 'm64', '--x', 'X.npy', '--x2', 'X2.npy', '--out', 'KC.npy');
    ok('kernel', '--model', 'm64', '--x', 'X.npy', '--x2', 'X2.npy', '--kind', 'nntk', '--y', 'y.npy', '--lambda', '0.5', '--out', 'KNC.npy');
    const KC = await load('KC.npy');
    const KNC = await load('KNC.npy');
    expect([KC.shape, KNC.shape]).toEqual([[5, M], [5, M]]);
    expect(firstDifference(KC.data, kernel(net64, X2, X).kernel.data)).toBe(-1);
    expect(firstDifference(KNC.data, kernel(net64, X2, X, { kind: 'nntk', lambda: 0.5, hessian: 'full', y }).kernel.data)).toBe(-1);
  });

  it('the full-Hessian NNTK without --y is a usage error (exit 2)', () => {
    const r = nntkRun('kernel', '--model', 'm64', '--x', 'X.npy', '--kind', 'nntk', '--out', 'never.npy');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^nntk: .*--y/);
    expect(existsSync(path('never.npy'))).toBe(false);
  });
});

describe('step', () => {
  const cases = [
    { name: 'dense (auto: P = 16 ≤ M), full Hessian, λ auto, α = 0.5', model: 'm4', net: () => TwoLayerNetwork.initialize({ ...CONFIG, width: 4 }, { seed: 3 }), args: ['--lambda', 'auto', '--alpha', '0.5'], hessian: 'full', path: 'dense', policy: 'auto', alpha: 0.5 },
    { name: 'kernel (auto: P = 256 > M), Gauss–Newton, λ = 1e-3', model: 'm64', net: () => net64, args: ['--lambda', '1e-3', '--gauss-newton'], hessian: 'gauss-newton', path: 'kernel', policy: 1e-3, alpha: 1 },
    { name: 'kernel forced, full Hessian, λ auto', model: 'm64', net: () => net64, args: ['--lambda', 'auto', '--method', 'kernel'], hessian: 'full', path: 'kernel', policy: 'auto', alpha: 1 },
  ] as const;

  for (const c of cases) {
    it(`writes θ − αδ and d.npy = NewtonSystem.direction bitwise: ${c.name}`, async () => {
      const out = `step-${c.model}-${c.path}-${c.hessian}`;
      const r = ok('step', '--model', c.model, '--x', 'X.npy', '--y', 'y.npy', ...c.args, '--out', out, '--direction', `${out}.npy`);
      const system = new NewtonSystem(c.net(), X, y);
      const { lambda } = chooseLambda(c.policy, system, c.hessian);
      const { direction } = system.direction(lambda, c.hessian, c.path);
      const next = c.net().moved(direction, c.alpha);
      expect(firstDifference((await load(`${out}.npy`)).data, direction)).toBe(-1);
      expect(firstDifference((await load(`${out}/c.npy`)).data, next.c)).toBe(-1);
      expect(firstDifference((await load(`${out}/W.npy`)).data, next.W.data)).toBe(-1);
      expect(firstDifference((await load(`${out}/b.npy`)).data, next.b!)).toBe(-1);
      const summary = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(summary).toMatchObject({ lossBefore: system.loss, lossAfter: new NewtonSystem(next, X, y).loss, lambda, hessian: c.hessian, method: c.path, alpha: c.alpha });
      expect(r.stderr).toMatch(/loss .* -> /);
    });
  }

  it('a fixed λ below the curvature makes S + λI indefinite: exit 1 with the reason, no model written', () => {
    const r = nntkRun('step', '--model', 'm64', '--x', 'X.npy', '--y', 'y.npy', '--lambda', '1e-9', '--method', 'kernel', '--out', 'step-bad');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nntk: .*not positive definite/);
    expect(existsSync(path('step-bad'))).toBe(false);
  });
});

describe('eig', () => {
  it('values and column eigenvectors agree with numpy.linalg.eigh (values to 1e-12‖K‖, vectors up to sign to 1e-12‖K‖/gap), and --smallest/--largest give the ends', () => {
    ok('kernel', '--model', 'm64', '--x', 'X2.npy', '--out', 'Ke.npy');
    ok('eig', '--in', 'Ke.npy', '--values', 'w.npy', '--vectors', 'V.npy');
    ok('eig', '--in', 'Ke.npy', '--values', 'ws.npy', '--vectors', 'Vs.npy', '--smallest', '2');
    ok('eig', '--in', 'Ke.npy', '--values', 'wl.npy', '--largest', '2');
    const r = python(`
import json, numpy as np
K = np.load('Ke.npy'); norm = np.linalg.norm(K, 2)
w0, V0 = np.linalg.eigh(K)
gap = np.array([min(abs(w0[i] - w0[j]) for j in range(len(w0)) if j != i) for i in range(len(w0))])
def vec_err(V, idx):
    return max(min(np.abs(V[:, k] - V0[:, i]).max(), np.abs(V[:, k] + V0[:, i]).max()) * gap[i] / norm for k, i in enumerate(idx))
w, V, ws, Vs, wl = (np.load(f) for f in ('w.npy', 'V.npy', 'ws.npy', 'Vs.npy', 'wl.npy'))
print(json.dumps(dict(shapes=[w.shape, V.shape, ws.shape, Vs.shape, wl.shape],
  values=max(np.abs(w - w0).max(), np.abs(ws - w0[:2]).max(), np.abs(wl - w0[-2:]).max()) / norm,
  vectors=max(vec_err(V, range(5)), vec_err(Vs, range(2))), min_gap=float(gap.min() / norm))))`) as {
      shapes: number[][];
      values: number;
      vectors: number;
      min_gap: number;
    };
    expect(r.shapes).toEqual([[5], [5, 5], [2], [5, 2], [2]]);
    expect(r.min_gap).toBeGreaterThan(1e-6);
    expect(r.values).toBeLessThan(1e-12);
    expect(r.vectors).toBeLessThan(1e-12);
  });

  it('a non-square or non-symmetric matrix is refused with exit 1 naming the file', async () => {
    await writeNpy(path('asym.npy'), { shape: [2, 2], data: Float64Array.from([1, 2, 3, 4]) });
    for (const file of ['asym.npy', 'X.npy']) {
      const r = nntkRun('eig', '--in', file, '--values', 'never.npy');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^nntk: eig: ${file}: `));
    }
  });
});

describe('train', () => {
  it('Newton on N = 256, M = 16, d = 2, y = sin 2t converges; the history JSON and the written model agree with it', async () => {
    ok('init', '--width', '256', '--dim', '2', '--seed', '1', '--out', 'm256');
    const r = ok('train', '--model', 'm256', '--x', 'X.npy', '--y', 'y.npy', '--method', 'newton', '--out', 'trained', '--history', 'h.json');
    const h = JSON.parse(readFileSync(path('h.json'), 'utf8')) as { method: string; reason: string; residual: number; steps: number; attempts: number; history: HistoryEntry[] };
    expect(h).toMatchObject({ method: 'newton', reason: 'converged' });
    expect(h.residual).toBeLessThanOrEqual(1e-6);
    expect(h.attempts).toBe(h.history.length - 1);
    expect(h.steps).toBe(h.history.filter((e) => e.accepted).length - 1);
    expect(Object.keys(h.history[1]!).sort()).toEqual(['accepted', 'acceptedSteps', 'hessian', 'lambda', 'loss', 'residual', 'seconds', 'step']);
    expect(JSON.parse(r.stdout)).toEqual({ method: 'newton', reason: 'converged', residual: h.residual, steps: h.steps, attempts: h.attempts });
    const c = (await load('trained/c.npy')).data;
    const W = (await load('trained/W.npy')).data;
    const b = (await load('trained/b.npy')).data;
    const trained = TwoLayerNetwork.fromArrays({ ...CONFIG, width: 256 }, { c, W, b });
    const f = trained.predict(X);
    const relative = Math.hypot(...f.map((v, j) => v - y[j]!)) / Math.hypot(...y);
    // The same f (bitwise: same model, same code), two formulas for |r|/|y|: the library sums the M squares in
    // order, so each norm is within (M/2 + 1)·u of exact (Higham Lemma 3.1, halved by √) and the ratio within
    // (M + 3)·u; Math.hypot scales by the largest entry and compensates its sum, so it is no worse.
    expect(Math.abs(relative - h.residual)).toBeLessThanOrEqual(gamma(2 * (M + 3)) * relative);
  });

  it('gd stops at --max-steps with reason max-steps and one history entry per step (plus the start), lr recorded', () => {
    ok('train', '--model', 'm64', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--max-steps', '25', '--quiet', '--out', 'gd', '--history', 'gd.json');
    const h = JSON.parse(readFileSync(path('gd.json'), 'utf8')) as { reason: string; steps: number; lr: number; history: HistoryEntry[] };
    expect([h.reason, h.steps, h.history.length]).toEqual(['max-steps', 25, 26]);
    expect(h.lr).toBeGreaterThan(0);
  });

  it('divergence (gd with a huge --lr) exits 1 and still writes the last finite model and the history', () => {
    const r = nntkRun('train', '--model', 'm64', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--lr', '1e4', '--quiet', '--out', 'dv', '--history', 'dv.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nntk: train: .*(Infinity|NaN).*wrote dv and dv\.json/);
    expect((JSON.parse(readFileSync(path('dv.json'), 'utf8')) as { reason: string }).reason).toBe('diverged');
    expect(existsSync(path('dv/model.json'))).toBe(true);
  });

  it('SIGINT during a long gd run stops at a step boundary: exit 130, model dir and history (reason aborted) written', async () => {
    const child = spawn(process.execPath, [MAIN, 'train', '--model', 'm64', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--max-steps', '100000000', '--max-seconds', '30', '--out', 'int', '--history', 'int.json'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const first = stderr === '';
      stderr += chunk.toString();
      if (first) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    const h = JSON.parse(readFileSync(path('int.json'), 'utf8')) as { reason: string; steps: number };
    expect(h.reason).toBe('aborted');
    expect(h.steps).toBeLessThan(100_000_000);
    for (const file of ['model.json', 'c.npy', 'W.npy', 'b.npy']) expect(existsSync(path(`int/${file}`)), file).toBe(true);
  });

  it('progress: on a terminal one status line redrawn in place and ended by a newline; elsewhere plain lines, first and last', () => {
    const entry = (step: number, residual: number): HistoryEntry => ({ step, acceptedSteps: step, loss: residual ** 2, residual, lambda: 1e-3, hessian: 'full', accepted: true, seconds: 0 });
    const tty: string[] = [];
    const onTty = new Progress({ isTTY: true, columns: 100, write: (s: string) => tty.push(s) }, { tol: 1e-6, maxSteps: 10 });
    onTty.update(entry(0, 1));
    onTty.update(entry(5, 1e-3));
    onTty.finish(entry(6, 1e-7));
    expect(tty.slice(0, 3).every((s) => s.startsWith('\r\x1b[2K') && !s.includes('\n') && s.length <= 100 + 4)).toBe(true);
    expect(tty[1]).toMatch(/\[#{10}-{10}\]  50% {2}step 5\/10 {2}residual 1\.000e-3 {2}lambda 1\.00e-3 \(full\)/);
    expect(tty[2]).toContain('100%');
    expect(tty[3]).toBe('\n');
    const plain: string[] = [];
    const onPipe = new Progress({ write: (s: string) => plain.push(s) }, { tol: 1e-6 });
    for (let step = 0; step < 50; step++) onPipe.update(entry(step, 1 / (step + 1)));
    onPipe.finish(entry(50, 1e-7));
    expect(plain.map((s) => /step (\d+)/.exec(s)![1])).toEqual(['0', '50']);
    expect(plain.every((s) => s.startsWith('nntk train: ') && s.endsWith('\n'))).toBe(true);
  });
});

describe('help, version and usage errors', () => {
  it('every command has --help (and nntk help CMD): exit 0, usage on stdout, nothing on stderr', () => {
    for (const args of [['--help'], ['help'], ...COMMANDS.flatMap((c) => [[c, '--help'], ['help', c], [c, '-h']])]) {
      const r = nntkRun(...args);
      expect([r.code, r.stderr], args.join(' ')).toEqual([0, '']);
      expect(r.stdout, args.join(' ')).toMatch(/^Usage: nntk /);
    }
  });

  it('--version prints the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(ok('--version').stdout).toBe(`${version}\n`);
  });

  const bad: Array<[string, string[]]> = [
    ['no command', []],
    ['an unknown command', ['frobnicate']],
    ['an unknown option', ['init', '--width', '4', '--dim', '2', '--out', 'u', '--colour', 'red']],
    ['a missing required option', ['init', '--width', '4', '--out', 'u']],
    ['an option without its value', ['init', '--width', '4', '--dim', '2', '--out']],
    ['"1e" as a number', ['init', '--width', '4', '--dim', '2', '--beta', '1e', '--out', 'u']],
    ['"abc" as a number', ['init', '--width', 'abc', '--dim', '2', '--out', 'u']],
    ['"NaN" as a number', ['kernel', '--model', 'm4', '--x', 'X.npy', '--kind', 'nntk', '--gauss-newton', '--lambda', 'NaN', '--out', 'u.npy']],
    ['"Infinity" as a number', ['train', '--model', 'm4', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--lr', 'Infinity', '--out', 'u']],
    ['a hexadecimal number', ['init', '--width', '0x10', '--dim', '2', '--out', 'u']],
    ['a negative λ', ['step', '--model', 'm4', '--x', 'X.npy', '--y', 'y.npy', '--lambda', '-1', '--out', 'u']],
    ['a zero α', ['step', '--model', 'm4', '--x', 'X.npy', '--y', 'y.npy', '--lambda', 'auto', '--alpha', '0', '--out', 'u']],
    ['a fractional width', ['init', '--width', '2.5', '--dim', '2', '--out', 'u']],
    ['a bad choice', ['kernel', '--model', 'm4', '--x', 'X.npy', '--kind', 'gd', '--out', 'u.npy']],
    ['--symmetric with an odd width', ['init', '--width', '3', '--dim', '2', '--symmetric', '--out', 'u']],
    ['an option given twice', ['eig', '--in', 'K.npy', '--values', 'a.npy', '--values', 'b.npy']],
    ['a stray positional argument', ['eig', '--in', 'K.npy', '--values', 'a.npy', 'extra']],
    ['--smallest with --largest', ['eig', '--in', 'K.npy', '--values', 'a.npy', '--smallest', '1', '--largest', '1']],
    ['a value for a flag', ['train', '--model', 'm4', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--quiet=yes', '--out', 'u']],
    ['a Newton option with gd', ['train', '--model', 'm4', '--x', 'X.npy', '--y', 'y.npy', '--method', 'gd', '--lambda', 'auto', '--out', 'u']],
    ['a λ with --kind ntk', ['kernel', '--model', 'm4', '--x', 'X.npy', '--lambda', '1', '--out', 'u.npy']],
  ];
  for (const [what, args] of bad) {
    it(`${what} → exit 2, one stderr line "nntk: …" with a --help hint, empty stdout, nothing written`, () => {
      const r = nntkRun(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^nntk: [^\n]*--help[^\n]*\n$/);
      expect(r.stdout).toBe('');
      expect(existsSync(path('u')) || existsSync(path('u.npy'))).toBe(false);
    });
  }
});

describe('file errors', () => {
  it('a malformed .npy → exit 1 naming the file', () => {
    writeFileSync(path('garbage.npy'), 'not an array');
    const r = nntkRun('kernel', '--model', 'm4', '--x', 'garbage.npy', '--out', 'never.npy');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nntk: kernel: garbage\.npy: not a \.npy file[^\n]*\n$/);
  });

  it('a missing input file → exit 1 naming it', () => {
    const r = nntkRun('step', '--model', 'm4', '--x', 'X.npy', '--y', 'missing.npy', '--lambda', 'auto', '--out', 'never');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nntk: step: cannot open missing\.npy: no such file or directory\n$/);
  });

  it('X of the wrong dimension and y of the wrong length → exit 1 naming the file and the expected shape', async () => {
    await writeNpy(path('X3.npy'), { shape: [4, 3], data: new Float64Array(12) });
    await writeNpy(path('y5.npy'), { shape: [5], data: new Float64Array(5) });
    const rx = nntkRun('kernel', '--model', 'm4', '--x', 'X3.npy', '--out', 'never.npy');
    const ry = nntkRun('train', '--model', 'm4', '--x', 'X.npy', '--y', 'y5.npy', '--method', 'gd', '--out', 'never');
    expect([rx.code, ry.code]).toEqual([1, 1]);
    expect(rx.stderr).toMatch(/^nntk: kernel: X3\.npy: .*\(M, 2\).*\(4, 3\)/);
    expect(ry.stderr).toMatch(/^nntk: train: y5\.npy: .*\(16,\) or \(16, 1\).*\(5,\)/);
  });

  it('model directory checks: model.json fields and types, W shape, b.npy absent iff bias false, finite entries → exit 1 naming the file', async () => {
    const broken: Array<[string, (d: string) => Promise<void> | void, RegExp]> = [
      ['bad-json', (d) => writeFileSync(join(d, 'model.json'), '{"width": 4,'), /model\.json: not valid JSON/],
      ['bad-type', (d) => writeFileSync(join(d, 'model.json'), JSON.stringify({ width: '4', dim: 2, activation: 'tanh', beta: 0.5, bias: true })), /model\.json: "width" must be an integer/],
      ['bad-activation', (d) => writeFileSync(join(d, 'model.json'), JSON.stringify({ width: 4, dim: 2, activation: 'gelu', beta: 0.5, bias: true })), /model\.json: "activation" must be one of/],
      ['missing-field', (d) => writeFileSync(join(d, 'model.json'), JSON.stringify({ width: 4, dim: 2, activation: 'tanh', bias: true })), /model\.json: missing field\(s\) beta/],
      ['W-transposed', (d) => writeNpy(join(d, 'W.npy'), { shape: [2, 4], data: new Float64Array(8) }), /W\.npy: .*\(4, 2\).*\(2, 4\)/],
      ['b-missing', (d) => rmSync(join(d, 'b.npy')), /b\.npy: missing, but .*"bias": true/],
      ['b-extra', (d) => writeFileSync(join(d, 'model.json'), JSON.stringify({ width: 4, dim: 2, activation: 'tanh', beta: 0.5, bias: false })), /b\.npy: present, but .*"bias": false/],
      ['c-nan', (d) => writeNpy(join(d, 'c.npy'), { shape: [4], data: Float64Array.from([0, NaN, 0, 0]) }), /c\.npy: entry \[1\] is NaN/],
    ];
    for (const [name, breakIt, message] of broken) {
      ok('init', '--width', '4', '--dim', '2', '--out', name);
      await breakIt(path(name));
      const r = nntkRun('kernel', '--model', name, '--x', 'X.npy', '--out', 'never.npy');
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toMatch(new RegExp(`^nntk: kernel: ${name}/${message.source}`));
    }
    const r = nntkRun('kernel', '--model', 'no-such-dir', '--x', 'X.npy', '--out', 'never.npy');
    expect([r.code, r.stderr]).toEqual([1, 'nntk: kernel: model directory no-such-dir does not exist\n']);
  });
});
