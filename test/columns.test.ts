import { describe, expect, it } from 'vitest';
import { Matrix, TwoLayerNetwork } from '../lib/index.js';
import { native } from '../lib/linalg/native.js';
import { randomMatrix } from './random.js';

describe('native per-entry loops over feature arrays', () => {
  // m = 7 leaves a tail after the four-row groups; nc = 5 is not a multiple of any vector width.
  for (const [m, nc] of [[7, 5], [1, 1], [64, 33]] as const) {
    it(`weightedrowsums (${m}×${nc}) adds each rounded product in neuron order onto out: the bits of the plain loop`, () => {
      const a = randomMatrix(m, nc, 11).data;
      const w = randomMatrix(1, nc, 12).data;
      const out = randomMatrix(1, m, 13).data;
      const expected = out.slice();
      for (let j = 0; j < m; j++) {
        let f = expected[j]!;
        for (let i = 0; i < nc; i++) f += w[i]! * a[j * nc + i]!;
        expected[j] = f;
      }
      expect(native.weightedrowsums(m, nc, a, w, out)).toBe(0);
      expect(Array.from(out)).toEqual(Array.from(expected));
    });

    it(`scaledcolumns (${m}×${nc}) multiplies column i by s[i], exactly`, () => {
      const a = randomMatrix(m, nc, 21).data;
      const s = randomMatrix(1, nc, 22).data;
      const out = new Float64Array(m * nc);
      expect(native.scaledcolumns(m, nc, a, s, out)).toBe(0);
      expect(Array.from(out)).toEqual(Array.from(a, (v, p) => v * s[p % nc]!));
    });
  }

  it('a symmetric initialisation still predicts exactly 0 (the pairs cancel in the ordered sum)', () => {
    const net = TwoLayerNetwork.initialize({ width: 64, dim: 3, activation: 'tanh', beta: 0.5, bias: true }, { seed: 5, symmetric: true });
    const f = net.predict(new Matrix(9, 3, randomMatrix(9, 3, 31).data));
    expect(Array.from(f)).toEqual(new Array(9).fill(0));
  });

  it('rejects arrays shorter than the shape with a RangeError', () => {
    expect(() => native.weightedrowsums(4, 3, new Float64Array(11), new Float64Array(3), new Float64Array(4))).toThrow(RangeError);
    expect(() => native.scaledcolumns(4, 3, new Float64Array(12), new Float64Array(3), new Float64Array(11))).toThrow(RangeError);
  });
});
