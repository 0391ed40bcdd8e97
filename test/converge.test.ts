import { describe, expect, it } from 'vitest';
import { convergeFigures, runConverge } from '../lib/experiments/converge.js';

describe('the converge experiment', () => {
  // Small widths and few seeds keep this fast; `nntk converge` runs 2^8 … 2^16 with 4 seeds.
  const result = runConverge({ exponents: [8, 12], seeds: 3, points: 16, alpha: 0.05, time: 1 });

  it('measures K_GD(N) approaching K∞/M at a rate near N^(−1/2) (fitted log-log slope), and every distance shrinking', () => {
    expect(result.rows.map((r) => r.width)).toEqual([256, 512, 1024, 2048, 4096]);
    // Three seeds per width: the slope's sampling spread is wider than with the command's defaults.
    expect(result.slopes.ntk).toBeGreaterThanOrEqual(-0.75);
    expect(result.slopes.ntk).toBeLessThanOrEqual(-0.3);
    expect(result.slopes.nntk).toBeLessThan(-0.2);
    // Every distance shrinks from the smallest to the largest width.
    const [first, last] = [result.rows[0]!, result.rows.at(-1)!];
    for (const key of ['ntkDistance', 'nntkDistance', 'flowDistance', 'movement'] as const) expect(last[key]).toBeLessThan(first[key]);
  });

  it('certifies S + λ_N·I positive definite at every width under λ_N = N^(−1/4)', () => {
    for (const row of result.rows) {
      expect(row.certificate).toBeGreaterThan(0);
      expect(row.certificate).toBeLessThanOrEqual(row.lambda * 1.5);
    }
  });

  it('keeps the flow comparison above its time-discretization floor', () => {
    expect(result.discretization).toBeLessThan(result.rows.at(-1)!.flowDistance);
  });

  it('draws three figures', () => {
    const figures = convergeFigures(result);
    expect(Object.keys(figures).sort()).toEqual(['certificate.svg', 'limit-distance.svg', 'movement.svg']);
    for (const svg of Object.values(figures)) expect(svg.startsWith('<svg')).toBe(true);
  });
});

describe('the converge experiment, aborted', () => {
  it('stops at the next seed, leaves out the width cut short, and marks the result and the figure titles partial', () => {
    const controller = new AbortController();
    const onProgress = (message: string) => {
      if (message === 'N = 2^9, seed 2/2') controller.abort();
    };
    const result = runConverge({ exponents: [8, 12], seeds: 2, points: 8, time: 0.2, onProgress, signal: controller.signal });
    expect(result.partial).toBe(true);
    expect(result.rows.map((r) => r.width)).toEqual([256]);
    for (const svg of Object.values(convergeFigures(result))) expect(svg).toMatch(/<title>[^<]*\(partial: interrupted\)<\/title>/);
  });

  it('aborted before the first width: no row, no figure', () => {
    const controller = new AbortController();
    controller.abort();
    const result = runConverge({ exponents: [8, 9], seeds: 1, points: 8, signal: controller.signal });
    expect([result.partial, result.rows, convergeFigures(result)]).toEqual([true, [], {}]);
  });
});
