// Width benchmarks for the kernel path (docs/math.md §3–4): what a wide network costs.
//
//   node bench/width.mjs million [--width 1000000] [--points 1024] [--dim 2]
//     𝒦_GD, 𝒦_N (full Hessian) and one full-Hessian kernel-path Newton step at
//     width N, each in its own process: seconds and peak RSS (target < 2 GiB;
//     the Jacobian alone would take 8·M·N·(d+2) bytes).
//   node bench/width.mjs scaling [--points 1024] [--dim 2] [--from 14] [--to 18]
//     one kernel-path step for N = 2^from … 2^to: seconds and the cost of each
//     doubling of the width (target ≤ 2.2×: linear in N).
//
// Needs the compiled library (npm run build:ts) and the addon.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const labels = { ntk: '𝒦_GD (structured)', nntk: '𝒦_N, full Hessian', step: 'one full-Hessian Newton step' };
const [mode, ...rest] = process.argv.slice(2);

if (mode === '--child') {
  await child(...rest);
} else if (mode === 'million' || mode === 'scaling') {
  const options = parseOptions(rest);
  if (mode === 'million') million(options);
  else scaling(options);
} else {
  process.stderr.write('usage: node bench/width.mjs million|scaling [--width N] [--points M] [--dim d] [--from a] [--to b]\n');
  process.exit(2);
}

function parseOptions(args) {
  const options = { width: 1_000_000, points: 1024, dim: 2, from: 14, to: 18 };
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i]?.replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(key in options) || !Number.isInteger(value) || value < 1) {
      process.stderr.write(`bench/width.mjs: bad option ${args[i]} ${args[i + 1]}\n`);
      process.exit(2);
    }
    options[key] = value;
  }
  return options;
}

function run(task, width, points, dim) {
  const out = execFileSync(process.execPath, [here, '--child', task, String(width), String(points), String(dim)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out);
}

function million({ width, points, dim }) {
  const jacobianGiB = (8 * points * width * (dim + 2)) / 2 ** 30;
  console.log(`width N = ${width}, M = ${points}, d = ${dim}; the Jacobian alone would take ${jacobianGiB.toFixed(1)} GiB`);
  console.log('task                         seconds   peak RSS (MiB)   < 2 GiB');
  for (const task of ['ntk', 'nntk', 'step']) {
    const { seconds, rssMiB } = run(task, width, points, dim);
    console.log(`${labels[task].padEnd(28)} ${seconds.toFixed(1).padStart(7)}   ${rssMiB.toFixed(0).padStart(14)}   ${rssMiB < 2048 ? 'yes' : 'NO'}`);
  }
}

function scaling({ points, dim, from, to }) {
  console.log(`one full-Hessian kernel-path Newton step, M = ${points}, d = ${dim}`);
  console.log('N          seconds   ×previous   peak RSS (MiB)');
  let previous = null;
  for (let e = from; e <= to; e++) {
    const { seconds, rssMiB } = run('step', 2 ** e, points, dim);
    const ratio = previous === null ? '' : `${(seconds / previous).toFixed(2)}${seconds / previous <= 2.2 ? '' : ' (> 2.2)'}`;
    console.log(`2^${String(e).padEnd(7)} ${seconds.toFixed(2).padStart(8)}   ${ratio.padStart(9)}   ${rssMiB.toFixed(0).padStart(14)}`);
    previous = seconds;
  }
}


/** Runs one task on a fresh network and prints {seconds, rssMiB} for this process. */
async function child(task, widthText, pointsText, dimText) {
  const { Matrix, TwoLayerNetwork, NewtonSystem, chooseLambda, kernel } = await import('../dist/index.js');
  const [width, m, d] = [widthText, pointsText, dimText].map(Number);
  const X = new Matrix(m, d);
  for (let i = 0; i < X.data.length; i++) X.data[i] = Math.sin(12.9898 * (i + 1));
  const y = Float64Array.from({ length: m }, (_, j) => Math.sin((4 * 2 * Math.PI * j) / m));
  const net = TwoLayerNetwork.initialize({ width, dim: d, activation: 'tanh', beta: 0.5, bias: true });
  const started = performance.now();
  if (task === 'ntk') kernel(net, X);
  else if (task === 'nntk') kernel(net, X, { kind: 'nntk', y });
  else {
    const system = new NewtonSystem(net, X, y);
    const { lambda } = chooseLambda('auto', system, 'full');
    system.net.moved(system.direction(lambda, 'full', 'kernel').direction);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ seconds, rssMiB: process.resourceUsage().maxRSS / 1024 }));
}
