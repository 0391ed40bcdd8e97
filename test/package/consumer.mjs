// An ESM user of the installed package: train a tiny network by regularized
// Newton, compute its NTK, and check the numbers against exact properties.
import assert from 'node:assert/strict';
import { Matrix, TwoLayerNetwork, train, kernel, eigh, cholesky } from 'nntk';

const m = 8;
const X = new Matrix(m, 2);
const y = new Float64Array(m);
for (let i = 0; i < m; i++) {
  X.set(i, 0, Math.cos(i));
  X.set(i, 1, Math.sin(2 * i));
  y[i] = Math.sin(3 * X.get(i, 0)) * X.get(i, 1);
}
const net = TwoLayerNetwork.initialize({ width: 64, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 1 });
const result = train(net, X, y, { method: 'newton', tol: 1e-8, maxSteps: 50 });
assert.equal(result.reason, 'converged', `training stopped: ${result.reason}`);
assert.ok(result.residual <= 1e-8, `relative residual ${result.residual}`);

const { kernel: K } = kernel(result.net, X);
assert.deepEqual([K.rows, K.cols], [m, m]);
for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) assert.equal(K.get(i, j), K.get(j, i), 'the NTK is symmetric');
// A Gram matrix is positive semidefinite: its eigenvalues are ≥ −p(n)·ε·‖K‖₂ (LAPACK's backward error).
const w = eigh(K, { eigvalsOnly: true });
const norm = Math.max(...w.map(Math.abs));
assert.ok(w[0] >= -30 * m * Number.EPSILON * norm, `smallest NTK eigenvalue ${w[0]}`);
// cholesky of K + I reproduces it: (UᵀU)₀₀ = U₀₀².
const shifted = K.clone();
for (let i = 0; i < m; i++) shifted.set(i, i, K.get(i, i) + 1);
const U = cholesky(shifted);
assert.ok(Math.abs(U.get(0, 0) ** 2 - shifted.get(0, 0)) <= 4 * Number.EPSILON * shifted.get(0, 0));
console.log(`esm consumer: trained in ${result.steps} Newton steps to residual ${result.residual.toExponential(2)}; NTK eigenvalues ${w[0].toExponential(2)} … ${w[m - 1].toExponential(2)}`);
