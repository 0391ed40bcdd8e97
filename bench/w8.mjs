// W8 of bench/python-peers.mjs: training to a relative residual on real data.
//
// Cases: scikit-learn's bundled diabetes (442×10), breast_cancer (569×30) and
// digits as an even/odd task (1797×64), inputs standardised
// (bench/python/w8_cases.py writes them at bench time), and the circle of
// docs/math.md §6 (M = 64, y = sin kt, k = 1, 2, 4, 8, 16); activations relu, tanh,
// sin, softplus; widths 1024 and 4096. Every system starts from the same .npy
// parameters (TwoLayerNetwork.initialize, seed 0, one set per data set and
// width) and stops at |r|/|y| ≤ tol, 100 accepted steps, 1000 attempts or
// `seconds` of wall time, whichever comes first.
//
// nntk runs train() with its defaults (and, at width 1024, with
// hessian 'full': the paper's regularized Newton, its own table); the peers
// are bench/python/lm_peers.py: the textbook Levenberg–Marquardt in Woodbury
// form in numpy/scipy, PyTorch and JAX, and scipy.optimize.least_squares
// where the dense J fits. Cross-checks: every system's initial loss against
// nntk's, and every final residual recomputed by nntk from the system's
// final parameters.
import fs from 'node:fs';
import path from 'node:path';

export const W8_DEFAULT = { tol: 1e-6, seconds: 4 };
export const W8_QUICK = { tol: 1e-6, seconds: 10 };

const PLAN = {
  datasets: ['diabetes', 'breast_cancer', 'digits_parity'],
  circle: [1, 2, 4, 8, 16],
  activations: ['relu', 'tanh', 'sin', 'softplus'],
  widths: [1024, 4096],
  fullWidths: [1024],
};
const QUICK_PLAN = { datasets: ['diabetes'], circle: [1, 4], activations: ['relu', 'tanh'], widths: [256], fullWidths: [256] };

export const W8_SYSTEMS = ['numpy', 'torch', 'jax', 'scipy'];
const MAX_STEPS = 100;
const MAX_ATTEMPTS = 1000;

/**
 * The initial losses are sums of M squares of r = f − y, f a sum of N terms:
 * two evaluations differ by the rounding of those sums, |δr| ≲ N·ε·N^(−β)Σ|cσ|,
 * about 1e-10 relative at N = 4096 in the worst case (typically √N·ε).
 */
const LOSS_TOLERANCE = 1e-9;
/** A reached target recomputed by nntk: round-off ~1e-11 of |y| in the residual, far below 1e-3·tol. */
const RESIDUAL_SLACK = 1 + 1e-3;

// ---------------------------------------------------------------- the nntk side (child process)

export async function w8Child(api, o) {
  const manifest = JSON.parse(fs.readFileSync(o.manifest ?? path.join(o.dir, 'manifest.json'), 'utf8'));
  const limits = JSON.parse(fs.readFileSync(path.join(o.dir, 'limits.json'), 'utf8'));
  const load = async (file) => api.readNpy(file);
  const problem = async (c) => {
    const X = await load(path.join(c.data, 'X.npy'));
    const y = (await load(path.join(c.data, 'y.npy'))).data;
    const [cc, W, b] = await Promise.all(['c', 'W', 'b'].map((n) => load(path.join(c.params, `${n}.npy`))));
    const [M, d] = X.shape;
    const config = { width: cc.shape[0], dim: d, activation: c.activation, beta: c.beta, bias: true };
    return { X: new api.Matrix(M, d, X.data), y, net: api.TwoLayerNetwork.fromArrays(config, { c: cc.data, W: W.data, b: b.data }) };
  };
  // Warm-up (JIT of the JavaScript loops): two steps of the first case at width 64.
  {
    const { X, y, net } = await problem(manifest[0]);
    const w = Math.min(64, net.width);
    const small = api.TwoLayerNetwork.fromArrays({ ...net.config, width: w }, { c: net.c.slice(0, w), W: net.W.data.slice(0, w * net.config.dim), b: net.b.slice(0, w) });
    api.train(small, X, y, { method: 'newton', maxSteps: 2 });
  }
  const out = { cases: [] };
  for (const c of manifest) {
    const { X, y, net } = await problem(c);
    const record = { id: c.id, initialLoss: new api.NewtonSystem(net, X, y).loss, runs: {} };
    for (const variant of c.full ? ['default', 'full'] : ['default']) {
      const options = { method: 'newton', tol: limits.tol, maxSteps: MAX_STEPS, maxAttempts: MAX_ATTEMPTS, maxSeconds: limits.seconds, ...(variant === 'full' ? { hessian: 'full' } : {}) };
      const t0 = performance.now();
      const result = api.train(net, X, y, options);
      const seconds = (performance.now() - t0) / 1000;
      const stem = path.join(o.dir, `nntk-${variant}-${c.id.replaceAll('/', '_')}`);
      await api.writeNpy(`${stem}-c.npy`, { shape: [result.net.width], data: result.net.c });
      await api.writeNpy(`${stem}-W.npy`, { shape: [result.net.width, result.net.config.dim], data: result.net.W.data });
      await api.writeNpy(`${stem}-b.npy`, { shape: [result.net.width], data: result.net.b });
      const h = result.history.slice(1);
      record.runs[variant] = {
        reason: result.reason,
        reached: result.reason === 'converged',
        accepted: result.steps,
        attempts: result.attempts,
        seconds,
        residual: result.residual,
        fullFrom: h.findIndex((e) => e.hessian === 'full') + 1 || null,
        trace: h.map((e) => (e.hessian === 'full' ? 'F' : 'G') + (e.accepted ? '' : '-')).join(''),
        outputs: { c: `${stem}-c.npy`, W: `${stem}-W.npy`, b: `${stem}-b.npy` },
      };
    }
    out.cases.push(record);
  }
  return out;
}

// ---------------------------------------------------------------- the harness side

/** Writes the data, parameters and manifest of every case into dir; returns the cases. */
async function prepare(h, dir, quick) {
  const plan = quick ? QUICK_PLAN : PLAN;
  const api = h.api;
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const datasets = [];
  const generated = h.runPython([path.join(h.here, 'python', 'w8_cases.py'), dataDir, '--names', plan.datasets.join(',')], 'w8_cases.py');
  if (generated.error) {
    h.notices.push(`W8: the scikit-learn data sets could not be written (${generated.error.split('\n')[0]}); install scikit-learn into the bench venv (bench/python/setup-venv.sh); only the circle cases ran`);
  } else {
    for (const [name, info] of Object.entries(generated)) if (typeof info === 'object' && info !== null && 'M' in info) datasets.push({ name, M: info.M, d: info.d, source: info.source });
  }
  for (const k of plan.circle) {
    const name = `circle_k${k}`;
    const M = 64;
    const X = new Float64Array(2 * M);
    const y = new Float64Array(M);
    for (let j = 0; j < M; j++) {
      const t = (2 * Math.PI * j) / M;
      X[2 * j] = Math.cos(t);
      X[2 * j + 1] = Math.sin(t);
      y[j] = Math.sin(k * t);
    }
    fs.mkdirSync(path.join(dataDir, name), { recursive: true });
    await api.writeNpy(path.join(dataDir, name, 'X.npy'), { shape: [M, 2], data: X });
    await api.writeNpy(path.join(dataDir, name, 'y.npy'), { shape: [M], data: y });
    datasets.push({ name, M, d: 2, source: 'docs/math.md §6 circle' });
  }
  const cases = [];
  for (const ds of datasets) {
    for (const width of plan.widths) {
      const params = path.join(dir, 'params', `${ds.name}-N${width}`);
      fs.mkdirSync(params, { recursive: true });
      // The parameters do not depend on the activation: one set per data set and width.
      const net = api.TwoLayerNetwork.initialize({ width, dim: ds.d, activation: 'tanh', beta: 0.5, bias: true }, { seed: 0 });
      await api.writeNpy(path.join(params, 'c.npy'), { shape: [width], data: net.c });
      await api.writeNpy(path.join(params, 'W.npy'), { shape: [width, ds.d], data: net.W.data });
      await api.writeNpy(path.join(params, 'b.npy'), { shape: [width], data: net.b });
      for (const activation of plan.activations) {
        cases.push({ id: `${ds.name}/${activation}/N${width}`, dataset: ds.name, M: ds.M, d: ds.d, width, activation, beta: 0.5, data: path.join(dataDir, ds.name), params, full: plan.fullWidths.includes(width) });
      }
    }
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(cases));
  return { cases, datasets };
}

export async function runW8(h, size, { quick }) {
  const dir = path.join(h.dir, 'W8');
  fs.mkdirSync(dir, { recursive: true });
  const { cases, datasets } = await prepare(h, dir, quick);
  fs.writeFileSync(path.join(dir, 'limits.json'), JSON.stringify({ tol: size.tol, seconds: size.seconds }));
  h.log(`  ${cases.length} cases (${datasets.map((d) => `${d.name} ${d.M}×${d.d}`).join(', ')}); per training ≤ ${MAX_STEPS} accepted steps, ≤ ${MAX_ATTEMPTS} attempts, ≤ ${size.seconds} s`);
  const nntk = await h.measure(process.execPath, [h.self, '--child', 'W8', '--dir', dir, '--threads', String(h.o.threads)], 'nntk W8', { retry: false });
  if (nntk.error) {
    h.failures.push(nntk.error);
    return null;
  }
  const peers = {};
  for (const system of W8_SYSTEMS) {
    if (!h.available[system === 'scipy' ? 'numpy' : system]) continue;
    if (!h.o.systems.includes(system === 'scipy' ? 'numpy' : system)) continue;
    const args = [path.join(h.here, 'python', 'lm_peers.py'), '--system', system, '--manifest', path.join(dir, 'manifest.json'), '--out', path.join(dir, 'out'), '--threads', String(h.o.threads), '--tol', String(size.tol), '--max-steps', String(MAX_STEPS), '--max-attempts', String(MAX_ATTEMPTS), '--max-seconds', String(size.seconds)];
    const r = await h.measure(h.python, args, `${system} W8`, { retry: false });
    if (r.error) {
      h.failures.push(r.error);
      h.log(`  ${system}: FAILED (${r.error.split('\n')[0]})`);
      continue;
    }
    peers[system] = r;
    h.log(`  ${system}: ${r.cases.filter((c) => c.reached).length} of ${r.cases.filter((c) => !c.skipped).length} reached`);
  }

  const api = h.api;
  const verify = async (c, outputs) => {
    const X = await api.readNpy(path.join(c.data, 'X.npy'));
    const y = (await api.readNpy(path.join(c.data, 'y.npy'))).data;
    const read = async (n) => (await api.readNpy(outputs[n])).data;
    const net = api.TwoLayerNetwork.fromArrays({ width: c.width, dim: c.d, activation: c.activation, beta: c.beta, bias: true }, { c: await read('c'), W: await read('W'), b: await read('b') });
    const f = net.predict(new api.Matrix(X.shape[0], X.shape[1], X.data));
    return Math.hypot(...f.map((v, j) => v - y[j])) / Math.hypot(...y);
  };
  const rows = [];
  for (const [i, c] of cases.entries()) {
    const mine = nntk.cases[i];
    const row = { id: c.id, dataset: c.dataset, M: c.M, d: c.d, width: c.width, activation: c.activation, initialLoss: mine.initialLoss, nntk: {}, peers: {} };
    for (const [variant, run] of Object.entries(mine.runs)) {
      const verified = await verify(c, run.outputs);
      delete run.outputs;
      row.nntk[variant] = { ...run, verifiedResidual: verified };
      if (run.reached && !(verified <= RESIDUAL_SLACK * size.tol)) h.failures.push(`W8 ${c.id} nntk ${variant}: reported converged but the recomputed |r|/|y| = ${fmtSci(verified)}`);
    }
    for (const [system, result] of Object.entries(peers)) {
      const p = result.cases.find((x) => x.id === c.id);
      if (!p) continue;
      if (p.skipped) {
        row.peers[system] = { skipped: p.skipped };
        continue;
      }
      const verified = await verify(c, p.outputs);
      const lossDiff = Math.abs(p.initialLoss - mine.initialLoss) / mine.initialLoss;
      if (!(lossDiff <= LOSS_TOLERANCE)) h.failures.push(`W8 ${c.id} ${system}: initial loss ${p.initialLoss} differs from nntk's ${mine.initialLoss} (relative ${fmtSci(lossDiff)} > ${LOSS_TOLERANCE})`);
      const reached = p.reached && verified <= RESIDUAL_SLACK * size.tol;
      if (p.reached && !reached) h.failures.push(`W8 ${c.id} ${system}: reported converged but the recomputed |r|/|y| = ${fmtSci(verified)}`);
      row.peers[system] = { reached, accepted: p.accepted, attempts: p.attempts, seconds: p.seconds, residual: p.residual, verifiedResidual: verified, reason: p.reason, compileSeconds: p.compileSeconds, initialLossDiff: lossDiff };
    }
    const reachedPeers = Object.entries(row.peers).filter(([, p]) => p.reached);
    const best = reachedPeers.sort((a, b) => a[1].seconds - b[1].seconds)[0];
    const mineDefault = row.nntk.default;
    row.bestPeer = best ? { system: best[0], seconds: best[1].seconds } : null;
    row.target = !best ? (mineDefault.reached ? 'no peer reaches; nntk does' : 'no system reaches') : mineDefault.reached && mineDefault.seconds <= 0.5 * best[1].seconds ? 'met' : 'MISSED';
    rows.push(row);
    h.log(`  ${c.id.padEnd(30)} nntk ${cell(mineDefault)}${row.nntk.full ? `  full ${cell(row.nntk.full)}` : ''}  ${Object.entries(row.peers).map(([s, p]) => `${s} ${cell(p)}`).join('  ')}  ${row.target}`);
  }
  return { sizes: size, quick, datasets, limits: { maxSteps: MAX_STEPS, maxAttempts: MAX_ATTEMPTS, seconds: size.seconds, tol: size.tol }, rows, nntkProcess: { rssMiB: nntk.rssMiB, othersCpuShare: nntk.othersCpuShare ?? null }, peerProcesses: Object.fromEntries(Object.entries(peers).map(([s, r]) => [s, { rssMiB: r.peakRssMiB ?? null, othersCpuShare: r.othersCpuShare ?? null, versions: r.versions }])) };
}

/** The W8 targets: one per case where some peer reaches the target. */
export function evaluateW8(res) {
  const judged = res.rows.filter((r) => r.bestPeer !== null);
  const met = judged.filter((r) => r.target === 'met');
  const unreachedByPeers = res.rows.filter((r) => r.bestPeer === null);
  const targets = [
    {
      name: 'W8 nntk default reaches the target wherever a peer does, in ≤ ½ the best peer\'s time',
      value: `${met.length} of ${judged.length} cases${judged.length > met.length ? `; missed: ${judged.filter((r) => r.target !== 'met').map((r) => r.id).join(', ')}` : ''}`,
      goal: 'every case',
      met: met.length === judged.length,
    },
  ];
  if (unreachedByPeers.length) {
    targets.push({
      name: 'W8 cases no peer reaches (not judged)',
      value: `${unreachedByPeers.length}: nntk reaches ${unreachedByPeers.filter((r) => r.nntk.default.reached).length} of them`,
      goal: '—',
      met: true,
    });
  }
  return targets;
}

/** The worst missed case, for the profile: nntk reached it slower than allowed, else did not reach it. */
export function caseToProfile(res) {
  const missed = res.rows.filter((r) => r.target === 'MISSED');
  if (missed.length === 0) return null;
  const slow = missed.filter((r) => r.nntk.default.reached).sort((a, b) => b.nntk.default.seconds / b.bestPeer.seconds - a.nntk.default.seconds / a.bestPeer.seconds);
  return slow[0] ?? missed[0];
}

export function writeProfileManifest(h, row) {
  const dir = path.join(h.dir, 'W8');
  const all = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const file = path.join(dir, 'manifest-profile.json');
  fs.writeFileSync(file, JSON.stringify(all.filter((c) => c.id === row.id).map((c) => ({ ...c, full: false }))));
  return { dir, file };
}

// ---------------------------------------------------------------- rendering

const fmtSci = (x) => (x === null || x === undefined ? '—' : !Number.isFinite(x) ? String(x) : x === 0 ? '0' : x.toExponential(1));
const fmtS = (s) => (s === null || s === undefined || !Number.isFinite(s) ? '—' : s < 1 ? `${(s * 1e3).toFixed(0)} ms` : `${s.toFixed(2)} s`);

function cell(p) {
  if (!p) return '';
  if (p.skipped) return 'not run';
  const counts = `${p.accepted ?? '—'}/${p.attempts}`;
  return p.reached ? `✓ ${counts} ${fmtS(p.seconds)}` : `✗ ${counts} ${fmtS(p.seconds)} ${fmtSci(p.verifiedResidual ?? p.residual)} (${p.reason})`;
}

export function renderW8(res, systems = W8_SYSTEMS) {
  const L = [];
  const present = systems.filter((s) => res.rows.some((r) => r.peers[s]));
  L.push(`Cases: ${res.datasets.map((d) => `${d.name} ${d.M}×${d.d} (${d.source})`).join('; ')}. Activations × widths as in the rows; one parameter set per data set and width (TwoLayerNetwork.initialize, seed 0) read by every system from the same .npy. Each training stops at |r|/|y| ≤ ${res.limits.tol}, ${res.limits.maxSteps} accepted steps, ${res.limits.maxAttempts} attempts or ${res.limits.seconds} s.`);
  L.push('');
  L.push('A cell is `✓ accepted/attempts time` when the target was reached (residual recomputed by nntk from the final parameters), else `✗ accepted/attempts time residual (why)`. nntk: `train()` defaults (Gauss–Newton, the full Hessian after a stall; "full from" gives the attempt where it switched). Peers: the textbook Levenberg–Marquardt in Woodbury form (bench/python/lm_peers.py); scipy: `least_squares(method=\'trf\', tr_solver=\'exact\')` where M·P ≤ 2·10⁶. "not run": a peer skips a case whose one J·Jᵀ costs more than 3·10¹¹ flops (M²·P; digits at N = 4096: 8.7·10¹¹, minutes per step on this machine). The time budget is checked between attempts, so a peer\'s first J·Jᵀ can overrun it. JAX times exclude compilation. Target: nntk reaches the target wherever a peer does, in ≤ ½ the best peer\'s time.');
  L.push('');
  L.push(`| case | nntk default | full from | ${present.join(' | ')} | best peer / nntk | target |`);
  L.push(`| --- | --- | ---: | ${present.map(() => '---').join(' | ')} | ---: | --- |`);
  for (const r of res.rows) {
    const ratio = r.bestPeer && r.nntk.default.reached ? `${(r.bestPeer.seconds / r.nntk.default.seconds).toFixed(2)}× (${r.bestPeer.system})` : '—';
    L.push(`| ${r.id} | ${cell(r.nntk.default)} | ${r.nntk.default.fullFrom ?? '—'} | ${present.map((s) => cell(r.peers[s])).join(' | ')} | ${ratio} | ${r.target} |`);
  }
  const full = res.rows.filter((r) => r.nntk.full);
  if (full.length) {
    L.push('');
    L.push('**The paper\'s method**, `hessian: \'full\'` (CLI `--full-hessian`): regularized Newton δ = (H + λI)⁻¹g with λ never below the certified `auto` λ, the same damping, the same budgets:');
    L.push('');
    L.push('| case | full Hessian | nntk default | full / default time |');
    L.push('| --- | --- | --- | ---: |');
    for (const r of full) {
      const both = r.nntk.full.reached && r.nntk.default.reached ? `${(r.nntk.full.seconds / r.nntk.default.seconds).toFixed(2)}×` : '—';
      L.push(`| ${r.id} | ${cell(r.nntk.full)} | ${cell(r.nntk.default)} | ${both} |`);
    }
  }
  const worst = Math.max(0, ...res.rows.flatMap((r) => Object.values(r.peers).map((p) => p.initialLossDiff ?? 0)));
  L.push('');
  L.push(`Cross-check: every system's initial loss agrees with nntk's to ${fmtSci(worst)} relative at worst (tolerance ${LOSS_TOLERANCE}).`);
  const traces = res.rows.filter((r) => r.target === 'MISSED' || !r.nntk.default.reached);
  if (traces.length) {
    L.push('');
    L.push('nntk\'s attempts where the target was missed or not reached (G Gauss–Newton, F full Hessian, - rejected):');
    L.push('');
    for (const r of traces) L.push(`- ${r.id}: ${r.nntk.default.trace.length > 160 ? `${r.nntk.default.trace.slice(0, 160)}…` : r.nntk.default.trace}`);
  }
  return L.join('\n');
}
