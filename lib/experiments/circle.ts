import { Matrix } from '../linalg/matrix.js';

/**
 * The data of docs/math.md §6: M points on the unit circle, xⱼ = (cos tⱼ, sin tⱼ)
 * with tⱼ = 2πj/M, and the target y = sin(k·t).
 */
export function circleData(m: number, k: number): { X: Matrix; y: Float64Array } {
  const X = new Matrix(m, 2);
  const y = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const t = (2 * Math.PI * j) / m;
    X.data[2 * j] = Math.cos(t);
    X.data[2 * j + 1] = Math.sin(t);
    y[j] = Math.sin(k * t);
  }
  return { X, y };
}
