// The kernel-path Newton directions against their BLAS-3 floors (issue 11, item 3):
//
//   full Hessian:  floor M²·N·q flops / dgemm rate   (the dsyrk of Q = Z·Zᵀ, Z = J·L_A⁻ᵀ)
//   Gauss–Newton:  floor 2·M²·N flops / dgemm rate   (the two dsyrk of the structured J·Jᵀ)
//
// For M ∈ {512, 1024} and q ∈ {3, 4, 10, 12, 34, 66, 130} (d = q − 2 with bias,
// q − 1 without), N is chosen so that the floor is ≈ 0.5 s at the dgemm rate.
// One direction is a fresh NewtonSystem (f and r) and its direction for a
// fixed λ (the full Hessian also forms S): what a Newton step costs before it
// moves θ. Each of 3 repetitions (after a warm-up) measures the dgemm rate
// (2048³, the better of two) and right after it one direction, and divides
// the time by the floor at that rate, so that on a shared machine each ratio
// compares times taken within a second of each other; a row shows the
// repetition with the median ratio.
//
//   npm run build:ts && npm run bench:paths [-- --bias on|off|both] [--points 512,1024] [--q 3,4,66] [--clock wall|cpu] [--split on] [--out file.md]
//
// --out also writes the table, with the machine and its load, to a Markdown file.
// --split on adds, per row, one more direction timed phase by phase as
// fractions of the floor: f (a fresh NewtonSystem), S (its blocks; full
// Hessian), A (the factors of A's blocks; full), Q (Z·Zᵀ or J·Jᵀ, with the
// potrf of M·I + Q), Jᵀv (the rest of the direction: the solve, Jᵀv, A⁻¹).
// On a machine shared with other jobs, NNTK_BENCH_THREADS=1 with --clock cpu
// times the work itself (the dgemm rate then is one core's).
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import os from 'node:os';

const dist = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'dist');
const api = await import(pathToFileURL(path.join(dist, 'index.js')).href);
const { factorBlocks } = await import(pathToFileURL(path.join(dist, 'method', 'newton.js')).href);
// A training loop hands one workspace to the systems of its steps: so does each row here.
const { Workspace } = await import(pathToFileURL(path.join(dist, 'linalg', 'workspace.js')).href);
api.setThreads(Number(process.env.NNTK_BENCH_THREADS ?? 2));

const options = { bias: 'both', points: [512, 1024], q: [3, 4, 10, 12, 34, 66, 130], floor: 0.5, out: null, clock: 'wall', split: false };
for (let i = 2; i < process.argv.length; i += 2) {
  const [key, value] = [process.argv[i].replace(/^--/, ''), process.argv[i + 1]];
  if (key === 'bias' && ['on', 'off', 'both'].includes(value)) options.bias = value;
  else if ((key === 'points' || key === 'q') && /^\d+(,\d+)*$/.test(value ?? '')) options[key] = value.split(',').map(Number);
  else if (key === 'floor' && Number(value) > 0) options.floor = Number(value);
  else if (key === 'out' && value) options.out = value;
  else if (key === 'clock' && ['wall', 'cpu'].includes(value)) options.clock = value;
  else if (key === 'split' && ['on', 'off'].includes(value)) options.split = value === 'on';
  else {
    process.stderr.write(`bench/kernel-paths.mjs: bad option ${process.argv[i]} ${value ?? ''}\n`);
    process.exit(2);
  }
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

/**
 * Wall seconds of fn, or with --clock cpu the process's CPU seconds (user +
 * system): with one BLAS thread that is the work itself, which a machine
 * shared with other jobs stretches in wall time but not in CPU time.
 */
function seconds(fn) {
  if (options.clock === 'cpu') {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  }
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

const gemmSize = 2048;
const gemmA = new api.Matrix(gemmSize, gemmSize, uniform(gemmSize ** 2, 1));
const gemmB = new api.Matrix(gemmSize, gemmSize, uniform(gemmSize ** 2, 2));
const gemmC = new api.Matrix(gemmSize, gemmSize);
/** GFLOP/s of a 2048³ dgemm, the better of two. */
const dgemmRate = () => (2 * gemmSize ** 3) / Math.min(seconds(() => api.gemm(gemmA, gemmB, { out: gemmC })), seconds(() => api.gemm(gemmA, gemmB, { out: gemmC }))) / 1e9;

/**
 * λ above every ‖Sᵢ‖∞ (Gershgorin): A = S + λI is then positive definite
 * without computing the eigenvalues of the blocks, which are not part of a direction.
 */
function safeLambda(system) {
  const { blocks, q } = system.curvature;
  let norm = 0;
  for (let b = 0; b < blocks.length; b += q * q) {
    for (let i = 0; i < q; i++) {
      let row = 0;
      for (let j = 0; j < q; j++) row += Math.abs(blocks[b + i * q + j]);
      norm = Math.max(norm, row);
    }
  }
  return norm + 1e-3;
}

/**
 * One row: N sized so that the floor is `options.floor` seconds at `rate`; then
 * `reps` times the dgemm rate and, right after it, one direction. The ratio of
 * each repetition divides its time by the floor at the rate measured just
 * before it; the row reports the median of those ratios, its time and rate.
 */
function measure(m, q, bias, rate, reps = 3) {
  const d = bias ? q - 2 : q - 1;
  const rows = [];
  for (const hessian of ['full', 'gauss-newton']) {
    const floorFlops = hessian === 'full' ? m * m * q : 2 * m * m; // per neuron
    const n = Math.max(16, 2 * Math.round((options.floor * rate * 1e9) / floorFlops / 2));
    const net = api.TwoLayerNetwork.initialize({ width: n, dim: d, activation: 'tanh', beta: 0.5, bias }, { seed: 1 });
    const X = new api.Matrix(m, d, uniform(m * d, 3).map((v) => v * Math.sqrt(3 / d)));
    const y = uniform(m, 4);
    const lambda = hessian === 'full' ? safeLambda(new api.NewtonSystem(net, X, y)) : 1e-3;
    const workspace = new Workspace();
    const direction = () => new api.NewtonSystem(net, copyOf(X), y, workspace).direction(lambda, hessian, 'kernel');
    direction();
    const runs = [];
    for (let r = 0; r < reps; r++) {
      const gflops = dgemmRate();
      const time = seconds(direction);
      const floor = (n * floorFlops) / (gflops * 1e9);
      runs.push({ gflops, time, floor, ratio: time / floor });
    }
    runs.sort((a, b) => a.ratio - b.ratio);
    const median = runs[Math.floor(reps / 2)];
    const spread = `${runs[0].ratio.toFixed(2)}–${runs[reps - 1].ratio.toFixed(2)}`;
    rows.push({ hessian, m, q, d, bias, n, ...median, spread, split: options.split ? split(net, X, y, lambda, hessian, workspace, median.floor) : null });
  }
  return rows;
}

/**
 * One more direction, phase by phase, each phase's time over `floor`. The
 * phases run on one system in the order direction() runs them, so each finds
 * what the earlier ones cached (features, S, J·Jᵀ); Jᵀv is a direction on
 * that system less its kernelSystem.
 */
/**
 * X in a fresh matrix: a workspace serves kept features to a system at the same
 * network and the same X̃ object, which without bias is X itself, and a training
 * step (a new θ) never finds them.
 */
function copyOf(X) {
  return new api.Matrix(X.rows, X.cols, X.data.slice());
}

function split(net, X, y, lambda, hessian, workspace, floor) {
  const phases = {};
  let system;
  phases.f = seconds(() => (system = new api.NewtonSystem(net, copyOf(X), y, workspace)));
  if (hessian === 'full') {
    phases.S = seconds(() => system.curvature);
    // In the system's workspace, as kernelSystem factors them (which then reuses the arrays).
    phases.A = seconds(() => factorBlocks(net, system.curvature, lambda, workspace));
  } else {
    phases.Q = seconds(() => system.gram);
  }
  const kernelSystem = seconds(() => system.kernelSystem(lambda, hessian));
  phases.Q = (phases.Q ?? 0) + kernelSystem - (phases.A ?? 0);
  phases['Jᵀv'] = seconds(() => system.direction(lambda, hessian, 'kernel')) - kernelSystem;
  return Object.entries(phases).map(([name, t]) => `${name} ${(t / floor).toFixed(2)}`).join(', ');
}

const load = () => os.loadavg().map((v) => v.toFixed(2)).join(', ');
const lines = [];
const print = (line) => {
  console.log(line);
  lines.push(line);
};
const started = new Date().toISOString();
const loadAtStart = load();
print(`hessian        M     q    d  bias       N   dgemm GF/s    time s   floor s  time/floor     spread${options.split ? '   split (of the floor)' : ''}`);
const biases = options.bias === 'both' ? [true, false] : [options.bias === 'on'];
for (const m of options.points) {
  for (const q of options.q) {
    for (const bias of biases) {
      if (q - (bias ? 2 : 1) < 1) continue;
      for (const r of measure(m, q, bias, dgemmRate())) {
        print(
          `${r.hessian.padEnd(12)} ${String(r.m).padStart(4)} ${String(r.q).padStart(5)} ${String(r.d).padStart(4)}  ${(r.bias ? 'on' : 'off').padEnd(4)} ${String(r.n).padStart(7)}   ${r.gflops.toFixed(1).padStart(10)}  ${r.time.toFixed(3).padStart(8)}  ${r.floor.toFixed(3).padStart(8)}  ${r.ratio.toFixed(2).padStart(10)}  ${r.spread.padStart(9)}${r.split === null ? '' : `   ${r.split}`}`,
        );
      }
    }
  }
}
const header = [
  `- date: ${started}`,
  `- machine: ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores; ${api.getThreads()} BLAS thread(s); ${api.blasConfig().openblas}`,
  `- load average (1, 5, 15 min): start ${loadAtStart}; end ${load()}`,
  `- clock: ${options.clock === 'cpu' ? 'CPU time of the process (user + system)' : 'wall time'}`,
];
for (const line of header) console.log(`#${line.slice(1)}`);
if (options.out !== null) {
  const command = `node bench/kernel-paths.mjs ${process.argv.slice(2).join(' ')}`.trim();
  fs.writeFileSync(
    options.out,
    `# Kernel-path directions against their BLAS-3 floors\n\nGenerated by \`${command}\` (bench/kernel-paths.mjs); do not edit by hand.\n\n${header.join('\n')}\n\nfloor: M²·N·q flops (full Hessian) or 2·M²·N (Gauss–Newton) at the dgemm rate measured just before each repetition; a row is the repetition with the median ratio of 3, spread the least and greatest ratio of the 3.${options.split ? ' split: one more direction phase by phase (bench/kernel-paths.mjs, split()).' : ''}\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`,
  );
}
