import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, evaluate, evaluateAt } from '../lib/model/activations.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Inputs across the ranges that matter: tiny, around the cut-overs of the formulas, large, exact zero. */
function inputs(): Float64Array {
  const u: number[] = [0, -0, 1e-300, -1e-20, 1e-9, 0.25, -0.55, 0.84375, 1.25, -2.9, 5.9, 19, -20, 25, 700, -745, 1000];
  for (let i = 0; i < 4000; i++) u.push(12 * Math.sin(1.7 * i + 0.3) * Math.abs(Math.cos(0.37 * i)));
  return Float64Array.from(u);
}

describe('activations', () => {
  it('the vector path (libmvec) and the scalar libm path agree to a few ulps, for σ, σ′ and σ″, over an array and at X̃·Wᵀ', () => {
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
    const scalar = JSON.parse(
      execFileSync(process.execPath, ['-e', script], {
        cwd: root,
        input: JSON.stringify({ u: [...u], xt: [...xt], w: [...w], m, nc, k }),
        env: { ...process.env, NNTK_SCALAR_MATH: '1' },
        encoding: 'utf8',
        maxBuffer: 64 * 2 ** 20,
      }),
    ) as number[][];
    ACTIVATIONS.forEach((activation, kind) => {
      const outputs = [new Float64Array(u.length), new Float64Array(u.length), new Float64Array(u.length)] as const;
      evaluate(activation, u, ...outputs);
      outputs.forEach((out, k) => {
        const reference = scalar[3 * kind + k]!;
        for (let i = 0; i < u.length; i++) {
          const r = reference[i]!;
          // libmvec is documented to ≤ 4 ulp and libm to ≤ 1 ulp; derived quantities
          // (1 − σ², products) add a few ulps of their larger terms. Below 1e-290 (underflow) only absolute agreement.
          const error = Math.abs(r) > 1e-290 ? Math.abs(out[i]! - r) / Math.abs(r) : Math.abs(out[i]! - r) / 1e-290;
          expect(error, `${activation} output ${k} at u = ${u[i]}`).toBeLessThanOrEqual(1e-13);
        }
      });
    });
    // At X̃·Wᵀ both paths form the pre-activations by the same fused multiply-adds: σ, σ′, σ″ agree as over an array.
    const outputs = [new Float64Array(m * nc), new Float64Array(m * nc), new Float64Array(m * nc)] as const;
    evaluateAt('tanh', xt, m, w, nc, k, ...outputs);
    outputs.forEach((out, o) => {
      const reference = scalar[18 + o]!;
      for (let i = 0; i < m * nc; i++) expect(Math.abs(out[i]! - reference[i]!), `tanh output ${o} at entry ${i}`).toBeLessThanOrEqual(1e-13 * Math.abs(reference[i]!) + 1e-300);
    });
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
        parts.forEach((part, k) => expect(Object.is(outputs[k][i], part[i - at]), `${activation} output ${k} at entry ${i}`).toBe(true));
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
