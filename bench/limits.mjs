// The adaptive limit kernel's cost (issue 16): limitKernel for tanh at
// M = 1000 points, d = 10, standardised inputs (each column mean 0, variance
// 1), σ_w = 1/√d and σ_w = 1 (σ_b = 1, bias), default tolerance 1e-10,
// with a 1000×1000 dgemm timed in the same run for scale (the better of two).
// Prints one line per case: seconds, the error estimate relative to max|K∞|,
// and the time in units of the dgemm.
//
//   npm run build:ts && node bench/limits.mjs [--points 1000]
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'dist');
const { Matrix, gemm, limitKernel } = await import(pathToFileURL(path.join(dist, 'index.js')).href);

const at = process.argv.indexOf('--points');
const m = at > 0 ? Number(process.argv[at + 1]) : 1000;
const d = 10;

// A fixed linear congruential stream and Box–Muller: the same inputs every run.
let state = 12345;
const uniform = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
const X = new Matrix(m, d, Float64Array.from({ length: m * d }, normal));
for (let c = 0; c < d; c++) {
  let mean = 0;
  for (let i = 0; i < m; i++) mean += X.data[i * d + c] / m;
  let variance = 0;
  for (let i = 0; i < m; i++) variance += (X.data[i * d + c] - mean) ** 2 / m;
  for (let i = 0; i < m; i++) X.data[i * d + c] = (X.data[i * d + c] - mean) / Math.sqrt(variance);
}

const n = 1000;
const A = new Matrix(n, n, Float64Array.from({ length: n * n }, uniform));
const B = new Matrix(n, n, Float64Array.from({ length: n * n }, uniform));
let gemmSeconds = Infinity;
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  gemm(A, B);
  if (r > 0) gemmSeconds = Math.min(gemmSeconds, (performance.now() - t) / 1000);
}
console.log(`dgemm ${n}×${n}: ${gemmSeconds.toFixed(4)} s (${((2 * n ** 3) / gemmSeconds / 1e9).toFixed(1)} GFLOP/s)`);

for (const [label, sigmaW] of [['1/√d', 1 / Math.sqrt(d)], ['1', 1]]) {
  const t = performance.now();
  const { kernel, errorEstimate } = limitKernel(X, { activation: 'tanh', sigmaW });
  const seconds = (performance.now() - t) / 1000;
  console.log(
    `tanh M = ${m}, d = ${d}, σ_w = ${label}: ${kernel.rows}×${kernel.cols} in ${seconds.toFixed(2)} s, error estimate ${errorEstimate.toExponential(1)}·max|K∞|, ${(seconds / gemmSeconds).toFixed(0)} dgemm`,
  );
}
