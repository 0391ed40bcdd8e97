import { afterAll, describe, expect, it } from 'vitest';
import { blasConfig, gemm, getThreads, setThreads, syevd, syrk } from '../lib/index.js';
import { randomMatrix, randomSymmetric } from './random.js';

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

  it('gives bitwise identical results for the same thread count, and round-off-close ones across counts', () => {
    const a = randomMatrix(300, 257, 3);
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
      // Different thread counts may split sums differently: agreement to round-off only.
      const scale = Math.max(...one[key].map(Math.abs));
      const diff = Math.max(...one[key].map((v, i) => Math.abs(v - two[key][i]!)));
      expect(diff).toBeLessThanOrEqual(1e-13 * scale);
    }
  });

  it('reports the OpenBLAS build it links', () => {
    expect(blasConfig().openblas).toMatch(/OpenBLAS/);
  });
});
