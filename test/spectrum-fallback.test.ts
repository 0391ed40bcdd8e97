import { describe, expect, it, vi } from 'vitest';

// dsyevd failing to converge cannot be provoked on demand, so the test replaces
// it with one that fails the way LAPACK reports it (ConvergenceError).
vi.mock('../lib/linalg/eigen.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../lib/linalg/eigen.js')>();
  const { ConvergenceError } = await import('../lib/errors.js');
  return {
    ...original,
    syevd: () => {
      throw new ConvergenceError('syevd', 3, 'the divide-and-conquer eigensolver did not converge');
    },
  };
});

const { spectrum } = await import('../lib/method/spectrum.js');
const { Matrix } = await import('../lib/linalg/matrix.js');

describe('spectrum', () => {
  it('retries with dsyevr, with a warning, when dsyevd fails to converge', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const K = Matrix.from([[2, 1, 0], [1, 2, 0], [0, 0, 5]]);
    const { values, vectors } = spectrum(K);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(Array.from(values)).toEqual([expect.closeTo(1, 14), expect.closeTo(3, 14), expect.closeTo(5, 14)]);
    expect(vectors!.rows).toBe(3);
    expect(warnings.some((w) => /did not converge.*retrying with dsyevr/.test(w))).toBe(true);
    // K itself is untouched.
    expect(K.toArray()).toEqual([[2, 1, 0], [1, 2, 0], [0, 0, 5]]);
  });
});
