/**
 * Networks of C > 1 outputs (docs/math.md §8): the representation.
 *
 * 1. C = 1 is the single-output network: the same θ₀ for a seed whether
 *    `outputs` is left out or given as 1.
 * 2. Initialisation draws in θ order (c_i1 … c_iC, wᵢ, bᵢ), θ flattening and
 *    moved() follow the blocks [cᵢ, wᵢ, bᵢ] of q = C + k, fromArrays takes c of N×C.
 * 3. f(X) is M·C numbers, sample-major, against a plain loop over the
 *    definition; the Newton system's residual and loss (1/2M)Σⱼ|f(xⱼ) − yⱼ|²
 *    on M×C targets.
 * 4. Bad input: c and y of the wrong shape, and single-output-only
 *    computations asked of C > 1, are typed errors naming the argument.
 */
import { describe, expect, it } from 'vitest';
import { UnsupportedOutputsError } from '../lib/errors.js';
import { Matrix } from '../lib/linalg/matrix.js';
import { kernel } from '../lib/method/kernels.js';
import { NewtonSystem } from '../lib/method/newton.js';
import { ACTIVATIONS } from '../lib/model/activations.js';
import { TwoLayerNetwork } from '../lib/model/network.js';
import { NormalGenerator } from '../lib/model/random.js';
import { randomMatrix } from './random.js';
import { gamma } from './tolerance.js';

const activationOf = {
  tanh: Math.tanh,
  sigmoid: (u: number) => 1 / (1 + Math.exp(-u)),
  sin: Math.sin,
  softplus: (u: number) => Math.log1p(Math.exp(u)),
  relu: (u: number) => Math.max(0, u),
} as Record<string, (u: number) => number>;

/**
 * f(xⱼ)ₖ = N^(−β) Σᵢ c_ik σ(wᵢ·xⱼ + bᵢ) by the definition, with the forward
 * error bound of two such evaluations: the sum over i (γ_N Σᵢ|c_ik σ|), σ
 * itself (a few ulps: 4u|c_ik σ|) and the pre-activation (γ_{d+1}
 * Σᵢ|c_ik|(Σₚ|w_ip x_jp| + |bᵢ|), every activation here being 1-Lipschitz).
 */
function direct(net: TwoLayerNetwork, X: Matrix, sigma: (u: number) => number): { f: Float64Array; bound: Float64Array } {
  const { width: n, dim: d, bias } = net.config;
  const C = net.outputs;
  const W = net.W.data;
  const b = net.b;
  const f = new Float64Array(X.rows * C);
  const bound = new Float64Array(X.rows * C);
  for (let j = 0; j < X.rows; j++) {
    for (let i = 0; i < n; i++) {
      let u = bias ? b![i]! : 0;
      let size = bias ? Math.abs(b![i]!) : 0;
      for (let p = 0; p < d; p++) {
        u += W[i * d + p]! * X.data[j * d + p]!;
        size += Math.abs(W[i * d + p]! * X.data[j * d + p]!);
      }
      const s = sigma(u);
      for (let k = 0; k < C; k++) {
        const c = net.c[i * C + k]!;
        f[j * C + k] = f[j * C + k]! + c * s;
        bound[j * C + k] = bound[j * C + k]! + (gamma(n) + 4 * gamma(1)) * Math.abs(c * s) + gamma(d + 1) * Math.abs(c) * size;
      }
    }
  }
  for (let t = 0; t < f.length; t++) {
    f[t] = f[t]! * net.scale;
    bound[t] = 2 * bound[t]! * net.scale;
  }
  return { f, bound };
}

describe('several outputs: the representation', () => {
  it('outputs: 1 draws the very θ₀ of a network without the option, for every activation and with or without bias', () => {
    for (const activation of ACTIVATIONS) {
      for (const bias of [true, false]) {
        const a = TwoLayerNetwork.initialize({ width: 9, dim: 3, activation, bias }, { seed: 5 });
        const b = TwoLayerNetwork.initialize({ width: 9, dim: 3, activation, bias, outputs: 1 }, { seed: 5 });
        expect(b.parameters()).toEqual(a.parameters());
        expect(b.config).toEqual(a.config);
        expect(b.blockSize).toBe(a.blockSize);
      }
    }
  });

  it('initialize draws c_i1 … c_iC, wᵢ, bᵢ in θ order: θ₀ is the generator sequence scaled by σ_w, σ_b', () => {
    const C = 3;
    const net = TwoLayerNetwork.initialize({ width: 4, dim: 2, outputs: C }, { seed: 11, sigmaW: 0.5, sigmaB: 2 });
    const rng = new NormalGenerator(11);
    const expected: number[] = [];
    for (let i = 0; i < 4; i++) {
      for (let k = 0; k < C; k++) expected.push(rng.normal());
      expected.push(0.5 * rng.normal(), 0.5 * rng.normal(), 2 * rng.normal());
    }
    expect(net.blockSize).toBe(C + 3);
    expect(net.config.outputs).toBe(C);
    expect(net.parameterCount).toBe(4 * (C + 3));
    expect(Array.from(net.parameters())).toEqual(expected);
    expect(net.c.length).toBe(4 * C);
    expect(Array.from(net.c.subarray(C, 2 * C))).toEqual(expected.slice(6, 6 + C));
  });

  it('a symmetric network of C outputs pairs (cᵢ, wᵢ, bᵢ) with (−cᵢ, wᵢ, bᵢ) and is exactly 0 at θ₀', () => {
    const net = TwoLayerNetwork.initialize({ width: 8, dim: 2, outputs: 3 }, { seed: 2, symmetric: true });
    for (let i = 0; i < 8; i += 2) {
      for (let k = 0; k < 3; k++) expect(net.c[(i + 1) * 3 + k]).toBe(-net.c[i * 3 + k]!);
    }
    expect(Array.from(net.predict(randomMatrix(6, 2, 3)))).toEqual(new Array(18).fill(0));
  });

  it('fromArrays takes c as N×C and rebuilds the network parameter for parameter; moved() moves block [cᵢ, wᵢ, bᵢ] as a whole', () => {
    const net = TwoLayerNetwork.initialize({ width: 5, dim: 3, outputs: 2, activation: 'sin' }, { seed: 7 });
    const copy = TwoLayerNetwork.fromArrays(net.config, { c: net.c, W: net.W.data, b: net.b! });
    expect(copy.parameters()).toEqual(net.parameters());
    const delta = net.parameters().map((_, p) => p + 1);
    const moved = net.moved(delta, 0.5);
    const theta = net.parameters();
    expect(Array.from(moved.parameters())).toEqual(Array.from(theta, (v, p) => v - 0.5 * delta[p]!));
    // Block i starts with its C output weights: entry i·q + k of θ is c_ik.
    const q = net.blockSize;
    for (let i = 0; i < 5; i++) for (let k = 0; k < 2; k++) expect(theta[i * q + k]).toBe(net.c[i * 2 + k]);
  });

  it('f(X) is M·C numbers, sample-major, equal to the definition within the round-off of its sums', () => {
    const X = randomMatrix(7, 3, 1);
    for (const [activation, sigma] of Object.entries(activationOf)) {
      for (const bias of [true, false]) {
        for (const width of [1, 6, 40]) {
          const net = TwoLayerNetwork.initialize({ width, dim: 3, outputs: 4, activation: activation as never, bias, beta: 0.75 }, { seed: width });
          const f = net.predict(X);
          const { f: expected, bound } = direct(net, X, sigma);
          expect(f.length).toBe(7 * 4);
          for (let t = 0; t < f.length; t++) expect(Math.abs(f[t]! - expected[t]!)).toBeLessThanOrEqual(bound[t]!);
        }
      }
    }
  });

  it('the Newton system has the residual f − y (M×C, sample-major) and the loss (1/2M) Σⱼ |f(xⱼ) − yⱼ|²', () => {
    const X = randomMatrix(6, 2, 4);
    const net = TwoLayerNetwork.initialize({ width: 10, dim: 2, outputs: 3 }, { seed: 1 });
    const y = randomMatrix(6, 3, 9).data;
    const system = new NewtonSystem(net, X, y);
    const f = net.predict(X);
    expect(Array.from(system.residual)).toEqual(Array.from(f, (v, t) => v - y[t]!));
    let squares = 0;
    for (let t = 0; t < 18; t++) squares += (f[t]! - y[t]!) ** 2;
    expect(system.loss).toBeCloseTo(squares / (2 * 6), 14);
  });

  it('c and y of the wrong shape are RangeErrors naming them, with the shape they need', () => {
    const config = { width: 3, dim: 2, outputs: 2 };
    expect(() => TwoLayerNetwork.fromArrays(config, { c: new Float64Array(3), W: new Float64Array(6), b: new Float64Array(3) })).toThrow(/c must be a Float64Array of 6 numbers \(3×2\)/);
    expect(() => new TwoLayerNetwork(config, new Float64Array(3), new Float64Array(9))).toThrow(/c must be a Float64Array of length N·C = 6 \(3×2\)/);
    expect(() => TwoLayerNetwork.initialize({ ...config, outputs: 0 })).toThrow(/outputs must be a positive integer/);
    const net = TwoLayerNetwork.initialize(config);
    expect(() => new NewtonSystem(net, randomMatrix(4, 2, 1), new Float64Array(4))).toThrow(/y has 4 entries, X has 4 rows and the network 2 outputs \(y must be M×C = 4×2/);
  });

});
