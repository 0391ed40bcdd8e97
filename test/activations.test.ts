import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, evaluate, evaluateAt, type Activation } from '../lib/model/activations.js';
import { gamma } from './tolerance.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Inputs across the ranges that matter: tiny, around the cut-overs of the formulas, large, exact zero. */
function inputs(): Float64Array {
  const u: number[] = [0, -0, 1e-300, -1e-20, 1e-9, 0.25, -0.55, 0.84375, 1.25, -2.9, 5.9, 19, -20, 25, 700, -745, 1000];
  for (let i = 0; i < 4000; i++) u.push(12 * Math.sin(1.7 * i + 0.3) * Math.abs(Math.cos(0.37 * i)));
  return Float64Array.from(u);
}

const referenceScript = fileURLToPath(new URL('./reference/activations.py', import.meta.url));

/**
 * The bound, in units of u = 2⁻⁵³, on the relative error of σ, σ′, σ″ at an exact input u. Each
 * libm call is within 1 ulp and each libmvec call within 4 ulp (glibc's documented maximum for the
 * vector variants), 1 ulp ≤ 2u; the longest chain in native/activations.cc, sigmoid's
 * σ″ = e·(1/p)²·q·(1/p) with e = e^(−|u|), q = expm1(−|u|), p = 1 + e, adds up to
 * 8 + 8 + 3·10 + 4 ≈ 50u, and the others less. erf's e^(−u²) also inherits the rounding of u²,
 * a relative error of u² · u.
 */
function roundings(activation: Activation, u: number): number {
  return 50 + (activation === 'erf' ? u * u : 0);
}

/**
 * |computed − reference| ≤ n·u·|reference| + n·2⁻¹⁰⁷⁴: below the smallest normal number (2⁻¹⁰²²)
 * roundings err by up to half the subnormal spacing 2⁻¹⁰⁷⁴ in absolute terms, not by u relatively.
 */
function excess(computed: number, reference: number, n: number): number {
  return Math.abs(computed - reference) / (n * (EPSILON_HALF * Math.abs(reference) + Number.MIN_VALUE));
}
const EPSILON_HALF = Number.EPSILON / 2;

describe('activations', () => {
  it('the vector path (libmvec) and the scalar libm path are each within their ulp bounds of σ, σ′, σ″ computed in 60 digits, over an array and at X̃·Wᵀ', () => {
    // The scalar path in a child process: NNTK_SCALAR_MATH=1 switches the vector path off.
    const script = `
      const native = require('node-gyp-build')(process.cwd());
      const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      const u = Float64Array.from(input.u);
      const out = [];
      for (let kind = 0; kind < 6; kind++) {
        const v = new Float64Array(u.length), d = new Float64Array(u.length), c = new Float64Array(u.length);
        native.activations(kind, 1, u.length, 1, Float64Array.of(1), u, v, d, c);
        out.push([...v], [...d], [...c]);
      }
      // The pre-activations formed natively: X̃ (m × k) times Wᵀ (W nc × k).
      const { m, nc, k } = input;
      const v = new Float64Array(m * nc), d = new Float64Array(m * nc), c = new Float64Array(m * nc);
      native.activations(0, k, nc, m, Float64Array.from(input.xt), Float64Array.from(input.w), v, d, c);
      out.push([...v], [...d], [...c]);
      process.stdout.write(JSON.stringify(out));
    `;
    const u = inputs();
    const [m, nc, k] = [7, 13, 3];
    const xt = Float64Array.from({ length: m * k }, (_, i) => 2 * Math.sin(0.9 * i + 0.2));
    const w = Float64Array.from({ length: nc * k }, (_, i) => 1.5 * Math.cos(1.3 * i));
    const request = JSON.stringify({ activations: ACTIVATIONS, u: [...u], xt: [...xt], w: [...w], m, nc, k });
    const scalarPath = JSON.parse(
      execFileSync(process.execPath, ['-e', script], {
        cwd: root,
        input: request,
        env: { ...process.env, NNTK_SCALAR_MATH: '1' },
        encoding: 'utf8',
        maxBuffer: 64 * 2 ** 20,
      }),
    ) as number[][];
    const reference = JSON.parse(execFileSync('python3', [referenceScript], { input: request, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })) as {
      array: Record<Activation, number[][]>;
      product: number[][];
    };

    ACTIVATIONS.forEach((activation, kind) => {
      const vectorPath = [new Float64Array(u.length), new Float64Array(u.length), new Float64Array(u.length)] as const;
      evaluate(activation, u, ...vectorPath);
      for (const [path, outputs] of [
        ['vector', vectorPath],
        ['scalar', scalarPath.slice(3 * kind, 3 * kind + 3)],
      ] as const) {
        outputs.forEach((out, o) => {
          const exact = reference.array[activation][o]!;
          for (let i = 0; i < u.length; i++) {
            const where = `${path} path, ${activation} output ${o} at u = ${u[i]}: ${out[i]} against ${exact[i]}`;
            expect(excess(out[i]!, exact[i]!, roundings(activation, u[i]!)), where).toBeLessThanOrEqual(1);
          }
        });
      }
    });

    // At X̃·Wᵀ the pre-activation itself is a k-term fused multiply-add chain, within γ_k·|x̃|ᵀ|w| of exact
    // (Higham §3.1); that error moves tanh, tanh′, tanh″ by at most max|tanh′| = 1, max|tanh″| = 4/(3√3)
    // and max|tanh‴| = 2 times it, on top of the evaluation's own error at the rounded input.
    const nextDerivative = [1, 4 / (3 * Math.sqrt(3)), 2];
    const vectorPath = [new Float64Array(m * nc), new Float64Array(m * nc), new Float64Array(m * nc)] as const;
    evaluateAt('tanh', xt, m, w, nc, k, ...vectorPath);
    for (const [path, outputs] of [
      ['vector', vectorPath],
      ['scalar', scalarPath.slice(18, 21)],
    ] as const) {
      outputs.forEach((out, o) => {
        const exact = reference.product[o]!;
        for (let j = 0; j < m; j++) {
          for (let i = 0; i < nc; i++) {
            let magnitude = 0;
            for (let p = 0; p < k; p++) magnitude += Math.abs(xt[j * k + p]! * w[i * k + p]!);
            const at = j * nc + i;
            const bound = roundings('tanh', 0) * (EPSILON_HALF * Math.abs(exact[at]!) + Number.MIN_VALUE) + nextDerivative[o]! * gamma(k) * magnitude;
            expect(Math.abs(out[at]! - exact[at]!), `${path} path, tanh output ${o} at entry ${at}`).toBeLessThanOrEqual(bound);
          }
        }
      });
    }
  });

  it('an array long enough to be split over threads gives bitwise the values of its entries evaluated in blocks of four', () => {
    // 2¹⁸ + 3 entries: split over the BLAS threads in parts of 4k entries, with a scalar tail of 3.
    const n = 2 ** 18 + 3;
    const u = Float64Array.from({ length: n }, (_, i) => 9 * Math.sin(0.013 * i) * Math.cos(0.0007 * i));
    ACTIVATIONS.forEach((activation) => {
      const outputs = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
      evaluate(activation, u, ...outputs);
      for (const i of [0, 1, 4, 65535, 65536, 131071, 131072, 200001, n - 4, n - 3, n - 2, n - 1]) {
        const at = i < n - 3 ? i - (i % 4) : i;
        const length = i < n - 3 ? 4 : 1;
        const parts = [new Float64Array(length), new Float64Array(length), new Float64Array(length)] as const;
        evaluate(activation, u.slice(at, at + length), ...parts);
        parts.forEach((part, k) => expect(Object.is(outputs[k]![i], part[i - at]), `${activation} output ${k} at entry ${i}`).toBe(true));
      }
    });
  });

  it('keeps exact values where they are exact: σ(0), relu, and saturation', () => {
    const u = Float64Array.of(0, -3, 3, 40, -40);
    const v = new Float64Array(5);
    const d = new Float64Array(5);
    evaluate('tanh', u, v, d, null);
    expect([v[0], v[3], v[4]]).toEqual([0, 1, -1]);
    expect(d[0]).toBe(1);
    evaluate('relu', u, v, d, null);
    expect(Array.from(v)).toEqual([0, 0, 3, 40, 0]);
    expect(Array.from(d)).toEqual([0, 0, 1, 1, 0]);
    evaluate('sigmoid', u, v, null, null);
    expect(v[0]).toBe(0.5);
  });
});
