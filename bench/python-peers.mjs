#!/usr/bin/env node
// nntk against Python — numpy/scipy, PyTorch, JAX — side by side in one run, cross-checked.
//
//   npm run bench:python                     every workload at the default sizes
//   npm run bench -- W2 [W4 …]               some workloads only
//   node bench/python-peers.mjs [W1 … W7] [--quick] [--reps R] [--threads T]
//        [--systems numpy,torch,jax] [--no-autodiff] [--no-profile] [--dense | --no-dense]
//        [--W1 M=2048,N=8192,d=8] [--W2 M=1024,N=8192,d=2] [--W3 M=…,N=…,d=…,lambda=1e-3]
//        [--W4 M=2048,N=8192,d=2,lambda=1e-3] [--W5 M=64,N=4096,k=16,tol=1e-6]
//        [--W6 M=32,N=128,d=2] [--W7 M=512,d=2,from=12,to=18]
//        [--results PREFIX] [--python PY] [--keep] [--wait-idle S] [--patience S]
//
// Workloads (sizes by the flags above; defaults shown):
//   W1  empirical NTK Gram 𝒦_GD = J·Jᵀ/M, tanh                 flops 2·M²·N
//   W2  one full-Hessian regularized Newton step, kernel path    flops M²·N·(d+2)
//       (λ: nntk's chooseLambda('auto') at θ₀, given to every system); also the
//       dense P×P route (numpy/scipy: H = JᵀJ/M + S + λI, dpotrf, dpotrs): its
//       memory and time are estimated (dpotrf and JᵀJ timed at n = 4096), and
//       it is run when that is ≤ 12 GiB and ≤ 5 minutes and fits in what is
//       left of a 10-minute run (--dense: whenever ≤ 12 GiB and ≤ 5 min; --no-dense: never)
//   W3  one Gauss–Newton step, kernel path, λ = 1e-3             flops 2·M²·N
//   W4  eigen-decomposition of a Gauss–Newton 𝒦_N (computed once by nntk, written
//       as .npy): all pairs, and eigenvalues only
//   W5  the canonical spectral-bias training (docs/math.md §6): Newton with nntk's defaults
//       to |r|/|y| ≤ 1e-6 — time and steps; checked by convergence, not by θ
//   W6  latency: one full-Hessian Newton step at M = 32, N = 128 (µs, median of many)
//   W7  width scaling: one full-Hessian kernel-path step, N = 2^from … 2^to,
//       time and peak RSS, nntk and the best structured peer of W2
//
// Every system starts from the same bytes: this harness draws X, y and the
// network (TwoLayerNetwork.initialize, fixed seed) and writes them as .npy.
// The nntk side runs the library in-process, in a fresh Node child per
// workload (so that its peak RSS is that workload's alone): a warm-up, then
// the median of R repetitions. Each peer runs as a subprocess
// (bench/python/peers.py) that times itself the same way and writes its
// results as .npy; JAX's compile time is measured ahead of time and reported
// apart. Each peer's result is compared with nntk's: max |a − b| / max |b|
// over all entries; above 1e-8 the run fails (exit 1). W5 is checked by the
// final relative residual of each system (recomputed here by nntk from the
// peer's final parameters), W4's eigenvectors by those with a clear gap.
//
// The machine should be otherwise idle: before the dgemm peak and before each
// workload the harness waits (up to --wait-idle S seconds, default 20) for
// other processes to use < 15% of the CPUs, and for every measured process
// it records the share of the machine other processes used meanwhile (the
// "others" column; above 10% the time is flagged as suspect). A measurement
// that others disturbed by more than 10% is run again once, after waiting for
// quiet, and the less disturbed of the two is kept (chosen by disturbance, not
// by speed); all waiting and re-running draws on --patience S seconds
// (default 150), so that the whole run stays within its time.
//
// Threads: OMP/OPENBLAS/MKL_NUM_THREADS = T, torch.set_num_threads(T), XLA's
// flags (see peers.py for what actually caps JAX), nntk's setThreads(T).
//
// It prints a table, says for each target of the issue whether it is met,
// profiles the nntk side of each missed workload (node --cpu-prof: top
// self-time functions), and writes bench/results.md and bench/results.json
// (for a full run at the default sizes; otherwise to --results PREFIX or the
// temp dir). Needs `npm run build:ts` and bench/python/setup-venv.sh.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { caseToProfile, evaluateW8, renderW8, runW8, W8_DEFAULT, W8_QUICK, w8Child, writeProfileManifest } from './w8.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const root = path.resolve(here, '..');
const distIndex = path.join(root, 'dist', 'index.js');
const peersScript = path.join(here, 'python', 'peers.py');
const WORKLOADS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7', 'W8'];
const TOLERANCE = 1e-8;

const DEFAULT_SIZES = {
  W1: { M: 2048, N: 8192, d: 8 },
  W2: { M: 1024, N: 8192, d: 2 },
  W3: { M: 1024, N: 8192, d: 2, lambda: 1e-3 },
  W4: { M: 2048, N: 8192, d: 2, lambda: 1e-3 },
  W5: { M: 64, N: 4096, k: 16, tol: 1e-6 },
  W6: { M: 32, N: 128, d: 2 },
  W7: { M: 512, d: 2, from: 12, to: 18 },
  W8: W8_DEFAULT,
};
const QUICK_SIZES = {
  W1: { M: 256, N: 1024, d: 8 },
  W2: { M: 128, N: 1024, d: 2 },
  W3: { M: 128, N: 1024, d: 2, lambda: 1e-3 },
  W4: { M: 256, N: 1024, d: 2, lambda: 1e-3 },
  W5: { M: 32, N: 512, k: 4, tol: 1e-6 },
  W6: { M: 32, N: 128, d: 2 },
  W7: { M: 128, d: 2, from: 9, to: 11 },
  W8: W8_QUICK,
};

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = {
    workloads: [],
    quick: false,
    reps: 3,
    threads: 2,
    systems: ['numpy', 'torch', 'jax'],
    autodiff: true,
    profile: true,
    dense: 'auto',
    results: undefined,
    python: undefined,
    keep: false,
    waitIdle: 20,
    patience: 150,
    overrides: {},
    child: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (WORKLOADS.includes(a.toUpperCase())) {
      o.workloads.push(a.toUpperCase());
      continue;
    }
    const size = /^--(w[1-8])$/i.exec(a);
    if (size) {
      const w = size[1].toUpperCase();
      o.overrides[w] = {};
      for (const pair of value().split(',').filter(Boolean)) {
        const [key, v] = pair.split('=');
        const n = Number(v);
        if (!(key in DEFAULT_SIZES[w]) || !Number.isFinite(n) || n <= 0) fail(`${a}: bad entry ${pair} (keys: ${Object.keys(DEFAULT_SIZES[w]).join(', ')})`);
        o.overrides[w][key] = n;
      }
      continue;
    }
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--reps': o.reps = positiveInt(a, value()); break;
      case '--threads': o.threads = positiveInt(a, value()); break;
      case '--systems': {
        o.systems = value().split(',').filter(Boolean);
        for (const s of o.systems) if (!['numpy', 'torch', 'jax'].includes(s)) fail(`unknown system ${s}`);
        break;
      }
      case '--no-autodiff': o.autodiff = false; break;
      case '--no-profile': o.profile = false; break;
      case '--dense': o.dense = 'always'; break;
      case '--no-dense': o.dense = 'never'; break;
      case '--results': o.results = value(); break;
      case '--python': o.python = value(); break;
      case '--keep': o.keep = true; break;
      case '--wait-idle': o.waitIdle = Number(value()); break;
      case '--patience': o.patience = Number(value()); break;
      case '--child': o.child = value(); break;
      case '--dir': o.dir = value(); break;
      case '--manifest': o.manifest = value(); break;
      case '--lambda': o.lambda = Number(value()); break;
      case '--no-replay': o.replay = false; break;
      case '-h':
      case '--help': {
        const lines = fs.readFileSync(self, 'utf8').split('\n').slice(1);
        const end = lines.findIndex((line) => !line.startsWith('//'));
        console.log(lines.slice(0, end).map((line) => line.replace(/^\/\/ ?/, '')).join('\n'));
        process.exit(0);
        break;
      }
      default: fail(`unknown argument ${a} (try --help)`);
    }
  }
  if (o.workloads.length === 0) o.workloads = [...WORKLOADS];
  o.workloads = WORKLOADS.filter((w) => o.workloads.includes(w));
  o.sizes = {};
  for (const w of WORKLOADS) o.sizes[w] = { ...(o.quick ? QUICK_SIZES : DEFAULT_SIZES)[w], ...(o.overrides[w] ?? {}) };
  return o;
}

function positiveInt(flag, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${flag} must be an integer ≥ 1`);
  return n;
}

function fail(message) {
  console.error(`python-peers: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------- small helpers

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
};

/** Seconds per method: a run longer than this is timed once; see timeReps. */
const BUDGET = 8;

/**
 * A warm-up run, then the median of `reps` runs — fewer when one run is long:
 * at most max(1, BUDGET / warm-up) of them, and a method whose warm-up alone
 * exceeds BUDGET is timed by that one (first) run. peers.py does the same.
 */
function timeReps(fn, reps, warmup = 1) {
  let out;
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    out = fn();
    const first = (performance.now() - t0) / 1000;
    if (first > BUDGET) return { out, times: [first], median: first };
    reps = Math.max(1, Math.min(reps, Math.floor(BUDGET / first)));
  }
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    out = fn();
    times.push((performance.now() - t0) / 1000);
  }
  return { out, times, median: median(times) };
}

/** Deterministic uniform numbers in [-1, 1) (mulberry32). */
function uniform(n, seed) {
  let a = seed >>> 0 || 1;
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    data[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return data;
}

/** max |a − b| / max |b|: the normwise relative difference used by every cross-check. */
function maxRelDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= num)) num = d; // NaN propagates as Infinity below
    const m = Math.abs(b[i]);
    if (m > den) den = m;
  }
  if (Number.isNaN(num)) return Infinity;
  return den === 0 ? num : num / den;
}

const fmtSeconds = (s) => (s === null || s === undefined || !Number.isFinite(s) ? '—' : s < 1e-3 ? `${(s * 1e6).toFixed(1)} µs` : s < 1 ? `${(s * 1e3).toFixed(1)} ms` : `${s.toFixed(2)} s`);
const fmtRatio = (r) => (r === null || r === undefined || !Number.isFinite(r) ? '—' : `${r.toFixed(2)}×`);
const fmtSci = (x) => (x === null || x === undefined ? '—' : !Number.isFinite(x) ? String(x) : x === 0 ? '0' : x.toExponential(1));
const fmtBytes = (b) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b < 10 ? b.toFixed(1) : b.toFixed(0)} ${units[i]}`;
};
const fmtMiB = (x) => (x === null || x === undefined ? '—' : `${Math.round(x)}`);

// ---------------------------------------------------------------- the nntk side (child process)

async function loadApi(threads) {
  if (!fs.existsSync(distIndex)) fail(`dist/ is not built (${distIndex} is missing): run \`npm run build:ts\` first`);
  const api = await import(pathToFileURL(distIndex).href);
  api.setThreads(threads);
  return api;
}

async function loadProblem(api, dir) {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  const read = async (name) => (await api.readNpy(path.join(dir, `${name}.npy`))).data;
  const [X, y, c, W, b] = await Promise.all(['X', 'y', 'c', 'W', 'b'].map(read));
  const config = { width: meta.N, dim: meta.d, activation: meta.activation, beta: meta.beta, bias: true };
  const net = api.TwoLayerNetwork.fromArrays(config, { c, W, b });
  return { meta, X: new api.Matrix(meta.M, meta.d, X), y, net, config };
}

const rssMiB = () => process.resourceUsage().maxRSS / 1024;

async function child(o) {
  const api = await loadApi(o.threads);
  const dir = o.dir;
  const out = {};
  const save = async (name, shape, data) => {
    const file = path.join(dir, `nntk-${name}.npy`);
    await api.writeNpy(file, { shape, data });
    return file;
  };
  const reps = o.reps;
  switch (o.child) {
    case 'peak': {
      // dgemm 4096×4096×4096 through nntk, best of 3.
      const n = 4096;
      const A = new api.Matrix(n, n, uniform(n * n, 1));
      const B = new api.Matrix(n, n, uniform(n * n, 2));
      const C = new api.Matrix(n, n);
      const { times } = timeReps(() => api.gemm(A, B, { out: C }), 3, 0);
      const best = Math.min(...times);
      Object.assign(out, { n, times, best, gflops: (2 * n ** 3) / best / 1e9 });
      break;
    }
    case 'W1': {
      const { net, X, meta } = await loadProblem(api, dir);
      const t = timeReps(() => api.kernel(net, X), reps);
      out.times = t.times;
      out.median = t.median;
      out.outputs = { K: await save('W1-K', [meta.M, meta.M], t.out.data) };
      if (o.replay !== false) out.blas3 = replaySyrk(api, meta.M, [...net.chunks(meta.M, 3)].flatMap(([a, b]) => [b - a, b - a]), reps);
      break;
    }
    case 'W2':
    case 'W3':
    case 'W6': {
      const { net, X, y, meta } = await loadProblem(api, dir);
      const hessian = o.child === 'W3' ? 'gauss-newton' : 'full';
      let lambda = o.lambda;
      let certificate = null;
      if (!(lambda > 0)) {
        const choice = api.chooseLambda('auto', new api.NewtonSystem(net, X, y), 'full');
        lambda = choice.lambda;
        certificate = choice.certificate;
      }
      // Each step's system on the previous one's workspace, as train() runs its steps: a fresh
      // workspace per step is fresh arrays whose pages fault in (14 % of W6's step).
      let workspace;
      const step = () => {
        const system = new api.NewtonSystem(net, X, y, workspace);
        workspace = system.workspace;
        return system.direction(lambda, hessian, 'kernel');
      };
      let t;
      if (o.child === 'W6') {
        for (let i = 0; i < 200; i++) step();
        const times = [];
        const started = performance.now();
        let last;
        while (times.length < 200 || (performance.now() - started < 1000 && times.length < 100000)) {
          const t0 = performance.now();
          last = step();
          times.push((performance.now() - t0) / 1000);
        }
        t = { out: last, times, median: median(times) };
        out.iterations = times.length;
        out.times = [];
        out.quantiles = { p10: quantile(times, 0.1), p90: quantile(times, 0.9) };
      } else {
        t = timeReps(step, reps);
        out.times = t.times;
      }
      out.median = t.median;
      out.lambda = lambda;
      out.certificate = certificate;
      out.gradientDot = t.out.gradientDot;
      out.outputs = { delta: await save(`${o.child}-delta`, [t.out.direction.length], t.out.direction) };
      if (o.replay === false) {
        // profiling: the workload alone
      } else if (o.child === 'W2') {
        const q = meta.d + 2;
        out.blas3 = replaySyrk(api, meta.M, [...net.chunks(meta.M, 2 + q)].map(([a, b]) => (b - a) * q), reps);
      } else if (o.child === 'W3') {
        out.blas3 = replaySyrk(api, meta.M, [...net.chunks(meta.M, 3)].flatMap(([a, b]) => [b - a, b - a]), reps);
      }
      break;
    }
    case 'W4prep': {
      const { net, X, meta } = await loadProblem(api, dir);
      const { kernel } = api.kernel(net, X, { kind: 'nntk', hessian: 'gauss-newton', lambda: o.lambda });
      out.outputs = { K: await save('W4-K', [meta.M, meta.M], kernel.data) };
      // The peers read K.npy.
      fs.copyFileSync(out.outputs.K, path.join(dir, 'K.npy'));
      break;
    }
    case 'W4': {
      const K = await api.readNpy(path.join(dir, 'K.npy'));
      const n = K.shape[0];
      const Km = new api.Matrix(n, n, K.data);
      const all = timeReps(() => api.spectrum(Km), reps);
      const values = timeReps(() => api.spectrum(Km, { vectors: false }), reps);
      out.all = { times: all.times, median: all.median };
      out.values = { times: values.times, median: values.median };
      out.median = all.median;
      out.outputs = {
        values: await save('W4-values', [n], all.out.values),
        vectors: await save('W4-vectors', [n, n], all.out.vectors.data),
        valuesOnly: await save('W4-values-only', [n], values.out.values),
      };
      break;
    }
    case 'W5': {
      const { net, X, y } = await loadProblem(api, dir);
      api.train(net, X, y, { method: 'newton', maxSteps: 2 }); // warm-up
      let result;
      const t = timeReps(() => (result = api.train(net, X, y, { method: 'newton' })), Math.min(reps, 3), 0);
      const h = result.history;
      Object.assign(out, {
        times: t.times,
        median: t.median,
        steps: result.attempts,
        acceptedSteps: result.steps,
        residual: result.residual,
        reason: result.reason,
        hessians: h.slice(1).map((e) => (e.hessian === 'full' ? 'F' : 'G') + (e.accepted ? '' : '-')).join(''),
      });
      out.outputs = {
        c: await save('W5-c', [result.net.width], result.net.c),
        W: await save('W5-W', [result.net.width, result.net.config.dim], result.net.W.data),
        b: await save('W5-b', [result.net.width], result.net.b),
      };
      break;
    }
    case 'W7': {
      const { net, X, y, meta, config } = await loadProblem(api, dir);
      const choice = api.chooseLambda('auto', new api.NewtonSystem(net, X, y), 'full');
      // Warm-up at a small width, same points (JIT of the JavaScript loops).
      const w = Math.min(256, meta.N);
      const small = api.TwoLayerNetwork.fromArrays({ ...config, width: w }, { c: net.c.slice(0, w), W: net.W.data.slice(0, w * meta.d), b: net.b.slice(0, w) });
      const smallSystem = new api.NewtonSystem(small, X, y);
      smallSystem.direction(api.chooseLambda('auto', smallSystem, 'full').lambda, 'full', 'kernel');
      const t = timeReps(() => new api.NewtonSystem(net, X, y).direction(choice.lambda, 'full', 'kernel'), 1, 0);
      Object.assign(out, { times: t.times, median: t.median, lambda: choice.lambda });
      out.outputs = { delta: await save(`W7-N${meta.N}-delta`, [t.out.direction.length], t.out.direction) };
      break;
    }
    case 'W8':
      Object.assign(out, await w8Child(api, o));
      break;
    default:
      fail(`unknown child task ${o.child}`);
  }
  out.rssMiB = rssMiB();
  const cpu = process.cpuUsage();
  out.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(JSON.stringify(out));
}

function quantile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

/**
 * The BLAS-3 phase of W1/W2/W3 replayed: the same sequence of dsyrk calls
 * (M × cols, accumulated into one M×M) that nntk issues for its neuron chunks,
 * through nntk's syrk, on data of the same shapes. Best of max(3, R).
 */
function replaySyrk(api, m, colsList, reps) {
  const maxCols = Math.max(...colsList);
  const data = uniform(m * maxCols, 7);
  const C = new api.Matrix(m, m);
  const mats = new Map();
  for (const cols of colsList) if (!mats.has(cols)) mats.set(cols, new api.Matrix(m, cols, data.subarray(0, m * cols)));
  const flops = colsList.reduce((s, cols) => s + m * m * cols, 0);
  // Best of ≥ 3, as for the dgemm peak it is compared with: both are capability measurements.
  const t = timeReps(() => {
    for (const cols of colsList) api.syrk(mats.get(cols), { out: C, beta: 1 });
  }, Math.max(3, reps));
  return { seconds: Math.min(...t.times), times: t.times, flops, calls: colsList.length, shapes: [...mats.keys()].map((cols) => `${m}×${cols}`) };
}

// ---------------------------------------------------------------- the harness

function childEnv(threads) {
  const t = String(threads);
  return {
    ...process.env,
    OMP_NUM_THREADS: t,
    OPENBLAS_NUM_THREADS: t,
    MKL_NUM_THREADS: t,
    JAX_PLATFORMS: 'cpu',
    XLA_FLAGS: process.env.XLA_FLAGS ?? `--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=${t}`,
    PYTHONUNBUFFERED: '1',
  };
}

/** CPU time (s) used by the whole machine so far: user + nice + system + irq over all CPUs. */
function machineCpuSeconds() {
  return os.cpus().reduce((s, c) => s + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0) / 1000;
}

/**
 * Waits (up to maxSeconds) until the machine is quiet: less than `threshold`
 * of its CPUs busy over a 1-second sample. Returns the last busy share and the wait.
 */
async function waitIdle(maxSeconds, threshold = 0.15) {
  const cores = os.cpus().length;
  const started = performance.now();
  for (;;) {
    const before = machineCpuSeconds();
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const busy = (machineCpuSeconds() - before) / (((performance.now() - t0) / 1000) * cores);
    const waited = (performance.now() - started) / 1000;
    if (busy < threshold || waited >= maxSeconds) return { busy, waited };
  }
}

/**
 * CPU time (s) of this process's waited-for children, all their threads up to their exit
 * (/proc/self/stat cutime + cstime, Linux); null elsewhere.
 */
function childrenCpuSeconds() {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // USER_HZ
  } catch {
    return null;
  }
}

function runJson(command, args, { env, label, timeout = 900_000 }) {
  const started = performance.now();
  const cpuBefore = machineCpuSeconds();
  const childrenBefore = childrenCpuSeconds();
  const selfBefore = process.cpuUsage();
  const r = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 256 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'], timeout });
  const wall = (performance.now() - started) / 1000;
  const machineCpu = machineCpuSeconds() - cpuBefore;
  const childrenAfter = childrenCpuSeconds();
  const selfCpu = ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(selfBefore));
  const stderr = (r.stderr ?? '').trim();
  if (r.status !== 0 || r.error) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    return { error: `${label}: ${why}${stderr ? `\n    ${stderr.split('\n').slice(-6).join('\n    ')}` : ''}`, wall, signal: r.signal ?? null };
  }
  try {
    const json = JSON.parse(r.stdout);
    json.processWall = wall;
    // What other processes used of the machine while this one ran (its own CPU time subtracted):
    // 0 on a quiet machine; the timings of multithreaded calls suffer badly when it is not.
    const childCpu = childrenBefore !== null && childrenAfter !== null ? childrenAfter - childrenBefore : json.cpuSeconds;
    if (typeof childCpu === 'number') json.othersCpuShare = Math.max(0, machineCpu - childCpu - selfCpu) / (wall * os.cpus().length);
    return json;
  } catch {
    return { error: `${label}: output is not JSON: ${r.stdout.slice(0, 300)} ${stderr.slice(-300)}`, wall };
  }
}

class Harness {
  constructor(o) {
    this.o = o;
    this.env = childEnv(o.threads);
    this.failures = [];
    this.notices = [];
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nntk-peers-'));
    this.python = o.python ?? (fs.existsSync(path.join(here, 'python', '.venv', 'bin', 'python')) ? path.join(here, 'python', '.venv', 'bin', 'python') : 'python3');
    this.results = { workloads: {} };
    this.patience = o.patience;
    this.here = here;
    this.self = self;
  }

  runPython(args, label) {
    return runJson(this.python, args, { env: this.env, label });
  }

  log(line = '') {
    process.stdout.write(`${line}\n`);
  }

  /**
   * Runs a measuring child; when other processes took more than 10% of the machine
   * meanwhile and patience is left, waits for quiet and runs it once more, keeping
   * the less disturbed run.
   */
  async measure(command, args, label, { retry = true } = {}) {
    let r = runJson(command, args, { env: this.env, label });
    if (!retry || r.error || !(r.othersCpuShare > 0.1) || this.patience < r.processWall) return r;
    const first = r.othersCpuShare;
    const idle = await this.quiet(`${label} not run again`, 10);
    // Still busy: a second run would be disturbed as much.
    if (idle.busy === null || idle.busy >= 0.15) return r;
    this.patience -= r.processWall;
    const again = runJson(command, args, { env: this.env, label });
    if (again.error) return r;
    this.log(`  (${label}: others used ${(100 * first).toFixed(0)}% of the machine; run again: ${(100 * again.othersCpuShare).toFixed(0)}%)`);
    const kept = again.othersCpuShare <= first ? again : r;
    kept.retried = { othersCpuShare: [first, again.othersCpuShare] };
    return kept;
  }

  async nntk(task, dir, extra = [], { cpuProf = null } = {}) {
    const args = [...(cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : []), self, '--child', task, '--dir', dir, '--reps', String(this.o.reps), '--threads', String(this.o.threads), ...extra];
    const r = await this.measure(process.execPath, args, `nntk ${task}`, { retry: !cpuProf && task !== 'W4prep' });
    if (r.error) this.failures.push(r.error);
    return r;
  }

  async peer(workload, system, variant, inputs, extra = [], { retry = true, crashIsOutcome = false } = {}) {
    if (!this.available[system]) return null;
    // Each variant writes its own result files, so a re-run simply replaces them.
    const out = path.join(this.dir, 'out');
    const args = [peersScript, workload, '--system', system, '--variant', variant, '--inputs', inputs, '--out', out, '--reps', String(this.o.reps), '--threads', String(this.o.threads), ...extra];
    const r = await this.measure(this.python, args, `${system}/${variant} ${workload}`, { retry });
    if (r.error && crashIsOutcome && r.signal) {
      r.crashed = r.signal;
      return r;
    }
    if (r.error) {
      this.failures.push(r.error);
      this.log(`  ${system}/${variant}: FAILED (${r.error.split('\n')[0]})`);
    }
    return r;
  }

  async writeInputs(name, { M, N, d }, { X, y, seed = 0 } = {}) {
    const dir = path.join(this.dir, name);
    fs.mkdirSync(dir, { recursive: true });
    const api = this.api;
    const net = api.TwoLayerNetwork.initialize({ width: N, dim: d, activation: 'tanh', beta: 0.5, bias: true }, { seed });
    X ??= uniform(M * d, 1000 + M + d);
    if (!y) {
      y = new Float64Array(M);
      for (let j = 0; j < M; j++) {
        let s = 0;
        for (let p = 0; p < d; p++) s += X[j * d + p] * (p + 1);
        y[j] = Math.sin(2 * Math.PI * s / Math.sqrt(d));
      }
    }
    await api.writeNpy(path.join(dir, 'X.npy'), { shape: [M, d], data: X });
    await api.writeNpy(path.join(dir, 'y.npy'), { shape: [M], data: y });
    await api.writeNpy(path.join(dir, 'c.npy'), { shape: [N], data: net.c });
    await api.writeNpy(path.join(dir, 'W.npy'), { shape: [N, d], data: net.W.data });
    await api.writeNpy(path.join(dir, 'b.npy'), { shape: [N], data: net.b });
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ M, N, d, beta: 0.5, activation: 'tanh', bias: true, seed }));
    return dir;
  }

  async readArray(file) {
    return (await this.api.readNpy(file)).data;
  }

  /** Peers of a workload whose result is one array compared with nntk's. */
  async comparePeers(workload, nntkResult, key, runs) {
    const ref = await this.readArray(nntkResult.outputs[key]);
    const rows = [];
    for (const { system, variant, result } of runs) {
      if (!result) continue;
      if (result.error) {
        rows.push({ system, variant, error: result.error.split('\n')[0] });
        continue;
      }
      for (const run of result.runs) {
        const row = {
          system,
          variant: run.name,
          median: run.median,
          times: run.times,
          compileSeconds: run.compileSeconds ?? null,
          rssMiB: result.peakRssMiB,
          busyThreads: result.busyThreads,
          othersCpuShare: result.othersCpuShare ?? null,
          retried: result.retried ?? null,
        };
        if (run.outputs?.[key]) {
          row.maxRelDiff = maxRelDiff(await this.readArray(run.outputs[key]), ref);
          row.check = row.maxRelDiff <= TOLERANCE ? 'ok' : 'FAIL';
          if (row.check === 'FAIL') this.failures.push(`${workload} ${system}/${run.name}: max relative difference ${row.maxRelDiff.toExponential(2)} > ${TOLERANCE}`);
        }
        for (const k of ['decision', 'crash', 'threads', 'gradientDot', 'estimatedSeconds', 'hessianBytes', 'totalBytes', 'P', 'potrfGflops', 'syrkSeconds', 'potrfSeconds', 'measuredAt', 'estimatedSyrkSeconds', 'estimatedPotrfSeconds', 'iterations']) {
          if (run[k] !== undefined) row[k] = run[k];
        }
        rows.push(row);
      }
    }
    return rows;
  }

  peerVariants(workload) {
    const list = [];
    for (const system of this.o.systems) {
      list.push([system, 'structured']);
      if (this.o.autodiff && system !== 'numpy' && ['W1', 'W2', 'W3', 'W6'].includes(workload)) list.push([system, 'autodiff']);
    }
    return list;
  }

  async runPeers(workload, inputs, extra = []) {
    const runs = [];
    for (const [system, variant] of this.peerVariants(workload)) {
      const result = await this.peer(workload, system, variant, inputs, extra);
      if (result && !result.error) {
        const r = result.runs[0];
        this.log(`  ${`${system}/${variant}`.padEnd(20)} ${fmtSeconds(r.median).padStart(10)}${r.compileSeconds ? `  (compile ${fmtSeconds(r.compileSeconds)})` : ''}  RSS ${fmtMiB(result.peakRssMiB)} MiB`);
      }
      runs.push({ system, variant, result });
    }
    return runs;
  }

  // ------------------------------------------------------------ workloads

  async W1(size) {
    const inputs = await this.writeInputs('W1', size);
    const nntk = await this.nntk('W1', inputs);
    if (nntk.error) return null;
    this.log(`  nntk                 ${fmtSeconds(nntk.median).padStart(10)}  RSS ${fmtMiB(nntk.rssMiB)} MiB`);
    const peers = await this.comparePeers('W1', nntk, 'K', await this.runPeers('W1', inputs));
    return { sizes: size, flops: 2 * size.M ** 2 * size.N, nntk, peers };
  }

  async step(workload, size) {
    const inputs = await this.writeInputs(workload, size);
    const lambdaArgs = workload === 'W3' ? ['--lambda', String(size.lambda)] : [];
    const nntk = await this.nntk(workload, inputs, lambdaArgs);
    if (nntk.error) return null;
    this.log(`  nntk                 ${fmtSeconds(nntk.median).padStart(10)}  RSS ${fmtMiB(nntk.rssMiB)} MiB   λ = ${nntk.lambda}`);
    const peerArgs = ['--lambda', String(nntk.lambda)];
    const runs = await this.runPeers(workload, inputs, peerArgs);
    if (workload === 'W2' && this.o.systems.includes('numpy')) {
      const estimate = await this.peer('W2', 'numpy', 'dense-estimate', inputs, peerArgs);
      runs.push({ system: 'numpy', variant: 'dense-estimate', result: estimate });
      const e = estimate && !estimate.error ? estimate.runs[0] : null;
      if (e) {
        this.log(`  dense P×P Hessian (P = ${e.P}): H alone ${(e.hessianBytes / 2 ** 30).toFixed(1)} GiB; estimated ${fmtSeconds(e.estimatedSeconds)} (dpotrf ${fmtSeconds(e.estimatedPotrfSeconds)} + JᵀJ ${fmtSeconds(e.estimatedSyrkSeconds)})`);
        const fits = e.totalBytes <= 12 * 2 ** 30;
        const quick = e.estimatedSeconds <= 300;
        // What a full run leaves for it: 10 minutes, less what has run, less ~4 minutes for W3–W7 and the profiles.
        const left = 600 - (performance.now() - this.started) / 1000 - 240;
        const affordable = this.o.dense === 'always' || (this.o.dense === 'auto' && e.estimatedSeconds <= left);
        e.decision = !fits ? 'not run: more than 12 GiB' : !quick ? 'not run: estimated beyond 5 minutes' : affordable ? 'run' : this.o.dense === 'never' ? 'not run (--no-dense)' : `not run: it would not fit in what is left of a 10-minute run (${Math.max(0, left).toFixed(0)} s)`;
        this.log(`  dense route: ${e.decision}`);
        if (fits && quick && affordable) {
          let dense = await this.peer('W2', 'numpy', 'dense', inputs, peerArgs, { retry: false, crashIsOutcome: true });
          if (dense?.crashed) {
            // A crash of the peer's own BLAS is an outcome of the dense route, not a failed cross-check:
            // say so, and try once more on one thread if that (≈ twice the estimate) still fits.
            e.crash = `${dense.crashed} with ${this.o.threads} threads`;
            this.log(`  numpy/dense: crashed (${e.crash})`);
            const left1 = 600 - (performance.now() - this.started) / 1000 - 240;
            if (2 * e.estimatedSeconds <= 300 && (this.o.dense === 'always' || 2 * e.estimatedSeconds <= left1)) {
              dense = await this.peer('W2', 'numpy', 'dense', inputs, [...peerArgs, '--threads', '1'], { retry: false, crashIsOutcome: true });
              if (dense && !dense.error) dense.runs[0].threads = 1;
              else if (dense?.crashed) e.crash += `; and with 1 thread (${dense.crashed})`;
            } else {
              e.crash += `; not tried on one thread (≈ ${fmtSeconds(2 * e.estimatedSeconds)} would not fit in the run)`;
            }
          }
          if (dense && !dense.error) {
            runs.push({ system: 'numpy', variant: 'dense', result: dense });
            this.log(`  numpy/dense${dense.runs[0].threads === 1 ? ' (1 thread)' : ''}  ${fmtSeconds(dense.runs[0].median).padStart(10)}  RSS ${fmtMiB(dense.peakRssMiB)} MiB`);
          }
        }
      }
    }
    const peers = await this.comparePeers(workload, nntk, 'delta', runs);
    const flops = workload === 'W2' ? size.M ** 2 * size.N * (size.d + 2) : workload === 'W3' ? 2 * size.M ** 2 * size.N : null;
    return { sizes: size, flops, nntk, peers };
  }

  async W4(size) {
    const inputs = await this.writeInputs('W4', size);
    const prep = await this.nntk('W4prep', inputs, ['--lambda', String(size.lambda)]);
    if (prep.error) return null;
    const nntk = await this.nntk('W4', inputs);
    if (nntk.error) return null;
    this.log(`  nntk all pairs       ${fmtSeconds(nntk.all.median).padStart(10)}   values only ${fmtSeconds(nntk.values.median)}  RSS ${fmtMiB(nntk.rssMiB)} MiB`);
    const K = await this.readArray(path.join(inputs, 'K.npy'));
    const n = size.M;
    const refValues = await this.readArray(nntk.outputs.values);
    const refVectors = await this.readArray(nntk.outputs.vectors);
    const scale = Math.max(...refValues.map(Math.abs));
    // Eigenvectors are compared where the eigenvalue is separated from its neighbours
    // (relative gap > 1e-6: perturbation theory bounds their round-off by ~1e-10 there).
    const separated = [];
    for (let i = 0; i < n; i++) {
      const gap = Math.min(i > 0 ? refValues[i] - refValues[i - 1] : Infinity, i < n - 1 ? refValues[i + 1] - refValues[i] : Infinity);
      if (gap > 1e-6 * scale) separated.push(i);
    }
    const residual = (values, vectors) => {
      // max over i of |K vᵢ − λᵢ vᵢ|∞ / max|λ| (vectors as rows: V·K = Λ·V for symmetric K).
      const VK = this.api.gemm(new this.api.Matrix(n, n, vectors), new this.api.Matrix(n, n, K));
      let worst = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(VK.data[i * n + j] - values[i] * vectors[i * n + j]));
      return worst / scale;
    };
    const nntkResidual = residual(refValues, refVectors);
    const valuesOnlyDiff = maxRelDiff(await this.readArray(nntk.outputs.valuesOnly), refValues);
    const rows = [];
    for (const system of this.o.systems) {
      const result = await this.peer('W4', system, 'eigen', inputs);
      if (!result) continue;
      if (result.error) {
        rows.push({ system, variant: 'eigen', error: result.error.split('\n')[0] });
        continue;
      }
      for (const run of result.runs) {
        const row = { system, variant: run.name, kind: run.kind, median: run.median, times: run.times, compileSeconds: run.compileSeconds ?? null, rssMiB: result.peakRssMiB, othersCpuShare: result.othersCpuShare ?? null, retried: result.retried ?? null };
        const values = await this.readArray(run.outputs.values);
        row.maxRelDiff = maxRelDiff(values, refValues);
        if (run.outputs.vectors) {
          const vectors = await this.readArray(run.outputs.vectors);
          let worst = 0;
          for (const i of separated) {
            let dot = 0;
            for (let j = 0; j < n; j++) dot += vectors[i * n + j] * refVectors[i * n + j];
            const sign = dot < 0 ? -1 : 1;
            for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(sign * vectors[i * n + j] - refVectors[i * n + j]));
          }
          row.vectorDiff = worst;
          row.vectorsCompared = separated.length;
          row.residual = residual(values, vectors);
        }
        const bad = !(row.maxRelDiff <= TOLERANCE) || (row.vectorDiff !== undefined && !(row.vectorDiff <= TOLERANCE));
        row.check = bad ? 'FAIL' : 'ok';
        if (bad) this.failures.push(`W4 ${system}/${run.name}: eigenvalues ${fmtSci(row.maxRelDiff)}, eigenvectors ${fmtSci(row.vectorDiff)} > ${TOLERANCE}`);
        this.log(`  ${`${system}/${run.name}`.padEnd(28)} ${fmtSeconds(run.median).padStart(10)}  ${run.kind}`);
        rows.push(row);
      }
    }
    if (!(valuesOnlyDiff <= TOLERANCE)) this.failures.push(`W4 nntk: values-only eigenvalues differ from all-pairs ones by ${valuesOnlyDiff}`);
    return { sizes: size, nntk: { ...nntk, residual: nntkResidual, valuesOnlyDiff, vectorsCompared: separated.length }, peers: rows };
  }

  async W5(size) {
    const { M, N, k } = size;
    const X = new Float64Array(M * 2);
    const y = new Float64Array(M);
    for (let j = 0; j < M; j++) {
      const t = (2 * Math.PI * j) / M;
      X[2 * j] = Math.cos(t);
      X[2 * j + 1] = Math.sin(t);
      y[j] = Math.sin(k * t);
    }
    const inputs = await this.writeInputs('W5', { M, N, d: 2 }, { X, y, seed: 0 });
    const nntk = await this.nntk('W5', inputs);
    if (nntk.error) return null;
    this.log(`  nntk                 ${fmtSeconds(nntk.median).padStart(10)}  ${nntk.steps} steps (${nntk.acceptedSteps} accepted), |r|/|y| = ${fmtSci(nntk.residual)} (${nntk.reason})`);
    const api = this.api;
    const Xm = new api.Matrix(M, 2, X);
    const yNorm = Math.hypot(...y);
    const residualOf = (net) => {
      const f = net.predict(Xm);
      let s = 0;
      for (let j = 0; j < M; j++) s += (f[j] - y[j]) ** 2;
      return Math.sqrt(s) / yNorm;
    };
    const config = { width: N, dim: 2, activation: 'tanh', beta: 0.5, bias: true };
    const load = async (outputs) => api.TwoLayerNetwork.fromArrays(config, { c: await this.readArray(outputs.c), W: await this.readArray(outputs.W), b: await this.readArray(outputs.b) });
    nntk.verifiedResidual = residualOf(await load(nntk.outputs));
    const tol = size.tol;
    if (!(nntk.verifiedResidual <= tol)) this.failures.push(`W5 nntk: final |r|/|y| = ${nntk.verifiedResidual} > ${tol} (${nntk.reason})`);
    const rows = [];
    for (const system of this.o.systems) {
      const result = await this.peer('W5', system, 'structured', inputs, ['--tol', String(tol)]);
      if (!result) continue;
      if (result.error) {
        rows.push({ system, variant: 'newton-default', error: result.error.split('\n')[0] });
        continue;
      }
      const run = result.runs[0];
      const verified = residualOf(await load(run.outputs));
      const ok = verified <= tol;
      if (!ok) this.failures.push(`W5 ${system}: final |r|/|y| = ${verified} > ${tol} (${run.reason})`);
      this.log(`  ${system.padEnd(20)} ${fmtSeconds(run.median).padStart(10)}  ${run.steps} steps (${run.acceptedSteps} accepted), |r|/|y| = ${fmtSci(verified)} (${run.reason})${run.compileSeconds ? `, compile ${fmtSeconds(run.compileSeconds)}` : ''}`);
      rows.push({ system, variant: run.name, median: run.median, times: run.times, steps: run.steps, acceptedSteps: run.acceptedSteps, residual: run.residual, verifiedResidual: verified, reason: run.reason, compileSeconds: run.compileSeconds ?? null, rssMiB: result.peakRssMiB, othersCpuShare: result.othersCpuShare ?? null, retried: result.retried ?? null, check: ok ? 'ok' : 'FAIL' });
    }
    nntk.check = nntk.verifiedResidual <= tol ? 'ok' : 'FAIL';
    return { sizes: size, nntk, peers: rows };
  }

  async W6(size) {
    const res = await this.step('W6', size);
    if (res) this.log(`  (nntk: ${res.nntk.iterations} steps timed, p10 ${fmtSeconds(res.nntk.quantiles.p10)}, p90 ${fmtSeconds(res.nntk.quantiles.p90)})`);
    return res;
  }

  async W7(size) {
    const { M, d } = size;
    // The best structured peer of W2 (autodiff peers form J, M·N·(d+2) doubles, so they cannot stream).
    let best = { system: this.o.systems.find((s) => this.available[s]) ?? 'numpy', variant: 'structured' };
    const w2 = this.results.workloads.W2;
    if (w2) {
      const candidates = w2.peers.filter((p) => p.variant === 'structured' && Number.isFinite(p.median));
      candidates.sort((a, b) => a.median - b.median);
      if (candidates.length > 0) best = { system: candidates[0].system, variant: 'structured' };
    }
    this.log(`  peer: ${best.system}/${best.variant}${w2 ? ' (the fastest structured peer of W2)' : ''}`);
    const rows = [];
    for (let e = size.from; e <= size.to; e++) {
      const N = 2 ** e;
      const inputs = await this.writeInputs(`W7-${e}`, { M, N, d });
      const nntk = await this.nntk('W7', inputs);
      if (nntk.error) break;
      const peer = this.available[best.system] ? await this.peer('W7', best.system, best.variant, inputs, ['--lambda', String(nntk.lambda)]) : null;
      const row = { N, nntk: { seconds: nntk.median, rssMiB: nntk.rssMiB, lambda: nntk.lambda, othersCpuShare: nntk.othersCpuShare ?? null, retried: nntk.retried ?? null } };
      if (peer && !peer.error) {
        const run = peer.runs[0];
        row.peer = { system: best.system, variant: best.variant, seconds: run.median, rssMiB: peer.peakRssMiB, compileSeconds: run.compileSeconds ?? null, othersCpuShare: peer.othersCpuShare ?? null, retried: peer.retried ?? null };
        row.maxRelDiff = maxRelDiff(await this.readArray(run.outputs.delta), await this.readArray(nntk.outputs.delta));
        row.check = row.maxRelDiff <= TOLERANCE ? 'ok' : 'FAIL';
        if (row.check === 'FAIL') this.failures.push(`W7 N = 2^${e} ${best.system}: max relative difference ${fmtSci(row.maxRelDiff)} > ${TOLERANCE}`);
      }
      this.log(`  N = 2^${String(e).padEnd(3)} nntk ${fmtSeconds(row.nntk.seconds).padStart(9)} ${fmtMiB(row.nntk.rssMiB).padStart(6)} MiB   ${best.system} ${fmtSeconds(row.peer?.seconds).padStart(9)} ${fmtMiB(row.peer?.rssMiB).padStart(6)} MiB   diff ${fmtSci(row.maxRelDiff)}`);
      rows.push(row);
    }
    return { sizes: size, peer: best, rows };
  }

  /** Waits for a quiet machine (bounded by --wait-idle) and says so when it does not get one. */
  async quiet(what, maxSeconds = this.o.waitIdle) {
    const budget = Math.max(0, Math.min(maxSeconds, this.patience));
    if (budget === 0) return { busy: null, waited: 0 };
    const idle = await waitIdle(budget);
    this.patience -= idle.waited;
    if (idle.busy >= 0.15) this.log(`  (the machine was still ${(100 * idle.busy).toFixed(0)}% busy with other work after ${idle.waited.toFixed(0)} s: ${what})`);
    else if (idle.waited > 1.5) this.log(`  (waited ${idle.waited.toFixed(0)} s for a quiet machine)`);
    return idle;
  }

  // ------------------------------------------------------------ targets

  evaluate(w, res, peak) {
    const targets = [];
    const t = (name, value, goal, met, detail = '') => targets.push({ name, value, goal, met, detail });
    const ok = (p) => !p.error && Number.isFinite(p.median) && p.variant !== 'dense-estimate';
    const bestOf = (rows) => rows.filter(ok).sort((a, b) => a.median - b.median)[0];
    if (!res) return targets;
    if (w === 'W8') return evaluateW8(res);
    const nt = res.nntk?.median;
    const blas3 = (name) => {
      if (!res.nntk.blas3 || !peak) return;
      const rate = res.nntk.blas3.flops / res.nntk.blas3.seconds / 1e9;
      const frac = rate / peak.gflops;
      t(`${name} BLAS-3 phase ≥ 70% of dgemm rate`, `${(frac * 100).toFixed(0)}% (${rate.toFixed(1)} of ${peak.gflops.toFixed(1)} GFLOP/s)`, '≥ 70%', frac >= 0.7);
    };
    if (w === 'W1' || w === 'W2' || w === 'W3') {
      const goal = { W1: 1.5, W2: 2.5, W3: 3 }[w];
      const best = bestOf(res.peers);
      if (best) t(`${w} best peer / nntk`, `${fmtRatio(best.median / nt)} (${best.system}/${best.variant})`, `≥ ${goal}×`, best.median / nt >= goal);
      if (w === 'W1') {
        const auto = bestOf(res.peers.filter((p) => p.variant === 'autodiff'));
        if (auto) t('W1 autodiff peers / nntk', `${fmtRatio(auto.median / nt)} (${auto.system}/autodiff, the faster)`, '≥ 5×', auto.median / nt >= 5);
      }
      if (w !== 'W3') blas3(w);
    } else if (w === 'W4') {
      const evd = res.peers.find((p) => p.variant === 'scipy-eigh-evd' && ok(p));
      if (evd) t('W4 all pairs: nntk ≤ 1.1 × scipy eigh(driver=evd)', `${fmtRatio(res.nntk.all.median / evd.median)} of scipy's time`, '≤ 1.1×', res.nntk.all.median <= 1.1 * evd.median);
      const fastest = bestOf(res.peers.filter((p) => p.kind === 'values only'));
      if (fastest) t('W4 values only: nntk ≤ 1.1 × fastest peer', `${fmtRatio(res.nntk.values.median / fastest.median)} of ${fastest.system}/${fastest.variant}'s time`, '≤ 1.1×', res.nntk.values.median <= 1.1 * fastest.median);
    } else if (w === 'W6') {
      const best = bestOf(res.peers);
      if (best) t('W6 best peer / nntk', `${fmtRatio(best.median / nt)} (${best.system}/${best.variant})`, '≥ 10×', best.median / nt >= 10);
    } else if (w === 'W7') {
      const rows = res.rows;
      if (rows.length >= 2) {
        const ratios = rows.slice(1).map((r, i) => r.nntk.seconds / rows[i].nntk.seconds);
        const worst = Math.max(...ratios);
        t('W7 time linear in N (each doubling ≤ 2.2×)', `doublings ${ratios.map((r) => r.toFixed(2)).join(', ')}`, '≤ 2.2× each', worst <= 2.2);
        // Peak RSS against N: least-squares slope in bytes per neuron, against what the Jacobian would cost per neuron.
        const xs = rows.map((r) => r.N);
        const ys = rows.map((r) => r.nntk.rssMiB * 2 ** 20);
        const mx = xs.reduce((a, b) => a + b) / xs.length;
        const my = ys.reduce((a, b) => a + b) / ys.length;
        const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
        const jacobianPerNeuron = 8 * res.sizes.M * (res.sizes.d + 2);
        const mm = (8 * res.sizes.M ** 2) / 2 ** 20;
        t(
          'W7 peak RSS grows with M², not with M·N',
          `${fmtMiB(rows[0].nntk.rssMiB)} → ${fmtMiB(rows.at(-1).nntk.rssMiB)} MiB over N = ${rows[0].N} … ${rows.at(-1).N}; ${Math.round(slope)} B per neuron (the Jacobian: ${jacobianPerNeuron} B per neuron; nntk's arrays of length N·q and N·q² (S, its factors, θ, δ): ${8 * (2 * (res.sizes.d + 2) ** 2 + 4 * (res.sizes.d + 2))} B per neuron; one M×M matrix: ${mm.toFixed(0)} MiB)`,
          'slope < 10% of the Jacobian\'s',
          slope < 0.1 * jacobianPerNeuron,
        );
      }
    }
    return targets;
  }

  // ------------------------------------------------------------ profiles

  async profile(w) {
    if (w === 'W8') return this.profileW8(this.results.workloads.W8);
    const dirs = { W1: 'W1', W2: 'W2', W3: 'W3', W4: 'W4', W6: 'W6' };
    if (!dirs[w]) return null;
    const inputs = path.join(this.dir, w);
    const profDir = fs.mkdtempSync(path.join(this.dir, `prof-${w}-`));
    const extra = w === 'W3' ? ['--lambda', String(this.o.sizes.W3.lambda)] : [];
    const saved = this.o.reps;
    this.o.reps = 1;
    const r = await this.nntk(w, inputs, [...extra, '--no-replay'], { cpuProf: profDir });
    this.o.reps = saved;
    if (r.error) return null;
    const file = fs.readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return null;
    return summarizeProfile(JSON.parse(fs.readFileSync(path.join(profDir, file), 'utf8')));
  }

  /** W8: the nntk side of the worst missed case alone, under the profiler. */
  async profileW8(res) {
    const row = caseToProfile(res);
    if (!row) return null;
    const { dir, file } = writeProfileManifest(this, row);
    const profDir = fs.mkdtempSync(path.join(this.dir, 'prof-W8-'));
    const r = await this.measure(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, self, '--child', 'W8', '--dir', dir, '--manifest', file, '--threads', String(this.o.threads)], 'nntk W8 profile', { retry: false });
    if (r.error) return null;
    const prof = fs.readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!prof) return null;
    return { ...summarizeProfile(JSON.parse(fs.readFileSync(path.join(profDir, prof), 'utf8'))), case: row.id };
  }

  // ------------------------------------------------------------ main

  async run() {
    const o = this.o;
    const started = performance.now();
    this.started = started;
    this.api = await loadApi(o.threads);
    for (const warning of staleness()) this.log(`warning: ${warning}`);
    const info = runJson(this.python, [peersScript, 'info', '--threads', String(o.threads)], { env: this.env, label: 'peers.py info' });
    if (info.error) fail(`cannot run the Python peers (${info.error}); run bash bench/python/setup-venv.sh`);
    if (!info.available.numpy || !info.available.scipy) fail('the Python peers need numpy and scipy');
    this.available = { numpy: true, torch: info.available.torch, jax: info.available.jax };
    for (const s of o.systems) if (!this.available[s]) this.notices.push(`${s} is not installed for ${path.isAbsolute(this.python) ? path.relative(root, this.python) : this.python}: its peer is skipped (bash bench/python/setup-venv.sh)`);
    for (const n of this.notices) this.log(`notice: ${n}`);
    const load = { start: os.loadavg() };
    this.log(`nntk vs Python peers — threads ${o.threads}, reps ${o.reps}, load average ${load.start.map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
    if (load.start[0] > 0.5 * os.cpus().length) {
      this.log('warning: other processes are running. Multithreaded BLAS/OpenMP calls degrade badly when their threads must wait for a busy core (small calls most: 10–100× seen here); read the numbers with the load averages recorded per workload.');
    }

    if (o.waitIdle > 0) await this.quiet('starting the dgemm peak anyway');
    const peak = await this.nntk('peak', this.dir);
    if (!peak.error) this.log(`dgemm peak (nntk gemm 4096³, best of 3): ${peak.gflops.toFixed(1)} GFLOP/s`);
    this.results.peak = peak.error ? null : peak;
    load.perWorkload = {};
    for (const w of o.workloads) {
      const size = o.sizes[w];
      const idle = o.waitIdle > 0 ? await this.quiet(`starting ${w} anyway`) : null;
      load.perWorkload[w] = os.loadavg()[0];
      this.log(`\n${w} ${JSON.stringify(size)}  (load ${load.perWorkload[w].toFixed(2)})`);
      const t0 = performance.now();
      const res = w === 'W8' ? await runW8(this, size, { quick: o.quick }) : w === 'W1' ? await this.W1(size) : w === 'W4' ? await this.W4(size) : w === 'W5' ? await this.W5(size) : w === 'W6' ? await this.W6(size) : w === 'W7' ? await this.W7(size) : await this.step(w, size);
      if (res) {
        res.seconds = (performance.now() - t0) / 1000;
        res.idle = idle;
        if (res.nntk?.median && res.peers) {
          for (const p of res.peers) if (Number.isFinite(p.median)) p.ratio = p.median / (w === 'W4' ? (p.kind === 'values only' ? res.nntk.values.median : res.nntk.all.median) : res.nntk.median);
        }
        if (res.flops && res.nntk) {
          res.nntk.gflops = res.flops / res.nntk.median / 1e9;
          if (res.nntk.blas3) res.nntk.blas3.gflops = res.nntk.blas3.flops / res.nntk.blas3.seconds / 1e9;
          for (const p of res.peers) if (Number.isFinite(p.median)) p.gflops = res.flops / p.median / 1e9;
        }
        res.targets = this.evaluate(w, res, this.results.peak);
        for (const target of res.targets) this.log(`  target ${target.met ? 'met   ' : 'MISSED'} ${target.name}: ${target.value}`);
        this.results.workloads[w] = res;
      }
    }
    if (o.profile) {
      for (const [w, res] of Object.entries(this.results.workloads)) {
        if (!res.targets?.some((t) => !t.met)) continue;
        if (w === 'W7') {
          res.profileNote = 'not profiled (one step per width; see W2 for the profile of the same step)';
          continue;
        }
        this.log(`\nprofiling the nntk side of ${w} (a target was missed)`);
        res.profile = await this.profile(w);
        if (res.profile) for (const line of res.profile.top.slice(0, 8)) this.log(`  ${line.percent.toFixed(1).padStart(5)}%  ${line.ms.toFixed(0).padStart(7)} ms  ${line.name}`);
      }
    }
    load.end = os.loadavg();
    this.results.load = load;
    this.results.totalSeconds = (performance.now() - started) / 1000;
    this.results.info = info;
    this.finish();
  }

  finish() {
    const o = this.o;
    const r = this.results;
    const cpus = os.cpus();
    r.generated = new Date().toISOString();
    r.machine = {
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    };
    r.versions = {
      node: process.version,
      openblas: this.api.blasConfig().openblas,
      ...r.info.versions,
      numpyBlas: r.info.blas.numpy,
      torchBlas: r.info.blas.torch,
      jaxRuntime: r.info.blas.jax,
    };
    r.threads = o.threads;
    r.reps = o.reps;
    r.sizes = Object.fromEntries(o.workloads.map((w) => [w, o.sizes[w]]));
    r.patienceLeft = this.patience;
    r.failures = this.failures.map((f) => f.split('\n')[0]); // the console has the details
    r.notices = this.notices;
    delete r.info;

    const md = renderMarkdown(r);
    const full = !o.quick && Object.keys(o.overrides).length === 0 && o.workloads.length === WORKLOADS.length && o.systems.length === 3 && o.autodiff;
    const prefix = o.results ?? (full ? path.join(here, 'results') : path.join(os.tmpdir(), 'nntk-python-peers-results'));
    // Result files lived in the temp dir: no paths in the written results. Long series of
    // times (W6: thousands of steps) and histories are summarised.
    const replacer = (key, value) => {
      if (key === 'outputs') return undefined;
      if ((key === 'times' || key === 'history') && Array.isArray(value) && value.length > 20) {
        const sorted = [...value].sort((a, b) => a - b);
        return { count: value.length, min: sorted[0], p10: quantile(value, 0.1), median: median(value), p90: quantile(value, 0.9), max: sorted.at(-1) };
      }
      return value;
    };
    fs.writeFileSync(`${prefix}.json`, `${JSON.stringify(r, replacer, 1)}\n`);
    fs.writeFileSync(`${prefix}.md`, md);
    // W8 at its default sizes without the rest: its section of bench/results.md is replaced in place.
    const w8Alone = !full && r.workloads.W8 && !o.quick && !o.overrides.W8 && o.results === undefined;
    if (w8Alone) {
      spliceSection(path.join(here, 'results.md'), 'W8', w8Section(md));
      fs.writeFileSync(path.join(here, 'results-W8.json'), `${JSON.stringify(r, replacer, 1)}\n`);
      this.log(`wrote the W8 section of bench/results.md and bench/results-W8.json`);
    }
    this.log(`\n${renderTable(r)}`);
    this.log(`\nwrote ${prefix}.md and ${prefix}.json${full ? '' : ' (not a full default run: bench/results.* left as they were)'}`);
    this.log(`total ${r.totalSeconds.toFixed(0)} s; load average at the end ${r.load.end.map((x) => x.toFixed(2)).join(' ')}`);
    if (o.keep) this.log(`kept ${this.dir}`);
    else fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.failures.length > 0) {
      this.log(`\n${this.failures.length} failure(s):`);
      for (const f of this.failures) this.log(`  ${f}`);
      process.exitCode = 1;
    }
  }
}

/** W8's section of a rendered results page, headed by that run's machine, load and versions. */
function w8Section(md) {
  const lines = md.split('\n');
  const run = lines.filter((line) => /^- (date|machine|load average|threads|versions|whole run):/.test(line));
  const start = lines.findIndex((line) => line.startsWith('## W8'));
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  const failures = lines.slice(lines.indexOf('## Failures') + 1).filter((line) => line.trim() !== '');
  return [lines[start], '', 'This run (`npm run bench -- W8`):', '', ...run, '', ...lines.slice(start + 1, end), '', `Failures of this run: ${failures.join(' ')}`, ''].join('\n');
}

/** Replaces the marked section `name` of a markdown file (appends it when absent). */
function spliceSection(file, name, body) {
  const begin = `<!-- ${name} begin: written by npm run bench -- ${name}; do not edit by hand -->`;
  const end = `<!-- ${name} end -->`;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const block = `${begin}\n${body}\n${end}`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  fs.writeFileSync(file, from >= 0 && to > from ? `${text.slice(0, from)}${block}${text.slice(to + end.length)}` : `${text.trimEnd()}\n\n${block}\n`);
}

// dist/ older than lib/ sources.
function staleness() {
  const newest = (dir, ext) => {
    let t = 0;
    if (!fs.existsSync(dir)) return t;
    for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile() && e.name.endsWith(ext)) t = Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
    }
    return t;
  };
  return newest(path.join(root, 'lib'), '.ts') > newest(path.join(root, 'dist'), '.js') ? ['dist/ is older than lib/: run `npm run build:ts`'] : [];
}

/**
 * Self time per function from a .cpuprofile. Time in a native BLAS/LAPACK call
 * is sampled in nntk's runSync (the JS frame that calls the addon): it is
 * labelled with runSync's caller (gemm, syrk, potrf, …).
 */
function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (node) => {
    const f = node.callFrame;
    const name = f.functionName || '(anonymous)';
    if (name === 'runSync') {
      const p = byId.get(parent.get(node.id));
      return `native BLAS/LAPACK call from ${p?.callFrame.functionName || '?'}`;
    }
    const file = f.url ? `${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : '';
    return file ? `${name} (${file})` : name;
  };
  const selfTime = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length - 1; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i + 1] / 1000;
    if (node.callFrame.functionName === '(idle)') continue;
    const key = label(node);
    selfTime.set(key, (selfTime.get(key) ?? 0) + dt);
    total += dt;
  }
  const top = [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, ms]) => ({ name, ms, percent: (100 * ms) / total }));
  return { totalMs: total, top };
}

// ---------------------------------------------------------------- reports

function peerLabel(p) {
  return `${p.system}/${p.variant}${p.threads === 1 ? ' (1 thread)' : ''}`;
}

const fmtShare = (x) => (x === null || x === undefined ? '' : `${Math.round(100 * x)}%${x > 0.1 ? '!' : ''}`);

function renderTable(r) {
  const lines = [];
  const head = ['workload', 'system', 'time', 'peer/nntk', 'GFLOP/s', 'RSS MiB', 'others', 'max rel diff', 'check'];
  const rows = [];
  for (const [w, res] of Object.entries(r.workloads)) {
    if (w === 'W8') continue; // its own table (bench/w8.mjs)
    if (w === 'W7') {
      for (const row of res.rows) {
        rows.push([`W7 N=2^${Math.log2(row.N)}`, 'nntk', fmtSeconds(row.nntk.seconds), '', '', fmtMiB(row.nntk.rssMiB), fmtShare(row.nntk.othersCpuShare), '', '']);
        if (row.peer) rows.push(['', peerLabel(row.peer), fmtSeconds(row.peer.seconds), fmtRatio(row.peer.seconds / row.nntk.seconds), '', fmtMiB(row.peer.rssMiB), fmtShare(row.peer.othersCpuShare), fmtSci(row.maxRelDiff), row.check]);
      }
      continue;
    }
    const others = fmtShare(res.nntk.othersCpuShare);
    if (w === 'W4') {
      rows.push([w, 'nntk all pairs', fmtSeconds(res.nntk.all.median), '', '', fmtMiB(res.nntk.rssMiB), others, '', '']);
      rows.push(['', 'nntk values only', fmtSeconds(res.nntk.values.median), '', '', '', '', '', '']);
    } else if (w === 'W5') {
      rows.push([w, `nntk (${res.nntk.steps} steps)`, fmtSeconds(res.nntk.median), '', '', fmtMiB(res.nntk.rssMiB), others, `res ${fmtSci(res.nntk.verifiedResidual)}`, res.nntk.check]);
    } else {
      rows.push([w, 'nntk', fmtSeconds(res.nntk.median), '', res.nntk.gflops ? res.nntk.gflops.toFixed(1) : '', fmtMiB(res.nntk.rssMiB), others, '', '']);
    }
    for (const p of res.peers) {
      if (p.error) {
        rows.push(['', peerLabel(p), 'error', '', '', '', '', '', 'FAIL']);
        continue;
      }
      if (p.variant === 'dense-estimate') {
        rows.push(['', 'numpy/dense P×P (estimate)', `~${fmtSeconds(p.estimatedSeconds)}`, fmtRatio(p.estimatedSeconds / res.nntk.median), '', `~${fmtMiB(p.totalBytes / 2 ** 20)}`, '', p.crash ? 'crashed' : p.decision === 'run' ? 'estimate' : 'not run', '']);
        continue;
      }
      const label = w === 'W5' ? `${p.system} (${p.steps} steps)` : peerLabel(p);
      const diff = w === 'W5' ? `res ${fmtSci(p.verifiedResidual)}` : w === 'W4' && p.vectorDiff !== undefined ? `${fmtSci(p.maxRelDiff)} / v ${fmtSci(p.vectorDiff)}` : fmtSci(p.maxRelDiff);
      rows.push(['', label, fmtSeconds(p.median), fmtRatio(p.ratio), p.gflops ? p.gflops.toFixed(1) : '', fmtMiB(p.rssMiB), fmtShare(p.othersCpuShare), diff, p.check ?? '']);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const fmt = (row) => row.map((c, i) => (i >= 2 && i <= 7 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
  lines.push(fmt(head));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) lines.push(fmt(row));
  lines.push('');
  lines.push("others: the share of the machine's CPU time that other processes used while that measurement's process ran (! above 10%: its time is suspect).");
  lines.push('');
  for (const [w, res] of Object.entries(r.workloads)) for (const t of res.targets ?? []) lines.push(`${t.met ? 'met    ' : 'MISSED '} ${t.name}: ${t.value}`);
  return lines.join('\n');
}

function renderMarkdown(r) {
  const L = [];
  const v = r.versions;
  L.push('# nntk vs Python peers (numpy/scipy, PyTorch, JAX)');
  L.push('');
  L.push('Generated by `npm run bench:python` (bench/python-peers.mjs); do not edit by hand.');
  L.push('');
  L.push(`- date: ${r.generated}`);
  L.push(`- machine: ${r.machine.os}, ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB`);
  L.push(`- load average (1, 5, 15 min): start ${r.load.start.map((x) => x.toFixed(2)).join(', ')}; end ${r.load.end.map((x) => x.toFixed(2)).join(', ')}; 1-min at each workload's start: ${Object.entries(r.load.perWorkload).map(([w, x]) => `${w} ${x.toFixed(2)}`).join(', ')}`);
  L.push(`- threads: ${r.threads} everywhere (OMP/OPENBLAS/MKL_NUM_THREADS, torch.set_num_threads, nntk setThreads; JAX: XLA's pool is sized by the CPU affinity, ${r.machine.cores} here); repetitions: a warm-up run, then the median of ${r.reps} — fewer for long runs: at most max(1, 8 s / warm-up), and a method whose warm-up exceeds 8 s is timed by that single (first) run, on both sides alike (see the times in results.json); W5: nntk the median of ≤ 3 trainings after a 2-step warm-up, each peer one training after a one-step warm-up; W6: median of ≥ 200 steps over ≥ 1 s after 50–200 warm-up steps; W7: one step per width after a warm-up at N = 256 (JAX: after compiling)`);
  L.push(`- versions: node ${v.node}; nntk's OpenBLAS ${v.openblas}; python ${v.python}; numpy ${v.numpy} and scipy ${v.scipy} (${v.numpyBlas}); torch ${v.torch ?? 'unavailable'} (${v.torchBlas ?? ''}); jax ${v.jax ?? 'unavailable'} / jaxlib ${v.jaxlib ?? ''} (${v.jaxRuntime ?? ''})`);
  if (r.peak) L.push(`- dgemm peak measured in this run: nntk gemm 4096×4096×4096, best of 3: **${r.peak.gflops.toFixed(1)} GFLOP/s**`);
  L.push(`- whole run: ${r.totalSeconds.toFixed(0)} s`);
  L.push('');
  L.push('Ratios are peer time / nntk time (> 1: nntk is faster). "max rel diff" is max |peer − nntk| / max |nntk| over the result (𝒦_GD, δ, eigenvalues); a run fails above 1e-8. GFLOP/s use the issue\'s flop counts (W1 2·M²·N, W2 M²·N·(d+2), W3 2·M²·N) for every system. Peak RSS is per process (ru_maxrss), the nntk side in its own Node child per workload. JAX times exclude compilation (compiled ahead of time, reported apart).');
  L.push('');
  L.push('How the targets are judged: W1–W3 and W6 take the fastest peer of all variants (structured and autodiff; for W1 also the faster autodiff one alone); W4 compares nntk\'s spectrum() (dsyevd) with scipy.linalg.eigh(driver=\'evd\') for all pairs and with the fastest values-only peer of any system and driver; W7 asks each doubling of N to cost ≤ 2.2× and the least-squares slope of peak RSS against N to stay below 10% of what the Jacobian would add per neuron (8·M·(d+2) bytes), i.e. memory that does not scale like M·N; the BLAS-3 targets divide the flop count by the time of nntk\'s own dsyrk calls for the workload (the chunk shapes nntk uses, replayed alone through nntk\'s syrk) and compare with the dgemm peak of the same run.');
  L.push('');
  L.push('## Results');
  L.push('');
  L.push('```');
  L.push(renderTable(r));
  L.push('```');
  L.push('');
  for (const [w, res] of Object.entries(r.workloads)) {
    L.push(`## ${w} ${JSON.stringify(res.sizes)}`);
    L.push('');
    if (res.idle) L.push(`- before it: the machine was ${(100 * res.idle.busy).toFixed(0)}% busy with other work${res.idle.waited > 1.5 ? ` after waiting ${res.idle.waited.toFixed(0)} s for quiet` : ''}; 1-min load average ${r.load.perWorkload[w].toFixed(2)}`);
    if (res.nntk?.lambda !== undefined && w !== 'W7') L.push(`- λ given to every system: ${res.nntk.lambda}${res.nntk.certificate !== null && res.nntk.certificate !== undefined ? ` (nntk's chooseLambda('auto') at θ₀; certificate minᵢ λ_min(Sᵢ + λI) = ${fmtSci(res.nntk.certificate)})` : ''}`);
    if (res.nntk?.gflops) L.push(`- nntk end to end: ${res.nntk.gflops.toFixed(1)} GFLOP/s${r.peak ? ` (${((100 * res.nntk.gflops) / r.peak.gflops).toFixed(0)}% of the dgemm peak)` : ''}`);
    if (res.nntk?.blas3) {
      const b = res.nntk.blas3;
      L.push(`- nntk's BLAS-3 phase (its ${b.calls} dsyrk call${b.calls === 1 ? '' : 's'}, shapes ${b.shapes.join(', ')}, replayed alone, best of ${b.times.length}): ${fmtSeconds(b.seconds)}, ${b.gflops.toFixed(1)} GFLOP/s${r.peak ? ` = ${((100 * b.gflops) / r.peak.gflops).toFixed(0)}% of dgemm` : ''}; it is ${((100 * b.seconds) / res.nntk.median).toFixed(0)}% of nntk's time for the workload`);
    }
    for (const p of res.peers ?? []) {
      if (p.compileSeconds) L.push(`- ${peerLabel(p)}: JAX compile ${fmtSeconds(p.compileSeconds)} (not in the time)`);
      if (p.variant === 'dense-estimate') {
        L.push(
          `- **dense P×P Hessian** (P = ${p.P}): H alone is ${fmtBytes(p.hessianBytes)} (${fmtBytes(p.totalBytes)} with J), which fits in this machine's ${r.machine.memoryGiB} GiB. Time${r.peak ? ` (lower bound at this run's dgemm peak: P³/3 flops for dpotrf alone = ${fmtSeconds(p.P ** 3 / 3 / (r.peak.gflops * 1e9))})` : ''}, extrapolated from scipy at n = ${p.measuredAt} (dpotrf ${fmtSeconds(p.potrfSeconds)} → ${p.potrfGflops.toFixed(1)} GFLOP/s; JᵀJ by dgemm ${fmtSeconds(p.syrkSeconds)}): dpotrf of H + λI ≈ ${fmtSeconds(p.estimatedPotrfSeconds)} + forming JᵀJ ≈ ${fmtSeconds(p.estimatedSyrkSeconds)} = **≈ ${fmtSeconds(p.estimatedSeconds)}**, ${fmtRatio(p.estimatedSeconds / res.nntk.median)} nntk's kernel path. Decision: ${p.decision ?? '—'}${p.crash ? `; outcome: the peer crashed inside scipy's OpenBLAS (${p.crash})` : ''}. An autodiff dense Hessian (torch.func.hessian / jax.hessian of L over all P parameters) would push P tangents through the network at once: P·M·N·8 bytes = ${fmtBytes(p.P * res.sizes.M * res.sizes.N * 8)} of intermediates — out of the question.`,
        );
      }
      if (p.variant === 'dense' && Number.isFinite(p.median)) L.push(`- **dense P×P Hessian, run**${p.threads === 1 ? ' on one thread' : ''}: ${fmtSeconds(p.median)} (${fmtRatio(p.ratio)} nntk's kernel path), peak RSS ${fmtMiB(p.rssMiB)} MiB, δ agrees with nntk's to ${fmtSci(p.maxRelDiff)}`);
    }
    if (w === 'W4') {
      L.push(`- the matrix: the Gauss–Newton 𝒦_N (λ = ${res.sizes.lambda}) of a tanh network (N = ${res.sizes.N}, d = ${res.sizes.d}) at M = ${res.sizes.M} points, computed once by nntk and read by every system from the same .npy`);
      L.push(`- eigenvectors compared (sign-aligned) for the ${res.nntk.vectorsCompared} eigenvalues with a relative gap > 1e-6; backward error max|K·vᵢ − λᵢvᵢ|/max|λ|: nntk ${fmtSci(res.nntk.residual)}, ${res.peers.filter((p) => p.residual !== undefined).map((p) => `${p.variant} ${fmtSci(p.residual)}`).join(', ')}`);
    }
    if (w === 'W5') {
      L.push(`- every system runs nntk's default Newton as W5's peers implement it (docs/method.md, Training): Gauss–Newton with adaptive Levenberg–Marquardt damping from λ_floor = 1e-12, never raised on an accepted step, rejection at gain ≤ 1e-4, switching to the full Hessian (λ ≥ the certified auto λ) once the residual stalls, kernel path; stop at |r|/|y| ≤ ${res.sizes.tol}. The residuals in the table are recomputed by nntk from each system's final parameters. Steps are attempted steps (accepted in parentheses below); trajectories differ by round-off, so steps may differ.`);
      L.push(`- nntk: ${res.nntk.steps} steps (${res.nntk.acceptedSteps} accepted, ${res.nntk.reason}); per step (F full, G Gauss–Newton, - rejected): ${res.nntk.hessians}`);
      for (const p of res.peers) if (!p.error) L.push(`- ${p.system}: ${p.steps} steps (${p.acceptedSteps} accepted, ${p.reason})${p.compileSeconds ? `, JAX compile ${fmtSeconds(p.compileSeconds)}` : ''}`);
    }
    if (w === 'W8') L.push(renderW8(res));
    if (w === 'W7') {
      L.push(`- peer: ${res.peer.system}/${res.peer.variant} (the fastest structured peer of W2; the autodiff peers form J, 8·M·N·(d+2) bytes = ${fmtBytes(8 * res.sizes.M * 2 ** res.sizes.to * (res.sizes.d + 2))} at N = 2^${res.sizes.to})`);
      L.push('');
      L.push('| N | nntk s | nntk RSS MiB | peer s | peer RSS MiB | peer/nntk | max rel diff |');
      L.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const row of res.rows) L.push(`| 2^${Math.log2(row.N)} | ${row.nntk.seconds.toFixed(3)} | ${fmtMiB(row.nntk.rssMiB)} | ${row.peer ? row.peer.seconds.toFixed(3) : '—'} | ${fmtMiB(row.peer?.rssMiB)} | ${row.peer ? fmtRatio(row.peer.seconds / row.nntk.seconds) : '—'} | ${fmtSci(row.maxRelDiff)} |`);
      L.push('');
    }
    if (res.targets?.length) {
      L.push('');
      L.push('Targets:');
      for (const t of res.targets) L.push(`- ${t.met ? 'met' : '**MISSED**'}: ${t.name} — ${t.value} (goal ${t.goal})`);
    }
    if (res.profile) {
      L.push('');
      L.push(`Profile of the nntk side${res.profile.case ? ` for ${res.profile.case} (its training alone)` : ''} (node --cpu-prof; one child: input loading, warm-up, one timed repetition; ${res.profile.totalMs.toFixed(0)} ms sampled), top self time. Time inside a BLAS/LAPACK call is sampled in nntk's runSync and shown as a native call from its caller; a JavaScript function that calls the addon directly (evaluateAt: the activations at X̃·Wᵀ; jacobianBlock: the Jacobian block, whitened on the kernel path) has that native time as its own:`);
      L.push('');
      L.push('| self ms | % | function |');
      L.push('| ---: | ---: | --- |');
      for (const line of res.profile.top) L.push(`| ${line.ms.toFixed(0)} | ${line.percent.toFixed(1)} | ${line.name} |`);
    }
    if (res.profileNote) L.push(`\nProfile: ${res.profileNote}`);
    L.push('');
  }
  const suspect = [];
  const retried = [];
  const note = (label, m) => {
    if (!m) return;
    if (m.othersCpuShare > 0.1) suspect.push(label);
    if (m.retried) retried.push(`${label} (${m.retried.othersCpuShare.map((x) => `${Math.round(100 * x)}%`).join(' → ')})`);
  };
  for (const [w, res] of Object.entries(r.workloads)) {
    if (res.nntk) note(`${w} nntk`, res.nntk);
    for (const p of res.peers ?? []) note(`${w} ${peerLabel(p)}`, p);
    for (const row of res.rows ?? []) {
      note(`W7 N=2^${Math.log2(row.N)} nntk`, row.nntk);
      note(`W7 N=2^${Math.log2(row.N)} ${row.peer ? peerLabel(row.peer) : ''}`, row.peer);
    }
  }
  L.push('## Contention');
  L.push('');
  L.push(suspect.length ? `Other processes used more than 10% of the machine during ${suspect.length} measurement(s), whose times are suspect (multithreaded calls slow down badly when a thread waits for a busy core): ${suspect.join(', ')}.` : 'Other processes used less than 10% of the machine during every measurement.');
  if (retried.length) L.push(`\nRun again because others disturbed them (share of the machine used by others, first run → second; the less disturbed run is reported): ${retried.join(', ')}.`);
  L.push(`\nPatience (seconds for waiting and re-running) left at the end: ${Math.max(0, r.patienceLeft ?? 0).toFixed(0)} s.`);
  L.push('');
  if (r.notices.length) {
    L.push('## Notices');
    L.push('');
    for (const n of r.notices) L.push(`- ${n}`);
    L.push('');
  }
  L.push('## Failures');
  L.push('');
  L.push(r.failures.length ? r.failures.map((f) => `- ${f}`).join('\n') : 'none: every cross-check passed.');
  L.push('');
  return L.join('\n');
}

// ---------------------------------------------------------------- entry

const options = parseArgs(process.argv.slice(2));
if (options.child) {
  await child(options);
} else {
  await new Harness(options).run();
}
