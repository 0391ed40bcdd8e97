import { describe, expect, it } from 'vitest';
import { Matrix, NewtonSystem, syrk, trsm, TwoLayerNetwork } from '../lib/index.js';
import { WHITENED_BLOCK_BYTES, whitenedBlocks, whitenedJacobian } from '../lib/method/newton.js';
import { smallestEigenvalue } from '../lib/linalg/blocks.js';
import { native } from '../lib/linalg/native.js';
import { spectrum } from '../lib/method/spectrum.js';
import { randomMatrix, randomSpd, randomSymmetric } from './random.js';
import { gamma, LAPACK_THRESHOLD, lowerTriangularCondition, normInf } from './tolerance.js';

/** `count` random SPD q×q blocks, one after another. */
function spdBlocks(q: number, count: number, seed: number): Float64Array {
  const out = new Float64Array(count * q * q);
  for (let b = 0; b < count; b++) out.set(randomSpd(q, seed + b).data, b * q * q);
  return out;
}

/**
 * The dot-product Cholesky of the block at `offset` in place, lᵢⱼ = (aᵢⱼ − Σ_{k<j} lᵢₖlⱼₖ)/lⱼⱼ summed in
 * order of k (what the kernel path ran in JavaScript before it was native): 0, or the failing minor's order.
 */
function choleskyReference(a: Float64Array, offset: number, q: number): number {
  for (let j = 0; j < q; j++) {
    const rowJ = offset + j * q;
    let d = a[rowJ + j]!;
    for (let k = 0; k < j; k++) d -= a[rowJ + k]! * a[rowJ + k]!;
    if (!(d > 0)) return j + 1;
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < q; i++) {
      const rowI = offset + i * q;
      let s = a[rowI + j]!;
      for (let k = 0; k < j; k++) s -= a[rowI + k]! * a[rowJ + k]!;
      a[rowI + j] = s / ljj;
    }
  }
  return 0;
}

/** The factors of the blocks by the native blockfactors (λ = 0, no panel). */
function nativeFactors(blocks: Float64Array, q: number): Float64Array {
  const factors = new Float64Array(blocks.length);
  expect(native.blockfactors(q, blocks.length / (q * q), 0, blocks, factors, null)).toBe(0);
  return factors;
}

describe('block kernels', () => {
  it('native blockfactors gives L with |L·Lᵀ − A| within Cholesky’s componentwise backward-error bound, and reports the failing minor', () => {
    const q = 5;
    const a = randomSpd(q, 1);
    const l = nativeFactors(a.data, q);
    // Higham Thm 10.3: L·Lᵀ = A + ΔA with |ΔA| ≤ γ_{q+1}·|L|·|Lᵀ|; forming (L·Lᵀ)ᵢⱼ here adds γ_q·(|L|·|Lᵀ|)ᵢⱼ (Lemma 3.1).
    for (let i = 0; i < q; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        let magnitude = 0;
        for (let k = 0; k <= j; k++) {
          s += l[i * q + k]! * l[j * q + k]!;
          magnitude += Math.abs(l[i * q + k]! * l[j * q + k]!);
        }
        expect(Math.abs(s - a.data[i * q + j]!), `entry (${i}, ${j})`).toBeLessThanOrEqual((gamma(q + 1) + gamma(q)) * magnitude);
      }
    }
    const bad = a.data.slice();
    bad[2 * q + 2] = -1;
    expect(native.blockfactors(q, 1, 0, bad, new Float64Array(q * q), null)).toBe(3);
  });

  it('native blocksolve gives v = Aᵢ⁻¹·x for every segment: A·v = x within the backward-error bound of a Cholesky solve', () => {
    const q = 4;
    const n = 3;
    const a = spdBlocks(q, n, 2);
    const l = nativeFactors(a, q);
    const x = Float64Array.of(1, -2, 3, 0.5, 2, 0, -1, 4, 0.25, 1, 1, -3);
    const v = x.slice();
    expect(native.blocksolve(q, n, l, v)).toBe(0);
    // v = (L·Lᵀ)⁻¹x, so A·v = x up to round-off: factorisation and both substitutions together give
    // (A + ΔA)·v = x with |ΔA| ≤ γ_{3q+1}·|L|·|Lᵀ| (Higham Thm 10.4); forming A·v here adds γ_q·|A|·|v| (Lemma 3.1).
    for (let b = 0; b < n; b++) {
      const o = b * q * q;
      for (let i = 0; i < q; i++) {
        let s = 0;
        let magnitudeA = 0;
        let magnitudeL = 0;
        for (let k = 0; k < q; k++) {
          s += a[o + i * q + k]! * v[b * q + k]!;
          magnitudeA += Math.abs(a[o + i * q + k]! * v[b * q + k]!);
          let llt = 0;
          for (let p = 0; p <= Math.min(i, k); p++) llt += Math.abs(l[o + i * q + p]! * l[o + k * q + p]!);
          magnitudeL += llt * Math.abs(v[b * q + k]!);
        }
        expect(Math.abs(s - x[b * q + i]!), `block ${b}, row ${i}`).toBeLessThanOrEqual(gamma(3 * q + 1) * magnitudeL + gamma(q) * magnitudeA);
      }
    }
    expect(() => native.blocksolve(q, n, l, new Float64Array(n * q - 1))).toThrow(RangeError);
  });

  it('smallestEigenvalue agrees with LAPACK within both backward errors on random symmetric blocks, including 0 and indefinite ones', () => {
    const work = new Float64Array(64);
    for (let seed = 0; seed < 50; seed++) {
      const q = 1 + (seed % 8);
      const a = randomSymmetric(q, seed);
      const expected = spectrum(a, { vectors: false }).values[0]!;
      // By Weyl's theorem each eigenvalue errs by at most its solver's backward error. Jacobi: each two-sided
      // rotation is exact for a perturbation of at most 2γ₆·‖A‖_F (Higham Lemma 19.8, once per side), over at
      // most 60 sweeps of q(q−1)/2 rotations (the loop’s cap), and it stops with ‖off-diagonal‖_F ≤ √2·1e-17·‖A‖_F.
      // LAPACK: 30·q·ε·‖A‖₂ (its test threshold), ‖A‖₂ ≤ ‖A‖_F.
      const norm = Math.hypot(...a.data);
      const jacobi = (60 * ((q * (q - 1)) / 2) * 2 * gamma(6) + Math.SQRT2 * 1e-17) * norm;
      const lapack = LAPACK_THRESHOLD * q * Number.EPSILON * norm;
      expect(Math.abs(smallestEigenvalue(a.data, 0, q, work) - expected), `seed ${seed}`).toBeLessThanOrEqual(jacobi + lapack);
    }
    expect(smallestEigenvalue(new Float64Array(9), 0, 3, work)).toBe(0);
  });

  it('native smallesteigenvalues agrees with LAPACK dsyevd on random symmetric blocks of q = 11 … 70, and gives 0 for a 0 block', () => {
    for (const q of [11, 24, 70]) {
      const n = 5;
      const blocks = new Float64Array(n * q * q);
      for (let b = 1; b < n; b++) blocks.set(randomSymmetric(q, 31 * q + b).data, b * q * q); // block 0 stays 0
      const out = new Float64Array(n);
      expect(native.smallesteigenvalues(q, n, blocks, out)).toBe(0);
      expect(out[0]).toBe(0);
      for (let b = 1; b < n; b++) {
        const block = new Matrix(q, q, blocks.slice(b * q * q, (b + 1) * q * q));
        const expected = spectrum(block, { vectors: false }).values[0]!;
        const frobenius = Math.sqrt(block.data.reduce((sum, v) => sum + v * v, 0));
        // Both are exact eigenvalues of the block perturbed by ≤ q·ε·‖S‖_F in norm (LAPACK's bounds; Weyl).
        expect(Math.abs(out[b]! - expected)).toBeLessThanOrEqual(2 * q * 2 ** -52 * frobenius);
      }
    }
    expect(() => native.smallesteigenvalues(3, 2, new Float64Array(17), new Float64Array(2))).toThrow(RangeError);
  });

  // q = d + 2 (bias) or d + 1: 2…8 and 10 take the compiled-q loops, 9 and 12 the general one;
  // M·N·q ≥ 2¹⁷ entries split over two threads when two are set.
  it.each([
    [1, true, 5, 3],
    [2, true, 9, 11],
    [3, false, 4, 6],
    [6, true, 3, 5],
    [8, true, 7, 4],
    [7, true, 6, 4],
    [10, true, 2, 3],
    [2, true, 600, 60],
  ])('jacobianBlock whitened by Lᵢ (d = %i, bias %s, M = %i, nc = %i) agrees with the plain block solved segment by segment by LAPACK dtrsm, row by row within γ_{q+1}·κ∞(Lᵢ)', (d, bias, m, nc) => {
    const net = TwoLayerNetwork.initialize({ width: nc + 3, dim: d, bias, activation: 'tanh' }, { seed: d });
    const q = net.blockSize;
    const X = randomMatrix(m, d, 40 + d);
    const xt = net.augment(X);
    const [from, to] = [2, 2 + nc];
    const factors = nativeFactors(spdBlocks(q, nc, 20 + d), q);
    const plain = net.jacobianBlock(xt, net.features(xt, from, to, { value: true, slope: true })).clone();
    const whitened = net.jacobianBlock(xt, net.features(xt, from, to, { value: true, slope: true }), undefined, factors);
    const width = nc * q;
    // Both sides solve L_b·z = j for every row j of the block, by substitution (the native loop multiplies by
    // reciprocal diagonals, dtrsm in whatever order its kernel family sums): each computed z satisfies
    // (L_b + ΔL)·z = j with ‖ΔL‖∞ ≤ γ_{q+1}·‖L_b‖∞ (Higham Thm 8.5, one more rounding for the reciprocal), so
    // ‖z − z_exact‖∞ ≤ γ_{q+1}·κ∞(L_b)·‖z‖∞, and the two differ by at most the sum of the two bounds: per row,
    // normwise, so an entry that is tiny by cancellation is judged against its row's norm.
    let worst = 0;
    for (let b = 0; b < nc; b++) {
      const zb = new Matrix(m, q);
      for (let j = 0; j < m; j++) zb.data.set(plain.data.subarray(j * width + b * q, j * width + (b + 1) * q), j * q);
      // Z_b = J_b·L_b⁻ᵀ.
      trsm(new Matrix(q, q, factors.slice(b * q * q, (b + 1) * q * q)), zb, { side: 'right', transA: true });
      const perNorm = gamma(q + 1) * lowerTriangularCondition(factors, b * q * q, q);
      for (let j = 0; j < m; j++) {
        const expected = zb.data.subarray(j * q, (j + 1) * q);
        const actual = whitened.data.subarray(j * width + b * q, j * width + (b + 1) * q);
        const difference = normInf(expected.map((v, i) => v - actual[i]!));
        const bound = perNorm * (normInf(expected) + normInf(actual));
        worst = Math.max(worst, bound > 0 ? difference / bound : difference === 0 ? 0 : Infinity);
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it.each([3, 12, 66])('native blockfactors (q = %i) gives the bits of the dot-product Cholesky of Sᵢ + λI, and its panel holds Tᵢ = Lᵢ⁻ᵀ', (q) => {
    // 9 blocks: two full groups of four lanes and one lane of a third.
    const n = 9;
    const lambda = 0.25;
    const blocks = spdBlocks(q, n, 7 * q);
    const factors = new Float64Array(blocks.length);
    const panel = new Float64Array(blocks.length);
    expect(native.blockfactors(q, n, lambda, blocks, factors, panel)).toBe(0);
    const expected = blocks.slice();
    for (let b = 0; b < n; b++) {
      for (let a = 0; a < q; a++) expected[b * q * q + a * q + a] = expected[b * q * q + a * q + a]! + lambda;
      choleskyReference(expected, b * q * q, q);
    }
    expect(factors).toEqual(expected);
    // Uᵢ = Tᵢᵀ is L⁻¹ by forward substitution on the columns of I, so |L·U − I| ≤ γ_q·|L|·|U| entrywise
    // (Higham, Thm 8.5); forming L·U here adds γ_q·|L|·|U| more: 2γ_q in all, γ_q = qε/(1 − qε).
    const gamma = (2 * q * 2 ** -52) / (1 - 2 * q * 2 ** -52);
    const ldt = n * q;
    let worst = 0; // max over entries of |L·U − I| / (γ·|L|·|U|)
    let nonzeroAbove = 0; // entries of U = L⁻¹ above its diagonal that are not exactly 0
    for (let b = 0; b < n; b++) {
      const l = (r: number, c: number) => (c <= r ? factors[b * q * q + r * q + c]! : 0);
      const u = (r: number, c: number) => panel[c * ldt + b * q + r]!;
      for (let r = 0; r < q; r++) {
        for (let c = 0; c < q; c++) {
          if (c > r && u(r, c) !== 0) nonzeroAbove++;
          let lu = 0;
          let bound = 0;
          for (let p = 0; p < q; p++) {
            lu += l(r, p) * u(p, c);
            bound += Math.abs(l(r, p)) * Math.abs(u(p, c));
          }
          const residual = Math.abs(lu - (r === c ? 1 : 0));
          if (residual > 0) worst = Math.max(worst, residual / (gamma * bound));
        }
      }
    }
    expect(nonzeroAbove).toBe(0);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('native blockfactors reports the first block that is not positive definite, with its failing minor, whichever lane it is in', () => {
    const q = 12;
    const n = 11;
    const blocks = spdBlocks(q, n, 5);
    // Neuron 6 (lane 2 of the second group) fails at minor 4; neuron 9, in the next group, at minor 2.
    blocks[6 * q * q + 3 * q + 3] = -5;
    blocks[9 * q * q + 1 * q + 1] = -5;
    const status = native.blockfactors(q, n, 0, blocks, new Float64Array(blocks.length), new Float64Array(blocks.length));
    expect(status).toBe(6 * q + 4);
    expect(native.blockfactors(q, n, 0, blocks, new Float64Array(blocks.length), null)).toBe(6 * q + 4);
  });

  it('the native blockfactors and whitenedjacobian refuse arrays shorter than their dimensions', () => {
    const a = new Float64Array(8);
    expect(() => native.blockfactors(3, 1, 0, a, new Float64Array(9), null)).toThrow(RangeError);
    expect(() => native.blockfactors(2, 2, 0, a, a, new Float64Array(7))).toThrow(RangeError);
    expect(() => native.blockfactors(0, 2, 0, a, a, null)).toThrow(RangeError);
    // k = 1, nc = 2, m = 2: the panel needs k·ldt + nc·q = 1·4 + 4 entries, the output m·nc·q = 8.
    expect(() => native.whitenedjacobian(1, 2, 2, a, a, a, a, 1, new Float64Array(7), 4, a)).toThrow(RangeError);
    expect(() => native.whitenedjacobian(1, 2, 2, a, a, a, a, 1, a, 3, a)).toThrow(RangeError);
    expect(() => native.whitenedjacobian(1, 2, 2, a, a, a, a, 1, a, 4, new Float64Array(7))).toThrow(RangeError);
  });

  // q = d + 2 with bias, d + 1 without: past the unrolled kernels (q ≤ 10), up to the digits' d = 64.
  it.each([
    [30, true, 40, 7],
    [30, false, 33, 5],
    [64, true, 70, 6],
    [64, false, 25, 9],
  ])('whitenedJacobianBlock (d = %i, bias %s, M = %i, nc = %i) equals the plain block with every segment solved by LAPACK dtrsm', (d, bias, m, nc) => {
    const width = nc + 5;
    const net = TwoLayerNetwork.initialize({ width, dim: d, bias, activation: 'tanh' }, { seed: d });
    const q = net.blockSize;
    const xt = net.augment(randomMatrix(m, d, 60 + d));
    const [from, to] = [3, 3 + nc];
    const spd = spdBlocks(q, width, 90 + d);
    const factors = new Float64Array(spd.length);
    const panel = new Float64Array(spd.length);
    expect(native.blockfactors(q, width, 0, spd, factors, panel)).toBe(0);
    const features = net.features(xt, from, to, { value: true, slope: true });
    const plain = net.jacobianBlock(xt, features).clone();
    const whitened = net.whitenedJacobianBlock(xt, features, panel);
    const cols = nc * q;
    for (let b = 0; b < nc; b++) {
      const neuron = from + b;
      const zb = new Matrix(m, q);
      for (let j = 0; j < m; j++) zb.data.set(plain.data.subarray(j * cols + b * q, j * cols + (b + 1) * q), j * q);
      trsm(new Matrix(q, q, factors.slice(neuron * q * q, (neuron + 1) * q * q)), zb, { side: 'right', transA: true });
      let diff = 0;
      let norm = 0;
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < q; i++) {
          diff += (whitened.data[j * cols + b * q + i]! - zb.data[j * q + i]!) ** 2;
          norm += zb.data[j * q + i]! ** 2;
        }
      }
      const { values } = spectrum(new Matrix(q, q, spd.slice(neuron * q * q, (neuron + 1) * q * q)), { vectors: false });
      const kappaL = Math.sqrt(values[q - 1]! / values[0]!);
      // Z·Tᵢ with Tᵢ = Lᵢ⁻ᵀ formed explicitly and dtrsm's solve are each within 2·q·ε·κ(Lᵢ)·‖Zᵢ‖ of the exact
      // Zᵢ (Higham, Thm 8.5 and §14.2): their difference within twice that.
      expect(Math.sqrt(diff / norm)).toBeLessThanOrEqual(4 * q * 2 ** -52 * kappaL);
    }
  });

  it('jacobianBlock refuses whitening factors of the wrong size and features without σ or σ′', () => {
    const net = TwoLayerNetwork.initialize({ width: 4, dim: 2, activation: 'tanh' }, { seed: 1 });
    const xt = net.augment(randomMatrix(3, 2, 1));
    const features = net.features(xt, 0, 2, { value: true, slope: true });
    expect(() => net.jacobianBlock(xt, features, undefined, new Float64Array(2 * 16 - 1))).toThrow(/2 blocks of 4×4/);
    expect(() => net.jacobianBlock(xt, net.features(xt, 0, 2, { value: true }))).toThrow(TypeError);
  });

  it('the native jacobianblock refuses arrays shorter than its dimensions (the floor under the TypeScript checks)', () => {
    const a = new Float64Array(4);
    expect(() => native.jacobianblock(0, 1, 1, a, a, a, a, 1, null, a)).toThrow(RangeError);
    expect(() => native.jacobianblock(1, 1, 1, a, a, a, a, 1, new Float64Array(3), a)).toThrow(RangeError);
    expect(() => native.jacobianblock(1, 2, 3, a, a, a, a, 1, null, a)).toThrow(RangeError);
    expect(() => native.jacobianblockAsync(1, 2, 3, a, a, a, a, 1, null, a)).toThrow(RangeError);
  });
});

describe('whitened Jacobians of neuron ranges within a chunk of features', () => {
  // q = 4 runs the fused kernel with the factors, q = 32 the gemm with the panel.
  it.each([
    [2, true, 9, 12],
    [30, true, 11, 9],
    [30, false, 7, 10],
  ])('(d = %i, bias %s, M = %i, N = %i) each range gives the columns of the whole chunk’s block: bitwise by the fused kernel, within 2γ_{k+1} of |J|·|T| by the panel', (d, bias, m, n) => {
    const net = TwoLayerNetwork.initialize({ width: n, dim: d, bias, activation: 'tanh' }, { seed: d + n });
    const q = net.blockSize;
    const k = net.innerDim;
    const xt = net.augment(randomMatrix(m, d, 7 + d));
    const spd = spdBlocks(q, n, 30 + d);
    const factors = new Float64Array(spd.length);
    const panel = new Float64Array(spd.length);
    expect(native.blockfactors(q, n, 0, spd, factors, panel)).toBe(0);
    const [from, to] = [1, n];
    const features = net.features(xt, from, to, { value: true, slope: true });
    const whole = {
      plain: net.jacobianBlock(xt, features).clone(),
      fused: net.jacobianBlock(xt, features, undefined, factors.slice(from * q * q, to * q * q)).clone(),
      panel: net.whitenedJacobianBlock(xt, features, panel).clone(),
    };
    const cols = (to - from) * q;
    for (const [a, b] of [[from, from + 1], [3, 6], [5, to]] as const) {
      const width = (b - a) * q;
      const columns = (z: Matrix) => Float64Array.from({ length: m * width }, (_, e) => z.data[Math.floor(e / width) * cols + (a - from) * q + (e % width)]!);
      expect(net.jacobianBlock(xt, features, undefined, null, [a, b]).data).toEqual(columns(whole.plain));
      expect(net.jacobianBlock(xt, features, undefined, factors.slice(a * q * q, b * q * q), [a, b]).data).toEqual(columns(whole.fused));
      // Entry (j, t) of neuron i: s·σ·T₀ₜ + s·cᵢ·σ′·Σₚ x̃ₚ·Tₚ₊₁,ₜ, k + 1 products summed in some order by either gemm.
      const range = net.whitenedJacobianBlock(xt, features, panel, undefined, [a, b]).data;
      const expected = columns(whole.panel);
      for (let j = 0; j < m; j++) {
        for (let i = a; i < b; i++) {
          const v = Math.abs(net.scale * features.value![j * (to - from) + i - from]!);
          const g = Math.abs(net.scale * net.c[i]! * features.slope![j * (to - from) + i - from]!);
          for (let t = 0; t < q; t++) {
            let magnitude = v * Math.abs(panel[t + i * q]!);
            for (let p = 0; p < k; p++) magnitude += g * Math.abs(xt.data[j * k + p]! * panel[(p + 1) * n * q + i * q + t]!);
            const e = j * width + (i - a) * q + t;
            expect(Math.abs(range[e]! - expected[e]!)).toBeLessThanOrEqual(2 * gamma(k + 1) * magnitude);
          }
        }
      }
    }
  });

  it('a range outside its features, empty or fractional is a RangeError; the native kernels refuse ldf < nc and arrays shorter than (m − 1)·ldf + nc', () => {
    const net = TwoLayerNetwork.initialize({ width: 6, dim: 2, activation: 'tanh' }, { seed: 1 });
    const xt = net.augment(randomMatrix(3, 2, 1));
    const features = net.features(xt, 1, 5, { value: true, slope: true });
    const panel = new Float64Array(4 * net.parameterCount);
    for (const neurons of [[0, 3], [2, 6], [3, 3], [1.5, 3]] as [number, number][]) {
      expect(() => net.jacobianBlock(xt, features, undefined, null, neurons)).toThrow(RangeError);
      expect(() => net.whitenedJacobianBlock(xt, features, panel, undefined, neurons)).toThrow(RangeError);
    }
    const a = new Float64Array(64);
    // k = 1, nc = 2, m = 3 with ldf = 4: σ and σ′ need (3 − 1)·4 + 2 = 10 entries.
    expect(() => native.jacobianblock(1, 2, 3, a, a, a, a, 1, null, a, 1)).toThrow(/ldf ≥ nc/);
    expect(() => native.jacobianblock(1, 2, 3, a, new Float64Array(9), a, a, 1, null, a, 4)).toThrow(RangeError);
    expect(native.jacobianblock(1, 2, 3, a, new Float64Array(10), new Float64Array(10), a, 1, null, a, 4)).toBe(0);
    expect(() => native.whitenedjacobian(1, 2, 3, a, a, a, a, 1, a, 4, a, 1)).toThrow(/ldf ≥ nc/);
    expect(() => native.whitenedjacobian(1, 2, 3, a, a, new Float64Array(9), a, 1, a, 4, a, 4)).toThrow(RangeError);
    expect(native.whitenedjacobian(1, 2, 3, a, new Float64Array(10), new Float64Array(10), a, 1, a, 4, a, 4)).toBe(0);
  });

  it('whitenedBlocks covers a chunk with consecutive ranges of at least ⌈512/q⌉ neurons (but the last), each Z within WHITENED_BLOCK_BYTES when that allows more', () => {
    for (const [m, q, from, to] of [[512, 66, 0, 1000], [300, 12, 5, 205], [64, 3, 0, 40], [4096, 130, 10, 50]] as const) {
      const ranges = [...whitenedBlocks(m, q, from, to)];
      expect(ranges[0]![0]).toBe(from);
      expect(ranges.at(-1)![1]).toBe(to);
      const least = Math.ceil(512 / q);
      ranges.forEach(([a, b], r) => {
        if (r > 0) expect(a).toBe(ranges[r - 1]![1]);
        if (r < ranges.length - 1) {
          expect(b - a).toBeGreaterThanOrEqual(least);
          expect(b - a === least || 8 * m * (b - a) * q <= WHITENED_BLOCK_BYTES).toBe(true);
          expect(8 * m * (b - a + 1) * q > WHITENED_BLOCK_BYTES || b - a === least).toBe(true);
        }
      });
    }
  });

  it('Q streamed through several whitened blocks equals the dsyrk of the whole Z within 2γ_{Nq}·(|Z|·|Z|ᵀ), for the fused kernel (q = 4) and the panel (q = 12)', () => {
    for (const [d, n] of [[2, 700], [10, 200]] as const) {
      const m = 300;
      const net = TwoLayerNetwork.initialize({ width: n, dim: d, activation: 'tanh' }, { seed: 3 });
      const q = net.blockSize;
      const X = randomMatrix(m, d, 11);
      const y = randomMatrix(1, m, 12).data;
      expect([...whitenedBlocks(m, q, 0, n)].length).toBeGreaterThan(1);
      const system = new NewtonSystem(net, X, y);
      const lambda = 1 + Math.max(0, -system.curvature.minEigenvalue);
      const { Q, blockFactors } = system.kernelSystem(lambda, 'full');
      const z = whitenedJacobian(net, system.xt, 0, n, blockFactors!).clone();
      const whole = syrk(z);
      const magnitude = syrk(new Matrix(m, n * q, z.data.map(Math.abs)));
      for (let j = 0; j < m; j++) {
        for (let l = 0; l <= j; l++) {
          expect(Math.abs(Q.data[j * m + l]! - whole.data[j * m + l]!)).toBeLessThanOrEqual(2 * gamma(n * q) * magnitude.data[j * m + l]!);
        }
      }
    }
  });
});
