import { afterAll, describe, expect, it } from 'vitest';
import { blasConfig, gemm, getThreads, Matrix, potrf, potrfAsync, setThreads, syevd, syrk } from '../lib/index.js';
import { randomMatrix, randomSymmetric } from './random.js';
import { gamma, LAPACK_THRESHOLD } from './tolerance.js';

const initial = getThreads();
afterAll(() => setThreads(initial));

describe('OpenBLAS threads', () => {
  it('setThreads changes what getThreads reports', () => {
    setThreads(1);
    expect(getThreads()).toBe(1);
    setThreads(2);
    expect(getThreads()).toBe(Math.min(2, blasConfig().processors));
  });

  it('rejects thread counts that are not positive integers', () => {
    expect(() => setThreads(0)).toThrow(RangeError);
    expect(() => setThreads(1.5)).toThrow(RangeError);
    expect(() => setThreads('2' as unknown as number)).toThrow(TypeError);
  });

  it('gives bitwise identical results for the same thread count, and ones within both runs’ error bounds across counts', () => {
    const k = 257;
    const a = randomMatrix(300, k, 3);
    const s = randomSymmetric(200, 4);
    const run = () => ({ c: gemm(a, a, { transB: true }).data, k: syrk(a).data, w: syevd(s.clone(), { vectors: false }).values });
    setThreads(1);
    const one = run();
    const oneAgain = run();
    setThreads(2);
    const two = run();
    const twoAgain = run();
    for (const key of ['c', 'k', 'w'] as const) {
      expect(oneAgain[key]).toEqual(one[key]);
      expect(twoAgain[key]).toEqual(two[key]);
    }
    // Different thread counts may split sums differently. Each (A·Aᵀ)ᵢⱼ is then within γ_k·(|A|·|Aᵀ|)ᵢⱼ of
    // exact (Higham §3.1, any order), so two runs differ by at most twice that; |A|·|Aᵀ| is formed here with
    // a relative error of γ_k itself, hence the factor 1 + γ_k.
    const absolute = new Matrix(a.rows, a.cols, a.data.map(Math.abs));
    const magnitude = gemm(absolute, absolute, { transB: true }).data;
    for (const key of ['c', 'k'] as const) {
      one[key].forEach((v, i) => expect(Math.abs(v - two[key][i]!), `${key} entry ${i}`).toBeLessThanOrEqual(2 * gamma(k) * (1 + gamma(k)) * magnitude[i]!));
    }
    // Eigenvalues: each run's are exact for A + E with ‖E‖₂ ≤ 30·n·ε·‖A‖₂ (LAPACK's test threshold), so by
    // Weyl's theorem the two differ by at most twice that; ‖A‖₂ ≤ ‖A‖_F.
    const n = s.rows;
    const bound = 2 * LAPACK_THRESHOLD * n * Number.EPSILON * Math.hypot(...s.data);
    one.w.forEach((v, i) => expect(Math.abs(v - two.w[i]!), `eigenvalue ${i}`).toBeLessThanOrEqual(bound));
  });

  it('factors a matrix of order ≤ 128 on one thread, bit for bit as a 1-thread call, and leaves the caller’s thread count in force (sync and async)', async () => {
    if (blasConfig().processors < 2) return;
    for (const n of [64, 128]) {
      const g = randomMatrix(n, n + 3, 5);
      const a = syrk(g);
      setThreads(1);
      const single = potrf(a.clone()).data;
      setThreads(2);
      expect(potrf(a.clone()).data, `n = ${n}`).toEqual(single);
      expect(getThreads()).toBe(2);
      expect((await potrfAsync(a.clone())).data, `n = ${n}, async`).toEqual(single);
      expect(getThreads()).toBe(2);
    }
  });

  it('reports the OpenBLAS build it links', () => {
    expect(blasConfig().openblas).toMatch(/OpenBLAS/);
  });
});
