/**
 * The 10-class digits harness (issue 13 item 4): nntk's kernel predictors and
 * training on one-hot targets beside scikit-learn's KernelRidge, SVC and MLP,
 * on the same split.
 *
 *   npm run bench:digits10 [-- --width 4096] [--activation erf] [--ridge 1e-3]
 *                          [--lambda 1e-2] [--train-width 256] [--newton-steps 8]
 *                          [--gd-seconds 60] [--only GD,Newton] [--no-peers] [--python PY] [--out FILE]
 *
 * Data: bench/data/digits10/ (bench/python/digits10.py data: 1000 training and 797
 * test points, stratified and seeded, standardised with the training statistics).
 * Every row is the test accuracy (argmax over the 10 outputs) and the wall time
 * of fit + predict:
 *
 *   NTK, t → ∞        the empirical NTK of a symmetric network (f₀ ≡ 0, width
 *                     --width) with ridge ρ = --ridge · tr(𝒦)/M (docs/math.md §9)
 *   limit K∞          the same predictor on the infinite-width kernel (K∞ ⊗ I_C
 *                     regresses each output on K∞ alone, so it is exact column-wise)
 *   NNTK, one step    one Gauss–Newton step (α = 1, λ = --lambda) of the linearised
 *                     network: f₁(X*) = −𝒦_N(X*, X)·r₀
 * each on the full (M·C)×(M·C) kernel of a 10-output network when the library has
 * it, and on the output-traced M×M kernel (a one-output network's, with the 10
 * target columns regressed on it, as KernelPredictor does) in every build; then
 *   Newton, GD        train() of a 10-output network (width --train-width, one-hot
 *                     targets): --newton-steps Newton steps; gradient descent with
 *                     the default step 1/μ_max(𝒦_GD) (its eigensolve timed apart, in
 *                     the row's time) for --gd-seconds of steps.
 * A row the library cannot compute in this build (no `outputs`, or a C > 1
 * routine that throws UnsupportedOutputsError) is listed as unavailable, with the
 * reason. --only keeps the nntk rows whose name contains one of its comma-separated
 * words. Prints one table and writes bench/results-digits10.json (or --out).
 * Needs `npm run build:ts`; the scikit-learn rows need bash bench/python/setup-venv.sh.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultLearningRate, kernel, KernelPredictor, limitKernel, Matrix, readNpy, train, TwoLayerNetwork, writeFileAtomic } from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    width: { type: 'string', default: '4096' },
    activation: { type: 'string', default: 'erf' },
    ridge: { type: 'string', default: '1e-3' },
    lambda: { type: 'string', default: '1e-2' },
    'train-width': { type: 'string', default: '256' },
    'newton-steps': { type: 'string', default: '8' },
    'gd-seconds': { type: 'string', default: '60' },
    only: { type: 'string' },
    'no-peers': { type: 'boolean', default: false },
    python: { type: 'string' },
    out: { type: 'string', default: path.join(here, 'results-digits10.json') },
    data: { type: 'string', default: path.join(here, 'data', 'digits10') },
  },
});
const width = Number(values.width);
const activation = values.activation;
const relativeRidge = Number(values.ridge);
const lambda = Number(values.lambda);
const SEED = 1;
const only = values.only === undefined ? null : values.only.split(',');

async function matrix(name) {
  const { shape, data } = await readNpy(path.join(values.data, `${name}.npy`));
  return new Matrix(shape[0], shape.length > 1 ? shape[1] : 1, data);
}
const X = await matrix('X_train');
const Y = await matrix('Y_train');
const Xtest = await matrix('X_test');
const labels = (await matrix('y_test')).data;
const M = X.rows;
const C = Y.cols;
const d = X.cols;

/** The fraction of test points whose largest output is their label; f is M*·C sample-major. */
function accuracy(f) {
  let right = 0;
  for (let j = 0; j < labels.length; j++) {
    let best = 0;
    for (let k = 1; k < C; k++) if (f[j * C + k] > f[j * C + best]) best = k;
    if (best === labels[j]) right++;
  }
  return right / labels.length;
}

const rows = [];
/** Runs `fit` (which returns test outputs, M*·C sample-major, and a note) and records its row, or why it is unavailable. */
function row(method, fit) {
  if (only !== null && !only.some((word) => method.includes(word))) return;
  const start = performance.now();
  try {
    const { test, note } = fit();
    const seconds = (performance.now() - start) / 1000;
    rows.push({ method, accuracy: accuracy(test), seconds, note });
  } catch (error) {
    if (!isUnavailable(error)) throw error;
    rows.push({ method, accuracy: null, seconds: null, note: `unavailable: ${error.message}` });
  }
  const r = rows.at(-1);
  console.error(`digits10: ${method}: ${r.accuracy === null ? r.note : `${(100 * r.accuracy).toFixed(2)} % in ${r.seconds.toFixed(1)} s`}`);
}

/** What a build without several outputs throws: an unknown option key, or a C > 1 routine not written yet. */
function isUnavailable(error) {
  return error?.name === 'UnsupportedOutputsError' || (error instanceof TypeError && /unknown option 'outputs'/.test(error.message));
}

const negated = (m) => new Matrix(m.rows, m.cols, m.data.map((v) => -v));
const trace = (K) => {
  let s = 0;
  for (let j = 0; j < K.rows; j++) s += K.data[j * K.cols + j];
  return s;
};
const config = { width, dim: d, activation };
const init = { seed: SEED, symmetric: true };
// r₀ = f₀(X) − Y = −Y: the symmetric networks start at f₀ ≡ 0, and so does the infinite-width mean.
const r0 = negated(Y);

// Output-traced M×M kernels, in every build: a one-output network's kernel (the traced kernel
// of a C-output one, with slope weights |cᵢ|²/C, has the same expectation), each of the C
// target columns regressed on it.
row('nntk NTK t → ∞ (traced M×M)', () => {
  const net = TwoLayerNetwork.initialize(config, init);
  const K = kernel(net, X).kernel;
  const ridge = (relativeRidge * trace(K)) / M;
  const test = new KernelPredictor(K, r0, { ridge }).predict(kernel(net, Xtest, X).kernel, { time: Infinity });
  return { test: test.data, note: `N = ${width}, ${activation}, ρ = ${ridge.toExponential(2)}` };
});
row('nntk limit K∞ t → ∞ (= K∞ ⊗ I_C)', () => {
  const K = limitKernel(X, { activation }).kernel;
  const ridge = (relativeRidge * trace(K)) / M;
  const test = new KernelPredictor(K, r0, { ridge }).predict(limitKernel(Xtest, X, { activation }).kernel, { time: Infinity });
  return { test: test.data, note: `${activation}, closed form, ρ = ${ridge.toExponential(2)}` };
});
row('nntk NNTK one Gauss–Newton step (traced M×M)', () => {
  const net = TwoLayerNetwork.initialize(config, init);
  const options = { kind: 'nntk', hessian: 'gauss-newton', lambda };
  const K = kernel(net, X, options).kernel;
  const test = new KernelPredictor(K, r0).predict(kernel(net, Xtest, X, options).kernel, { steps: 1, stepSize: 1 });
  return { test: test.data, note: `N = ${width}, λ = ${lambda}` };
});

// The full (M·C)×(M·C) kernels of a 10-output network: 8·(M·C)² bytes each.
const wide = { ...config, outputs: C };
row('nntk NTK t → ∞ (full (M·C)²)', () => {
  const net = TwoLayerNetwork.initialize(wide, init);
  const K = kernel(net, X, { outputs: 'full' }).kernel;
  const ridge = (relativeRidge * trace(K)) / (M * C);
  const test = new KernelPredictor(K, r0, { ridge }).predict(kernel(net, Xtest, X, { outputs: 'full' }).kernel, { time: Infinity });
  return { test: test.data, note: `N = ${width}, C = ${C}, ρ = ${ridge.toExponential(2)}` };
});
row('nntk NNTK one Gauss–Newton step (full (M·C)²)', () => {
  const net = TwoLayerNetwork.initialize(wide, init);
  const options = { kind: 'nntk', hessian: 'gauss-newton', lambda, outputs: 'full' };
  const K = kernel(net, X, options).kernel;
  const test = new KernelPredictor(K, r0).predict(kernel(net, Xtest, X, options).kernel, { steps: 1, stepSize: 1 });
  return { test: test.data, note: `N = ${width}, C = ${C}, λ = ${lambda}` };
});

// Training a 10-output network on the one-hot targets (M·C sample-major, as f is).
const trainConfig = { ...wide, width: Number(values['train-width']) };
row('nntk Newton (C = 10)', () => {
  const net = TwoLayerNetwork.initialize(trainConfig, { seed: SEED });
  const result = train(net, X, Y.data, { maxSteps: Number(values['newton-steps']), tol: 1e-8 });
  return { test: result.net.predict(Xtest), note: `N = ${trainConfig.width}, ${result.steps} steps, |r|/|y| = ${result.residual.toExponential(2)}` };
});
row('nntk GD (C = 10)', () => {
  const net = TwoLayerNetwork.initialize(trainConfig, { seed: SEED });
  // The default step 1/μ_max(𝒦_GD) needs the largest eigenvalue of the (M·C)² kernel: timed
  // apart (it is in the row's time), so that the budget counts steps, not the eigensolver.
  const start = performance.now();
  const lr = defaultLearningRate(net, X);
  const lrSeconds = (performance.now() - start) / 1000;
  const result = train(net, X, Y.data, { method: 'gd', lr, maxSteps: 1e9, maxSeconds: Number(values['gd-seconds']), tol: 1e-8 });
  const steps = `${result.steps} steps in ${values['gd-seconds']} s`;
  return { test: result.net.predict(Xtest), note: `N = ${trainConfig.width}, η = 1/μ_max (${lrSeconds.toFixed(0)} s), ${steps}, |r|/|y| = ${result.residual.toExponential(2)}` };
});

let peers = { rows: [], note: 'not run (--no-peers)' };
if (!values['no-peers']) {
  const venv = path.join(here, 'python', '.venv', 'bin', 'python');
  const python = values.python ?? (fs.existsSync(venv) ? venv : 'python3');
  try {
    const out = execFileSync(python, [path.join(here, 'python', 'digits10.py'), 'peers', values.data], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    peers = JSON.parse(out);
  } catch (error) {
    peers = { rows: [], note: `unavailable: ${python} could not run the scikit-learn peers (${error.message.split('\n')[0]})` };
  }
}

const all = [...rows, ...peers.rows.map(({ method, accuracy, seconds, searchSeconds, params }) => ({ method, accuracy, seconds, note: `${JSON.stringify(params)}; CV search ${searchSeconds.toFixed(1)} s` }))];
const cell = (v, digits) => (v === null ? '—' : v.toFixed(digits));
console.log(`digits, 10 classes: ${M} training / ${labels.length} test points, d = ${d}; load average ${os.loadavg().map((v) => v.toFixed(2)).join(', ')}`);
console.log('| method | test accuracy (%) | fit + predict (s) | note |');
console.log('| --- | --- | --- | --- |');
for (const r of all) console.log(`| ${r.method} | ${r.accuracy === null ? '—' : cell(100 * r.accuracy, 2)} | ${cell(r.seconds, 2)} | ${r.note} |`);
if (peers.note) console.log(`scikit-learn: ${peers.note}`);

const result = {
  data: { train: M, test: labels.length, classes: C, features: d, source: 'bench/data/digits10 (bench/python/digits10.py)' },
  options: { width, activation, relativeRidge, lambda, trainWidth: trainConfig.width, newtonSteps: Number(values['newton-steps']), gdSeconds: Number(values['gd-seconds']) },
  loadAverage: os.loadavg(),
  cpus: os.cpus().length,
  rows,
  sklearn: peers,
};
await writeFileAtomic(values.out, `${JSON.stringify(result, null, 2)}\n`);
