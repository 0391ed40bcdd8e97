/**
 * The kernel-regression predictors (docs/math.md §9), two measurements:
 *
 *   node bench/predictors.mjs cost [--sizes 1024,2048] [--repeats 3]
 *     KernelPredictor's one-off cost (the eigen-decomposition and the first
 *     prediction at a finite t, 256 test points) and t → ∞ (Cholesky), each as
 *     a multiple of one M×M×M dgemm timed beside it, and the cost of every
 *     further t (only the O(M²) products).
 *   node bench/predictors.mjs lazy [--activation tanh] [--seeds 8] [--steps 100]
 *     The lazy regime: mean over seeds of |f_N(X*) − f_lin(X*)|/|f_lin(X*) − f₀(X*)|
 *     after gradient descent (η = 1/μ_max) and after Gauss–Newton (λ = 1e-2, no
 *     damping, 5 steps) at N = 512, 2048, 8192 (16 points on the circle, k = 1),
 *     and the exponent from 512 to 8192.
 *
 * Needs `npm run build:ts`.
 */
import { parseArgs } from 'node:util';
import { defaultLearningRate, gemm, KernelPredictor, Matrix, networkPrediction, train, TwoLayerNetwork } from '../dist/index.js';
import { circleData } from '../dist/experiments/circle.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: 'string', default: '1024,2048' },
    repeats: { type: 'string', default: '3' },
    activation: { type: 'string', default: 'tanh' },
    seeds: { type: 'string', default: '8' },
    steps: { type: 'string', default: '100' },
  },
});
const seconds = (f) => {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
};

function cost() {
  for (const m of values.sizes.split(',').map(Number)) {
    const a = new Matrix(m, m, Float64Array.from({ length: m * m }, (_, i) => Math.sin(0.7 * i)));
    const K = gemm(a, a, { transB: true, alpha: 1 / m });
    const r0 = Float64Array.from({ length: m }, (_, j) => Math.cos(j));
    const cross = new Matrix(256, m, a.data.slice(0, 256 * m));
    for (let rep = 0; rep < Number(values.repeats); rep++) {
      const dgemm = seconds(() => gemm(a, a));
      const predictor = new KernelPredictor(K, r0, { ridge: 1e-3 });
      const first = seconds(() => predictor.predict(cross, { time: 10 }));
      const next = seconds(() => predictor.predict(cross, { time: 1e3 }));
      const limit = seconds(() => new KernelPredictor(K, r0, { ridge: 1e-3 }).predict(cross, { time: Infinity }));
      console.log(`M = ${m}: dgemm ${dgemm.toFixed(3)} s; first t ${(first / dgemm).toFixed(2)}× dgemm, each further t ${(next * 1e3).toFixed(1)} ms, t → ∞ ${(limit / dgemm).toFixed(2)}× dgemm`);
    }
  }
}

function lazy() {
  const { X, y } = circleData(16, 1);
  const Xtest = Matrix.from([[0.3, -0.2], [1.1, 0.4], [-0.7, 0.9], [0.0, -1.3], [0.5, 0.5], [0.8, 0.1]]);
  const steps = Number(values.steps);
  const widths = [512, 2048, 8192];
  for (const method of ['gd', 'newton']) {
    const means = widths.map((width) => {
      let sum = 0;
      for (let seed = 1; seed <= Number(values.seeds); seed++) {
        const net = TwoLayerNetwork.initialize({ width, dim: 2, activation: values.activation, beta: 0.5, bias: true }, { seed });
        let trained;
        let linear;
        if (method === 'gd') {
          const eta = defaultLearningRate(net, X);
          trained = train(net, X, y, { method: 'gd', lr: eta, maxSteps: steps, tol: Number.MIN_VALUE });
          linear = networkPrediction(net, X, y, Xtest, { when: { steps, stepSize: eta } }).test;
        } else {
          trained = train(net, X, y, { method: 'newton', hessian: 'gauss-newton', damping: 'none', lambda: 1e-2, maxSteps: 5, tol: Number.MIN_VALUE });
          linear = networkPrediction(net, X, y, Xtest, { kind: 'nntk', hessian: 'gauss-newton', lambda: 1e-2, when: { steps: 5, stepSize: 1 } }).test;
        }
        const f = trained.net.predict(Xtest);
        const f0 = net.predict(Xtest);
        let error = 0;
        let moved = 0;
        for (let j = 0; j < f.length; j++) {
          error += (f[j] - linear[j]) ** 2;
          moved += (linear[j] - f0[j]) ** 2;
        }
        sum += Math.sqrt(error / moved);
      }
      return sum / Number(values.seeds);
    });
    const exponent = Math.log(means[0] / means[2]) / Math.log(widths[2] / widths[0]);
    console.log(`${values.activation}, ${method}: ${widths.map((w, i) => `N = ${w}: ${means[i].toExponential(2)}`).join(', ')}; exponent ${exponent.toFixed(2)}`);
  }
}

if (positionals[0] === 'cost') cost();
else if (positionals[0] === 'lazy') lazy();
else {
  console.error('usage: node bench/predictors.mjs cost|lazy [options] (see the header comment)');
  process.exitCode = 2;
}
