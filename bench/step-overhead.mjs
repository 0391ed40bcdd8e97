// The per-step cost of small problems against another build, interleaved in one process
// (docs/training-strategy.md, "The cost of an attempt at small M"): W6's step (one
// full-Hessian kernel-path step at M = 32, N = 128, d = 2, a fresh NewtonSystem per step, as
// bench/python-peers.mjs times it; and the same step on one workspace kept across steps) and
// whole W8 trainings of the circle at M = 64 (relu and tanh, N = 1024 and 4096).
// Needs `npm run build:ts`.
//
//   node bench/step-overhead.mjs --against OTHER/dist [--rounds R] [--clock wall|cpu] [--threads T] [--only w6|w8]
//
// OTHER/dist sits two levels below a package root with its own native build (a copy of an
// older dist/ and build/ beside a package.json). Each round times both builds back to back,
// in alternating order; the report gives the medians and the median of the per-round ratios
// other/this. With --clock cpu a round is the process's CPU seconds (user + system) of its
// work: on a shared machine it does not count the time spent waiting for a core (use
// --threads 1 with it, or a spinning BLAS thread is counted too).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
if (!args.includes('--against')) {
  console.error('usage: node bench/step-overhead.mjs --against OTHER/dist [--rounds R] [--clock wall|cpu] [--threads T] [--only w6|w8]');
  process.exit(2);
}
const rounds = Number(option('--rounds', '15'));
const clock = option('--clock', 'wall');
const threads = Number(option('--threads', '2'));
const only = option('--only', null);
// Workspace is internal (lib/linalg/workspace.ts): each build's own class, for the kept-workspace step.
const load = async (dist) => ({
  ...(await import(pathToFileURL(path.join(dist, 'index.js')).href)),
  Workspace: (await import(pathToFileURL(path.join(dist, 'linalg', 'workspace.js')).href)).Workspace,
});
const other = await load(path.resolve(option('--against')));
const api = await load(path.join(root, 'dist'));
for (const lib of [other, api]) lib.setThreads(threads);
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];

function now() {
  if (clock === 'wall') return performance.now() / 1000;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function circle(m, k) {
  const X = new Float64Array(2 * m);
  const y = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const t = (2 * Math.PI * j) / m;
    X[2 * j] = Math.cos(t);
    X[2 * j + 1] = Math.sin(t);
    y[j] = Math.sin(k * t);
  }
  return { X, y };
}

/** W6's problem: seeded tanh network, M = 32 uniform points in [−1, 1]², a smooth target. */
function w6(lib) {
  const m = 32;
  const net = lib.TwoLayerNetwork.initialize({ width: 128, dim: 2, activation: 'tanh' }, { seed: 1 });
  const X = new lib.Matrix(m, 2, Float64Array.from({ length: 2 * m }, (_, i) => Math.sin(1.7 * i + 0.3)));
  const y = Float64Array.from({ length: m }, (_, j) => Math.cos(3 * X.data[2 * j]) * X.data[2 * j + 1]);
  const lambda = lib.chooseLambda('auto', new lib.NewtonSystem(net, X, y), 'full').lambda;
  return { net, X, y, lambda };
}

/** The W8 circle cases at M = 64 (W8's parameters: initialize seed 0, tanh drawn, then the activation). */
function w8(lib, id) {
  const [, k, activation, width] = /^circle_k(\d+)\/(\w+)\/N(\d+)$/.exec(id);
  const init = lib.TwoLayerNetwork.initialize({ width: Number(width), dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 0 });
  const net = lib.TwoLayerNetwork.fromArrays({ ...init.config, activation }, { c: init.c, W: init.W.data, b: init.b });
  const { X, y } = circle(64, Number(k));
  return { net, X: new lib.Matrix(64, 2, X), y };
}

/** Times `run(lib, problem)` for both builds, `rounds` times in alternating order. */
function compare(label, setup, run, unit, per = 1) {
  const libs = [other, api];
  const problems = libs.map(setup);
  libs.forEach((lib, i) => run(lib, problems[i]));
  const times = [[], []];
  let counts = [null, null];
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 ? [1, 0] : [0, 1]) {
      const t0 = now();
      const result = run(libs[i], problems[i]);
      times[i].push((now() - t0) / per);
      counts[i] = result;
    }
  }
  const ratios = times[0].map((t, r) => t / times[1][r]);
  const fmt = (s) => (unit === 'µs' ? `${(s * 1e6).toFixed(1)} µs` : `${(s * 1e3).toFixed(1)} ms`);
  const extra = counts[0] === undefined ? '' : ` (other ${counts[0]}, this ${counts[1]})`;
  console.log(`| ${label}${extra} | ${fmt(median(times[0]))} | ${fmt(median(times[1]))} | ${median(ratios).toFixed(2)} | ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} |`);
}

console.log(`threads ${threads}, clock ${clock}; this build (dist/) against ${option('--against')}; ${rounds} alternating rounds\n`);
console.log('| what | other | this | other/this (median of rounds) | range |\n| --- | ---: | ---: | ---: | --- |');
const STEPS = 400;
if (only !== 'w8') {
  compare(
    `W6 step, fresh system (per step, ${STEPS} steps a round)`,
    w6,
    (lib, p) => {
      for (let s = 0; s < STEPS; s++) new lib.NewtonSystem(p.net, p.X, p.y).direction(p.lambda, 'full', 'kernel');
      return undefined;
    },
    'µs',
    STEPS,
  );
  compare(
    `W6 step, one workspace for all steps (per step, ${STEPS} steps a round)`,
    (lib) => ({ ...w6(lib), workspace: new lib.Workspace() }),
    (lib, p) => {
      for (let s = 0; s < STEPS; s++) new lib.NewtonSystem(p.net, p.X, p.y, p.workspace).direction(p.lambda, 'full', 'kernel');
      return undefined;
    },
    'µs',
    STEPS,
  );
}
if (only !== 'w6') {
  const budget = { method: 'newton', maxSteps: 100, maxAttempts: 1000 };
  for (const id of ['circle_k1/relu/N1024', 'circle_k2/relu/N1024', 'circle_k4/relu/N1024', 'circle_k2/relu/N4096', 'circle_k1/tanh/N1024', 'circle_k4/tanh/N1024', 'circle_k8/tanh/N1024', 'circle_k8/tanh/N4096']) {
    compare(
      `${id}, training`,
      (lib) => w8(lib, id),
      (lib, p) => {
        const r = lib.train(p.net, p.X, p.y, budget);
        return `${r.steps}/${r.attempts}`;
      },
      'ms',
    );
  }
}
