/**
 * The numpy reference for networks of C outputs (test/reference/multi_output.py,
 * wrapped by test/multi-output-reference.ts) is itself right, so that the tests of
 * docs/math.md §8 can compare against it:
 * - its own checks pass (J and H against central differences, the kernel formula
 *   against the dense solve, the closed-form limits against quadrature and against a
 *   wide network);
 * - with one output it reproduces test/reference/newton_reference.py, written separately;
 * - output k of a C-output network is the one-output network of the weights cᵢₖ, at
 *   sample-major index j·C + k;
 * - the kernels it returns obey the identities of §8 (Θ = JJᵀ, the trace over outputs,
 *   𝒦_N = Q(M·I + Q)⁻¹, K∞ ⊗ I_C) and its closed-form K∞ is the library's limitKernel.
 */
import { describe, expect, it } from 'vitest';
import { limitKernel, TwoLayerNetwork, type Activation, type Hessian } from '../lib/index.js';
import { multiOutputReference, multiOutputSelfTest, type MultiOutputNetwork, type MultiOutputReference } from './multi-output-reference.js';
import { EPS, newtonReference, norm, relativeDifference, solveBound } from './newton-reference.js';
import { randomMatrix, rng } from './random.js';

const LAMBDA: Record<Hessian, number> = { full: 0.5, 'gauss-newton': 0.05 };

function multiOutputNetwork(width: number, dim: number, outputs: number, activation: Activation, bias: boolean, seed: number): MultiOutputNetwork {
  const next = rng(seed);
  const fill = (n: number) => Float64Array.from({ length: n }, () => 4 * next());
  return {
    config: { width, dim, outputs, activation, beta: 0.5, bias },
    c: fill(width * outputs),
    W: { data: fill(width * dim) },
    b: bias ? fill(width) : null,
  };
}

/** The configuration of one of the network's outputs alone. */
function oneOutput({ config: { width, dim, activation, beta, bias } }: MultiOutputNetwork) {
  return { width, dim, activation, beta, bias };
}

/** Column k of a row-major rows×cols array. */
function column(a: ArrayLike<number>, rows: number, cols: number, k: number): Float64Array {
  return Float64Array.from({ length: rows }, (_, j) => a[j * cols + k]!);
}

/** The entries of a row-major ra×ca matrix times cb×ca's transpose. */
function timesTranspose(a: ArrayLike<number>, ra: number, ca: number, b: ArrayLike<number>, rb: number): Float64Array {
  const out = new Float64Array(ra * rb);
  for (let i = 0; i < ra; i++) {
    for (let j = 0; j < rb; j++) {
      let s = 0;
      for (let p = 0; p < ca; p++) s += a[i * ca + p]! * b[j * ca + p]!;
      out[i * rb + j] = s;
    }
  }
  return out;
}

/** (1/C) Σₖ K_{·k,·k} of a sample-major (rows·C)×(cols·C) kernel. */
function traceOutputs(K: ArrayLike<number>, rows: number, cols: number, C: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < C; k++) s += K[(i * C + k) * cols * C + j * C + k]!;
      out[i * cols + j] = s / C;
    }
  }
  return out;
}

describe('test/reference/multi_output.py', () => {
  it("passes its own checks: finite differences of f and g, dense against kernel formula, closed-form limits against quadrature and a wide network", () => {
    expect(multiOutputSelfTest()).toContain('all checks passed');
  });

  const activations: Activation[] = ['tanh', 'sigmoid', 'sin', 'softplus', 'erf', 'relu'];

  describe('with one output it is newton_reference.py', () => {
    const cases = activations.map((activation, i) => {
      const net = TwoLayerNetwork.initialize({ width: 6, dim: 2, activation, bias: i % 2 === 0 }, { seed: 10 + i });
      const X = randomMatrix(5, 2, 20 + i);
      const y = randomMatrix(5, 1, 30 + i).data;
      return { net, X, y, Xstar: randomMatrix(3, 2, 40 + i), lambda: LAMBDA };
    });
    const mine = multiOutputReference(cases);
    const theirs = newtonReference(cases);
    cases.forEach(({ net }, i) => {
      it(`${net.config.activation}, bias ${String(net.config.bias)}: the same f, 𝒦_GD, Newton directions and 𝒦_N within both bounds`, () => {
        const a = mine[i]!;
        const b = theirs[i]!;
        const M = 5;
        expect(relativeDifference(a.f, b.f)).toBeLessThanOrEqual((net.width + 16) * EPS * (norm(b.rho) / norm(b.f)));
        expect(relativeDifference(a.ntk, b.ntk)).toBeLessThanOrEqual(a.ntkError + b.ntkError);
        expect(relativeDifference(a.ntkCross!, b.full!.ntkCross!)).toBeLessThanOrEqual(a.ntkCrossError! + b.full!.ntkCrossError!);
        for (const hessian of ['full', 'gauss-newton'] as const) {
          const bound = 2 * solveBound(b[hessian]!, net.parameterCount);
          expect(relativeDifference(a[hessian]!.direction, b[hessian]!.direction)).toBeLessThanOrEqual(bound);
          expect(relativeDifference(a[hessian]!.nntk, b[hessian]!.kernel)).toBeLessThanOrEqual(b[hessian]!.kernelAmplification * bound);
          expect(relativeDifference(a[hessian]!.nntkCross!, b[hessian]!.cross!)).toBeLessThanOrEqual(b[hessian]!.crossAmplification! * bound);
        }
        expect(a.ntkTraced).toEqual(a.ntk);
        expect(a.J.length).toBe(M * net.parameterCount);
      });
    });
  });

  describe('three outputs', () => {
    const M = 4;
    const C = 3;
    const unsolved = activations.flatMap((activation, i) =>
      [true, false].map((bias) => {
        const net = multiOutputNetwork(5, 2, C, activation, bias, 50 + 2 * i + Number(bias));
        return { net, X: randomMatrix(M, 2, 60 + i), y: randomMatrix(M, C, 70 + i).data, Xstar: randomMatrix(2, 2, 80 + i), limit: {} };
      }),
    );
    // Twice the certified λ plus a margin: A = S + λI is positive definite, so the kernel formula applies.
    const cases = multiOutputReference(unsolved).map(({ auto }, i) => ({ ...unsolved[i]!, lambda: { full: 2 * auto.lambda + 0.1, 'gauss-newton': 0.05 } }));
    const references = multiOutputReference(cases);
    // Output k alone: the one-output network with weights cᵢₖ and the targets' column k.
    const columns = cases.flatMap(({ net, X, y }) =>
      Array.from({ length: C }, (_, k) => ({
        net: TwoLayerNetwork.fromArrays(oneOutput(net), { c: column(net.c, net.config.width, C, k), W: net.W.data, ...(net.b ? { b: net.b } : {}) }),
        X,
        y: column(y, M, C, k),
      })),
    );
    const single = newtonReference(columns);

    cases.forEach(({ net }, i) => {
      const ref: MultiOutputReference = references[i]!;
      const { width: N, bias, activation } = net.config;
      const q = C + 2 + (bias ? 1 : 0);
      const P = N * q;
      const label = `${activation}, bias ${String(bias)}`;

      it(`${label}: f at index j·C + k is output k's one-output network at point j`, () => {
        for (let k = 0; k < C; k++) {
          const one = single[i * C + k]!;
          const fk = column(ref.f, M, C, k);
          expect(relativeDifference(fk, one.f)).toBeLessThanOrEqual((N + 16) * EPS * (norm(one.rho) / norm(one.f)));
        }
      });

      it(`${label}: the Jacobian's shape is (M·C)×P and the gradient is Jᵀr/M`, () => {
        expect(ref.J.length).toBe(M * C * P);
        expect(ref.sBlocks).toHaveLength(N);
        for (const block of ref.sBlocks) expect(block.length).toBe(q * q);
        const g = new Float64Array(P);
        for (let row = 0; row < M * C; row++) for (let p = 0; p < P; p++) g[p]! += (ref.J[row * P + p]! * ref.r[row]!) / M;
        expect(relativeDifference(ref.gradient, g)).toBeLessThanOrEqual((M * C + N + 16) * EPS * (ref.jacobianNorm * norm(ref.rho)) / (M * norm(g)));
      });

      it(`${label}: Θ/M is JJᵀ/M, the traced kernel is the mean of its C diagonal output blocks`, () => {
        const theta = timesTranspose(ref.J, M * C, P, ref.J, M * C).map((v) => v / M);
        expect(relativeDifference(ref.ntk, theta)).toBeLessThanOrEqual(2 * ref.ntkError);
        const tracedFromFull = traceOutputs(ref.ntk, M, M, C);
        expect(relativeDifference(ref.ntkTraced, tracedFromFull)).toBeLessThanOrEqual(4 * C * EPS);
        expect(relativeDifference(ref.ntkCrossTraced!, traceOutputs(ref.ntkCross!, 2, M, C))).toBeLessThanOrEqual(4 * C * EPS);
      });

      it(`${label}: the Newton direction by the kernel formula A⁻¹Jᵀ(M·I + Q)⁻¹r is the dense one, and 𝒦_N is Q(M·I + Q)⁻¹`, () => {
        for (const hessian of ['full', 'gauss-newton'] as const) {
          const e = ref[hessian]!;
          expect(e.kernelDirection).not.toBeNull();
          expect(relativeDifference(e.kernelDirection!, e.direction)).toBeLessThanOrEqual(e.agreementBound!);
          expect(relativeDifference(e.nntkFromQ!, e.nntk)).toBeLessThanOrEqual(e.kernelAmplification * e.agreementBound!);
          expect(relativeDifference(e.nntkTraced, traceOutputs(e.nntk, M, M, C))).toBeLessThanOrEqual(4 * C * EPS);
          expect(relativeDifference(e.nntkCrossTraced!, traceOutputs(e.nntkCross!, 2, M, C))).toBeLessThanOrEqual(4 * C * EPS);
        }
      });

      if (activation === 'relu' || activation === 'erf') {
        it(`${label}: the limit is K∞ ⊗ I_C / M with the library's closed-form K∞`, () => {
          const { kernel, kernelFull, cross } = ref.limit!;
          for (let a = 0; a < M * C; a++) {
            for (let b = 0; b < M * C; b++) {
              const same = a % C === b % C;
              expect(kernelFull[a * M * C + b]).toBe(same ? kernel[Math.floor(a / C) * M + Math.floor(b / C)] : 0);
            }
          }
          const X = cases[i]!.X;
          const library = limitKernel(X, { activation, bias, method: 'closed-form' }).kernel.data;
          // Both evaluate arccos/arcsin of a ratio of O(d)-term sums: a few hundred ε of max|K∞|.
          const scale = Math.max(...kernel.map(Math.abs));
          for (let p = 0; p < kernel.length; p++) expect(Math.abs(kernel[p]! - library[p]!)).toBeLessThanOrEqual(256 * EPS * scale);
          const libraryCross = limitKernel(cases[i]!.Xstar, X, { activation, bias, method: 'closed-form' }).kernel.data;
          expect(relativeDifference(cross!, libraryCross)).toBeLessThanOrEqual(256 * EPS);
        });
      }
    });
  });
});
