// The cost of a Newton attempt at small M (docs/training-strategy.md, "The cost of an
// attempt at small M"): the measurements behind its rules, on the W8 circle cases
// (M = 64, the W8 parameters: TwoLayerNetwork.initialize seed 0) and the test's
// scikit-learn sets (test/data, N = 256). Needs `npm run build:ts`.
//
//   node bench/w8-attempt-cost.mjs --attempts             # accepted/attempts of train() on 48 cases
//   node bench/w8-attempt-cost.mjs --against OTHER/dist   # time against another build, in one process
//   node bench/w8-attempt-cost.mjs --potrf                # dpotrf on 1 and 2 threads, n = 32 … 512
//
// --against alternates the two builds run by run (medians of --reps, default 7, and
// the per-run ratios), so that both see the same load; OTHER/dist must sit two levels
// below a package root with the same native build (e.g. a copy of dist/ beside it).
// Attempt counts do not depend on the load; times on a shared machine do: read the spread.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const api = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
const threads = Number(option('--threads', '2'));
api.setThreads(threads);
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];

function circle(m, k) {
  const X = new Float64Array(2 * m);
  const y = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const t = (2 * Math.PI * j) / m;
    X[2 * j] = Math.cos(t);
    X[2 * j + 1] = Math.sin(t);
    y[j] = Math.sin(k * t);
  }
  return { M: m, d: 2, X, y };
}

function sklearn(name) {
  const read = (part) => api.parseNpy(fs.readFileSync(path.join(root, 'test', 'data', `${name}-${part}.npy`)));
  const X = read('X');
  return { M: X.shape[0], d: X.shape[1], X: X.data, y: read('y').data };
}

/** Every case: id, data, width, activation; W8's parameters (one set per data set and width). */
function cases() {
  const out = [];
  for (const k of [1, 2, 4, 8, 16]) for (const width of [1024, 4096]) for (const activation of ['relu', 'tanh', 'sin', 'softplus']) out.push({ id: `circle_k${k}/${activation}/N${width}`, data: circle(64, k), width, activation });
  for (const name of ['diabetes', 'breast_cancer']) for (const activation of ['relu', 'tanh', 'sin', 'softplus']) out.push({ id: `${name}/${activation}/N256`, data: sklearn(name), width: 256, activation });
  return out;
}

function problem(lib, c) {
  const init = lib.TwoLayerNetwork.initialize({ width: c.width, dim: c.data.d, activation: 'tanh', beta: 0.5, bias: true }, { seed: 0 });
  const net = lib.TwoLayerNetwork.fromArrays({ ...init.config, activation: c.activation }, { c: init.c, W: init.W.data, b: init.b });
  return { net, X: new lib.Matrix(c.data.M, c.data.d, c.data.X), y: c.data.y };
}

const budget = { method: 'newton', maxSteps: 100, maxAttempts: 1000, maxSeconds: 4 };

if (args.includes('--attempts')) {
  console.log('| case | reached | accepted/attempts | residual |\n| --- | --- | ---: | ---: |');
  let reached = 0;
  let attempts = 0;
  for (const c of cases()) {
    const { net, X, y } = problem(api, c);
    const r = api.train(net, X, y, { ...budget, maxSeconds: undefined });
    reached += r.reason === 'converged';
    if (r.reason === 'converged') attempts += r.attempts;
    console.log(`| ${c.id} | ${r.reason === 'converged' ? '✓' : '✗'} | ${r.steps}/${r.attempts} | ${r.residual.toExponential(1)} |`);
  }
  console.log(`\n${reached} reached, ${attempts} attempts over those`);
} else if (args.includes('--against')) {
  const other = await import(pathToFileURL(path.resolve(option('--against'), 'index.js')).href);
  const reps = Number(option('--reps', '7'));
  const ids = option('--cases', 'circle_k2/relu/N1024,circle_k4/relu/N1024,circle_k4/softplus/N4096,circle_k8/tanh/N1024,circle_k8/tanh/N4096,circle_k1/tanh/N1024,circle_k4/relu/N4096').split(',');
  console.log(`threads ${threads}; this build (dist/) against ${option('--against')}, medians of ${reps} alternating runs\n`);
  for (const c of cases().filter((x) => ids.includes(x.id))) {
    const libs = [other, api];
    const problems = libs.map((lib) => problem(lib, c));
    libs.forEach((lib, i) => lib.train(problems[i].net, problems[i].X, problems[i].y, { ...budget, maxSteps: 3 }));
    const times = [[], []];
    const results = [];
    for (let rep = 0; rep < reps; rep++) {
      for (const i of rep % 2 ? [1, 0] : [0, 1]) {
        const { net, X, y } = problems[i];
        const t0 = performance.now();
        results[i] = libs[i].train(net, X, y, budget);
        times[i].push(performance.now() - t0);
      }
    }
    const [a, b] = results;
    const ratios = times[0].map((t, i) => (t / times[1][i]).toFixed(2)).join(' ');
    console.log(`${c.id}: other ${a.steps}/${a.attempts} ${median(times[0]).toFixed(1)} ms, this ${b.steps}/${b.attempts} ${median(times[1]).toFixed(1)} ms, other/this ${(median(times[0]) / median(times[1])).toFixed(2)} (per run ${ratios})`);
  }
} else if (args.includes('--potrf')) {
  const rounds = Number(option('--reps', '5'));
  const sizes = [32, 64, 96, 128, 192, 256, 384, 512];
  const spd = (n) => {
    const a = new api.Matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a.data[i * n + j] = Math.exp(-Math.abs(i - j) / 5) + (i === j ? 1 : 0);
    return a;
  };
  const times = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const n of sizes) {
      for (const t of [1, 2]) {
        api.setThreads(t);
        const a = spd(n);
        const work = a.clone();
        const reps = Math.max(20, Math.round(2e6 / (n * n)));
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) {
          work.data.set(a.data);
          api.potrf(work);
        }
        const key = `${n}/${t}`;
        times.set(key, [...(times.get(key) ?? []), ((performance.now() - t0) / reps) * 1000]);
      }
    }
  }
  console.log(`dpotrf, µs, medians of ${rounds} rounds\n\n| n | 1 thread | 2 threads | 2 / 1 | 2 threads, spread |\n| ---: | ---: | ---: | ---: | --- |`);
  for (const n of sizes) {
    const [one, two] = [times.get(`${n}/1`), times.get(`${n}/2`)];
    console.log(`| ${n} | ${median(one).toFixed(1)} | ${median(two).toFixed(1)} | ${(median(two) / median(one)).toFixed(2)} | ${Math.min(...two).toFixed(0)}–${Math.max(...two).toFixed(0)} |`);
  }
} else {
  console.error('usage: node bench/w8-attempt-cost.mjs --attempts | --against OTHER/dist [--reps R] [--cases a,b] | --potrf [--reps R]  [--threads T]');
  process.exit(2);
}
