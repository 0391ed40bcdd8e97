/**
 * Every public function that takes an options object checks its keys: a
 * misspelt key is a TypeError naming the function, the key and the closest
 * valid key, before any work is done (issue: `initialize(cfg, { sigma_w })`
 * used to ignore the setting). limitKernel's options are checked in
 * limits.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chooseLambda,
  gemm,
  gemmAsync,
  kernel,
  Matrix,
  NewtonSystem,
  posv,
  posvAsync,
  potrf,
  potrfAsync,
  potrs,
  potrsAsync,
  replaceDirectory,
  spectrum,
  syevd,
  syevdAsync,
  syevr,
  syevrAsync,
  syrk,
  syrkAsync,
  train,
  trsm,
  trsmAsync,
  TwoLayerNetwork,
} from '../lib/index.js';

const config = { width: 4, dim: 2, activation: 'tanh', beta: 0.5, bias: true } as const;
const net = TwoLayerNetwork.initialize(config, { seed: 1 });
const X = Matrix.from([[0.1, 0.2], [0.3, -0.4], [-0.5, 0.6]]);
const y = Float64Array.of(0.1, -0.2, 0.3);
const spd = () => Matrix.from([[4, 1], [1, 3]]);
const b = () => Matrix.from([[1, 2]]);
const bad = <T>(o: object) => o as T;
const dir = mkdtempSync(join(tmpdir(), 'nntk-option-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** [what is called, the call with one misspelt key, the routine named, the misspelt key, the suggestion]. */
const calls: Array<[string, () => unknown, string, string, string]> = [
  ['new TwoLayerNetwork(config)', () => new TwoLayerNetwork(bad({ ...config, Bias: true }), net.c, net.inner), 'network: config', 'Bias', 'bias'],
  ['TwoLayerNetwork.initialize(config)', () => TwoLayerNetwork.initialize(bad({ ...config, activaton: 'relu' })), 'network: config', 'activaton', 'activation'],
  ['TwoLayerNetwork.initialize(config, options)', () => TwoLayerNetwork.initialize(config, bad({ seed: 0, sigma_w: 0.3 })), 'initialize', 'sigma_w', 'sigmaW'],
  ['TwoLayerNetwork.fromArrays(config, arrays)', () => TwoLayerNetwork.fromArrays(config, bad({ c: net.c, W: net.W.data, b: net.b, B: net.b })), 'network', 'B', 'b'],
  ['train, Newton', () => train(net, X, y, bad({ method: 'newton', maxStep: 3 })), 'train (Newton)', 'maxStep', 'maxSteps'],
  ['train, no method (Newton)', () => train(net, X, y, bad({ dampng: 'none' })), 'train (Newton)', 'dampng', 'damping'],
  ['train, Newton given lr', () => train(net, X, y, bad({ method: 'newton', lr: 0.1 })), 'train (Newton)', 'lr', 'alpha'],
  ['train, gradient descent', () => train(net, X, y, bad({ method: 'gd', LR: 0.1 })), 'train (gradient descent)', 'LR', 'lr'],
  ['train, width-scaled λ', () => train(net, X, y, { lambda: bad({ lambda0: 1, gamma: 0.5, gama: 1 }) }), 'train: the width-scaled λ', 'gama', 'gamma'],
  ['chooseLambda, width-scaled λ', () => chooseLambda(bad({ lambda0: 1, gamma: 0.5, lamda0: 1 }), new NewtonSystem(net, X, y), 'full'), 'chooseLambda: the width-scaled λ', 'lamda0', 'lambda0'],
  ['kernel', () => kernel(net, X, bad({ kind: 'nntk', hesian: 'full' })), 'kernel', 'hesian', 'hessian'],
  ['spectrum', () => spectrum(spd(), bad({ largets: 1 })), 'spectrum', 'largets', 'largest'],
  ['gemm', () => gemm(spd(), spd(), bad({ transa: true })), 'gemm', 'transa', 'transA'],
  ['syrk', () => syrk(spd(), bad({ upl: 'lower' })), 'syrk', 'upl', 'uplo'],
  ['trsm', () => trsm(spd(), b(), bad({ sides: 'right' })), 'trsm', 'sides', 'side'],
  ['potrf', () => potrf(spd(), bad({ check_finite: false })), 'potrf', 'check_finite', 'checkFinite'],
  ['potrs', () => potrs(potrf(spd()), b(), bad({ Uplo: 'lower' })), 'potrs', 'Uplo', 'uplo'],
  ['posv', () => posv(spd(), b(), bad({ checkFinit: true })), 'posv', 'checkFinit', 'checkFinite'],
  ['syevd', () => syevd(spd(), bad({ vector: false })), 'syevd', 'vector', 'vectors'],
  ['syevr', () => syevr(spd(), bad({ selct: { index: [0, 1] } })), 'syevr', 'selct', 'select'],
];

const asyncCalls: Array<[string, () => Promise<unknown>, string, string, string]> = [
  ['gemmAsync', () => gemmAsync(spd(), spd(), bad({ transb: true })), 'gemm', 'transb', 'transB'],
  ['syrkAsync', () => syrkAsync(spd(), bad({ alpah: 1 })), 'syrk', 'alpah', 'alpha'],
  ['trsmAsync', () => trsmAsync(spd(), b(), bad({ unitdiagonal: true })), 'trsm', 'unitdiagonal', 'unitDiagonal'],
  ['potrfAsync', () => potrfAsync(spd(), bad({ uplow: 'lower' })), 'potrf', 'uplow', 'uplo'],
  ['potrsAsync', () => potrsAsync(potrf(spd()), b(), bad({ upo: 'lower' })), 'potrs', 'upo', 'uplo'],
  ['posvAsync', () => posvAsync(spd(), b(), bad({ checkfinite: true })), 'posv', 'checkfinite', 'checkFinite'],
  ['syevdAsync', () => syevdAsync(spd(), bad({ vectros: true })), 'syevd', 'vectros', 'vectors'],
  ['syevrAsync', () => syevrAsync(spd(), bad({ Select: { index: [0, 1] } })), 'syevr', 'Select', 'select'],
  ['replaceDirectory', () => replaceDirectory(join(dir, 'unit'), async () => {}, bad({ owned: [], ownd: [] })), 'replaceDirectory', 'ownd', 'owned'],
];

const message = (routine: string, key: string, suggestion: string) =>
  new RegExp(`${routine.replace(/[()]/g, '\\$&')}: unknown option '${key}'; did you mean '${suggestion}'\\?`);

describe('an unknown option key is a TypeError naming the routine, the key and the closest valid key', () => {
  it.each(calls)('%s', (_, call, routine, key, suggestion) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message(routine, key, suggestion));
  });

  it.each(asyncCalls)('%s (rejects)', async (_, call, routine, key, suggestion) => {
    await expect(call()).rejects.toThrow(TypeError);
    await expect(call()).rejects.toThrow(message(routine, key, suggestion));
  });

  it("'learningRate' (not an option of either method) is refused in both option sets", () => {
    expect(() => train(net, X, y, bad({ method: 'gd', learningRate: 0.1 }))).toThrow(/train \(gradient descent\): unknown option 'learningRate'/);
    expect(() => train(net, X, y, bad({ learningRate: 0.1 }))).toThrow(/train \(Newton\): unknown option 'learningRate'/);
  });

  it('the valid keys of each option set are accepted', () => {
    expect(() => train(net, X, y, { method: 'newton', tol: 1e-3, maxSteps: 1, maxSeconds: 10, maxAttempts: 2, hessian: 'gauss-newton', lambda: 'auto', damping: 'adaptive', alpha: 1, path: 'kernel' })).not.toThrow();
    expect(() => train(net, X, y, { method: 'gd', tol: 1e-3, maxSteps: 1, lr: 0.1 })).not.toThrow();
    expect(() => TwoLayerNetwork.initialize(config, { seed: 2, sigmaW: 1, sigmaB: 1, symmetric: true })).not.toThrow();
    expect(() => spectrum(spd(), { vectors: false, smallest: 1 })).not.toThrow();
    expect(() => syevr(spd(), { vectors: true, uplo: 'lower', checkFinite: true, select: { index: [0, 1] } })).not.toThrow();
  });
});
