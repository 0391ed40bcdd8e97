import { Matrix } from '../lib/index.js';

/** A small deterministic generator (mulberry32) so tests are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const next = rng(seed);
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = next();
  return m;
}

/** A well-conditioned symmetric positive definite matrix: BᵀB/n + I. */
export function randomSpd(n: number, seed: number): Matrix {
  const b = randomMatrix(n, n, seed);
  const a = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b.data[k * n + i]! * b.data[k * n + j]!;
      const v = s / n + (i === j ? 1 : 0);
      a.data[i * n + j] = v;
      a.data[j * n + i] = v;
    }
  }
  return a;
}

export function randomSymmetric(n: number, seed: number): Matrix {
  const a = randomMatrix(n, n, seed);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) a.data[j * n + i] = a.data[i * n + j]!;
  }
  return a;
}
