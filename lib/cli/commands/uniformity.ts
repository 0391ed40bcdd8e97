/**
 * `nntk uniformity`: steps to 1e-6 against the frequency k of the target,
 * across widths, for regularized Newton and gradient descent, measured and
 * predicted by the linearised dynamics (docs/math.md §6), with a table, JSON
 * and SVG figures. Runs in the experiment worker so that Ctrl-C can stop it
 * and still write what is done.
 */
import { uniformityFigures } from '../../experiments/uniformity-figures.js';
import { mergeUniformity } from '../../experiments/uniformity-merge.js';
import type { LogLogFit } from '../../experiments/log-log-fit.js';
import { UNIFORMITY_METHODS, type UniformityResult } from '../../experiments/uniformity.js';
import { writeFileAtomic } from '../../index.js';
import { flag, integerList, number, optional, text, withDefault } from '../args.js';
import { defineCommand } from '../command.js';
import { runExperiment } from '../experimentrunner.js';
import { EXIT, UsageError } from '../failures.js';
import { clearStatus, note, noteOverStatus, status, writeFigures } from '../report.js';
import { readResultJson } from '../resultfile.js';

export const uniformity = defineCommand({
  name: 'uniformity',
  summary: 'Steps to 1e-6 against the frequency k across widths: Newton uniform, gradient descent collapsing; measured and predicted.',
  synopsis:
    '[--out DIR] [--json FILE | --from-json FILE] [--from A] [--to B] [--train-to C] [--seeds S] [--frequencies K,...] [--points M] [--lambda0 L] [--small-lambda0 L] [--gamma G] [--newton-steps S] [--full-steps S] [--gd-steps S] [--quiet]',
  description: `
For N = 2^A ... 2^B (default 2^10 ... 2^16) tanh networks (beta = 1/2, sigma_w = sigma_b = 1),
M points on the unit circle (default 128) and targets y = sin(k t), k = 1, 2, 4, 8, 16, 32
(--frequencies; k must be < M/2: on M equispaced points sin(k t) = -sin((M - k) t)
aliases beyond, and sin(M t/2) is 0 there),
and several seeds, trains to |r|/|y| <= 1e-6 or the budget:
  newton-default      train's defaults (Gauss-Newton, adaptive damping, full Hessian after a stall)
  newton-paper        full Hessian, lambda_N = lambda0 * N^-gamma every step, alpha = 1, no damping
  newton-paper-small  the same with the smaller lambda0 of --small-lambda0
  newton-auto         full Hessian, the certified lambda ('auto') every step, alpha = 1, no damping
  gd                  gradient descent, eta = 1/mu_max of the NTK at initialisation
The full-Hessian methods and gd are trained up to 2^C (default 2^14) only, and
predicted only above (status not-run). Beside each run, what the linearised
dynamics of the kernel at initialisation predict (K_N at the method's lambda at
theta_0, K_GD at eta; per eigenmode one step multiplies the residual by 1 - mu):
the steps to 1e-6, and |r|/|y| after as many steps as the run took; and the same
at infinite width from K_inf/M (Newton: eigenvalues mu/(mu + lambda_N)). Per width
and method: the ratio steps(k_max)/steps(k_min) over the seeds, and the least-squares
slope of log ratio against log N with its standard error.

Prints a table on stdout; --json writes {"partial", "config", "runs", "limits",
"ratios", "fits"} (an infinite prediction is written as null); --out writes
uniformity-steps-METHOD.svg (one per method), uniformity-ratio.svg,
uniformity-residual.svg and uniformity-curves-METHOD.svg (the four methods with
a prediction), each file atomically. Takes about ten minutes at the defaults;
progress goes to stderr.

--from-json FILE reads a JSON written by --json instead of running the
experiment: prints its table and, with --out, redraws its figures (in seconds;
the run options are not used). --from-json A.json,B.json,... merges the results
of runs over different widths with the same other options (say one process per
width, run side by side): each width is taken from a file that holds all its
runs, the ratios and fits are recomputed over the union, and --json writes the
merged result.

Ctrl-C stops at the next training run: the run it cuts short is left out, and
the table (with a "partial" line), the JSON ("partial": true) and the figures
of the runs done (titles marked partial) are written; exit 130. A second
Ctrl-C quits at once without writing.`,
  options: {
    out: optional('DIR', 'directory for the SVG figures (created if missing)', text),
    json: optional('FILE', 'write the results as JSON', text),
    fromJson: optional('FILE[,FILE...]', 'redraw the table and figures of a JSON written by --json (several: merged by width), without running', text),
    from: withDefault('A', 'smallest width 2^A', number({ integer: true, min: 1, max: 24 }), 10),
    to: withDefault('B', 'largest width 2^B', number({ integer: true, min: 1, max: 24 }), 16),
    trainTo: withDefault('C', 'largest width 2^C at which the full-Hessian methods and gd are trained', number({ integer: true, min: 0, max: 24 }), 14),
    seeds: withDefault('S', 'seeds per width', number({ integer: true, min: 1, max: 64 }), 3),
    frequencies: withDefault('K,...', 'frequencies k of the targets sin(k t), each < M/2', integerList({ min: 1 }), [1, 2, 4, 8, 16, 32]),
    points: withDefault('M', 'number of points on the circle (> 2k for every k)', number({ integer: true, min: 4 }), 128),
    lambda0: withDefault('L', 'lambda0 of newton-paper', number({ above: 0 }), 1),
    smallLambda0: withDefault('L', 'lambda0 of newton-paper-small', number({ above: 0 }), 0.3),
    gamma: withDefault('G', 'gamma of both paper methods', number({ min: 0 }), 0.25),
    newtonSteps: withDefault('S', 'step budget of newton-default', number({ integer: true, min: 1 }), 100),
    fullSteps: withDefault('S', 'step budget of the three full-Hessian methods', number({ integer: true, min: 1 }), 50),
    gdSteps: withDefault('S', 'step budget of gradient descent', number({ integer: true, min: 1 }), 1000),
    quiet: flag('no progress on stderr'),
  },
  async run(o) {
    if (o.fromJson !== undefined) {
      const files = o.fromJson.split(',');
      if (o.json !== undefined && files.length === 1) throw new UsageError('--json cannot be given with one --from-json file (the results are already in that file)');
      const results: UniformityResult[] = [];
      for (const file of files) {
        results.push((await readResultJson(file, { partial: 'boolean', config: 'object', runs: 'array', limits: 'array', ratios: 'array', fits: 'object' })) as unknown as UniformityResult);
      }
      let result: UniformityResult;
      try {
        result = files.length === 1 ? results[0]! : mergeUniformity(results);
      } catch (error) {
        if (error instanceof RangeError) throw new UsageError(`--from-json ${o.fromJson}: ${error.message}`);
        throw error;
      }
      process.stdout.write(uniformityTable(result));
      if (o.json !== undefined) await writeResult(o.json, result);
      if (o.out !== undefined) await writeFigures('uniformity', o.out, uniformityFigures(result));
      return EXIT.ok;
    }
    if (o.to < o.from) throw new UsageError('--to must be at least --from');
    const aliased = o.frequencies.filter((k) => 2 * k >= o.points);
    if (aliased.length > 0) {
      throw new UsageError(
        `--frequencies ${aliased.join(',')} with --points ${o.points}: every k must be < M/2 = ${o.points / 2} (sin(k t) aliases on M equispaced points: sin(k t) = -sin((M - k) t) there, and sin(M t/2) = 0), so k = ${Math.max(...aliased)} needs --points ${2 * Math.max(...aliased) + 1} or more`,
      );
    }
    const ks = [...o.frequencies].sort((a, b) => a - b);
    const result = await runExperiment<UniformityResult>(
      {
        experiment: 'uniformity',
        options: {
          exponents: [o.from, o.to],
          trainTo: o.trainTo,
          ks,
          seeds: o.seeds,
          points: o.points,
          lambda0: o.lambda0,
          smallLambda0: o.smallLambda0,
          gamma: o.gamma,
          newtonSteps: o.newtonSteps,
          fullSteps: o.fullSteps,
          gdSteps: o.gdSteps,
        },
      },
      (message) => {
        if (!o.quiet && message.kind === 'uniformity-progress') status('uniformity', message.message);
      },
      () => noteOverStatus('uniformity', 'interrupted: stopping at the next run, then writing the runs done (Ctrl-C again to quit at once without writing)'),
    );
    if (!o.quiet) clearStatus();
    process.stdout.write(uniformityTable(result));
    if (o.json !== undefined) await writeResult(o.json, result);
    if (o.out !== undefined) await writeFigures('uniformity', o.out, uniformityFigures(result));
    if (!result.partial) return EXIT.ok;
    note('uniformity', `interrupted: ${result.runs.length} runs done; wrote what is done`);
    return EXIT.interrupted;
  },
});

async function writeResult(path: string, result: UniformityResult): Promise<void> {
  const { partial, config, runs, limits, ratios, fits } = result;
  await writeFileAtomic(path, `${JSON.stringify({ partial, config, runs, limits, ratios, fits }, null, 1)}\n`);
}

const count = (v: number | null) => (v === null ? '-' : Number.isFinite(v) ? (v < 1e7 ? String(v) : v.toExponential(1)) : 'never');
const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length);
/** Residuals span decades: their seed average is the geometric mean. */
const geometricMean = (values: number[]) => (values.length === 0 ? null : Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length));
const residual = (v: number | null) => (v === null ? '-' : v.toExponential(2));

/** The table of `nntk uniformity`: per width, method and k the seed mean of steps, the residuals reached and predicted, the step predictions, and the ratios and fits. */
export function uniformityTable(result: UniformityResult): string {
  const { config } = result;
  const lines = [
    `relative residual target ${config.tol}; M = ${config.points}, tanh, ${config.seeds} seeds; newton-paper lambda_N = ${config.lambda0}*N^-${config.gamma}, newton-paper-small ${config.smallLambda0}*N^-${config.gamma}; budgets: newton-default ${config.newtonSteps}, full Hessian ${config.fullSteps}, GD ${config.gdSteps} steps; trained up to N = 2^${config.trainTo}`,
    'steps: seed mean of the converged runs (converged/seeds); |r|/|y|: reached (geometric seed mean of the runs done); lin: linearised |r|/|y| after the same steps (after the budget where not run);',
    'lambda: of the kernel at theta_0 (seed mean); pred: linearised steps to the target from r_0 = f_0 - y; pred(-y): from r_0 = -y; inf: infinite width, r_0 = -y; s: seconds (seed mean of runs done)',
    '      N  method              k     steps  conv    |r|/|y|        lin    lambda         pred     pred(-y)          inf        s',
  ];
  const widths = [...new Set(result.runs.map((r) => r.width))];
  for (const width of widths) {
    for (const method of UNIFORMITY_METHODS) {
      for (const k of config.ks) {
        const runs = result.runs.filter((r) => r.width === width && r.method === method && r.k === k);
        if (runs.length === 0) continue;
        const done = runs.filter((r) => r.status === 'converged');
        const steps = mean(done.map((r) => r.steps!));
        const ran = runs.filter((r) => r.residual !== null);
        const reached = geometricMean(ran.map((r) => r.residual!));
        // Beside a measured residual, the prediction of the same runs; where none ran, the prediction alone.
        const linearised = geometricMean((ran.length > 0 ? ran : runs).map((r) => r.predictedResidual).filter((p): p is number => p !== null && p > 0));
        const lambda = mean(runs.map((r) => r.lambda).filter((l): l is number => l !== null));
        const pred = mean(runs.map((r) => r.predicted).filter((p): p is number => p !== null));
        const targetPred = mean(runs.map((r) => r.predictedTarget).filter((p): p is number => p !== null));
        const seconds = mean(ran.map((r) => r.seconds));
        const limit = result.limits.find((l) => l.width === width && l.k === k && l.method === method)?.predicted ?? null;
        const statuses = [...new Set(runs.filter((r) => r.status !== 'converged').map((r) => r.status))];
        lines.push(
          `${String(width).padStart(7)}  ${method.padEnd(18)} ${String(k).padStart(2)} ${(steps === null ? '-' : steps.toFixed(1)).padStart(9)}  ${`${done.length}/${runs.length}`.padEnd(5)} ${residual(reached).padStart(10)} ${residual(linearised).padStart(10)} ${(lambda === null ? '-' : lambda.toExponential(2)).padStart(9)} ${count(pred === null ? null : Math.round(pred)).padStart(12)} ${count(targetPred === null ? null : Math.round(targetPred)).padStart(12)} ${count(limit).padStart(12)} ${(seconds === null ? '-' : seconds.toFixed(2)).padStart(8)}${statuses.length === 0 ? '' : ` ${statuses.join(',')}`}`,
        );
      }
    }
  }
  const kLow = Math.min(...config.ks);
  const kHigh = Math.max(...config.ks);
  lines.push('', `ratio steps(${kHigh})/steps(${kLow}) per width: measured seed mean [min, max] (seeds), linearised, infinite width`);
  for (const r of result.ratios) {
    const f = (v: number | null) => (v === null ? '-' : v.toPrecision(3));
    lines.push(`${String(r.width).padStart(7)}  ${r.method.padEnd(18)} ${f(r.mean).padStart(7)} [${f(r.min)}, ${f(r.max)}] (${r.measured.length})   pred ${f(r.predicted)}   inf ${f(r.limit)}`);
  }
  // A fit of two points has no standard error (NaN), which JSON writes as null.
  for (const [method, fit] of Object.entries(result.fits) as [string, Omit<LogLogFit, 'slopeError'> & { slopeError: number | null }][]) {
    lines.push(`fit ${method}: ratio ~ N^b, b = ${fit.slope.toFixed(3)} +- ${fit.slopeError === null ? 'NaN' : fit.slopeError.toFixed(3)} (least squares of log ratio on log N, ${fit.points} points)`);
  }
  lines.push(...followedTable(result));
  const failed = result.runs.filter((r) => r.status === 'failed');
  if (failed.length > 0) lines.push('', `failed: ${failed.length} runs; first: N = ${failed[0]!.width}, seed ${failed[0]!.seed}, k = ${failed[0]!.k}, ${failed[0]!.method}: ${failed[0]!.failure}`);
  if (result.partial) lines.push(`partial: interrupted after ${result.runs.length} runs`);
  return `${lines.join('\n')}\n`;
}

/** The newton-auto runs beside the linearised dynamics with the λ each of their steps took; nothing for results without them. */
function followedTable(result: UniformityResult): string[] {
  const followed = result.runs.filter((r) => r.followedResidual !== undefined);
  if (followed.length === 0) return [];
  const lines = [
    '',
    'newton-auto against the linearised dynamics with the lambda_t of its own steps (Gauss-Newton kernel at theta_0): seed means of steps (runs converged / meeting tol),',
    'geometric seed means of |r|/|y| after the run\'s steps: measured, linearised with lambda_t, linearised with lambda frozen at step 1',
    '      N   k  steps meas.    lin(lambda_t)      |r|/|y|  lin(lambda_t)  lin(frozen)',
  ];
  for (const width of [...new Set(followed.map((r) => r.width))]) {
    for (const k of result.config.ks) {
      const runs = followed.filter((r) => r.width === width && r.k === k);
      if (runs.length === 0) continue;
      const done = runs.filter((r) => r.status === 'converged');
      const met = runs.filter((r) => r.followedSteps !== null && r.followedSteps !== undefined);
      const steps = (values: number[], of: number) => `${values.length === 0 ? '-' : mean(values)!.toFixed(1)} (${values.length}/${of})`;
      lines.push(
        `${String(width).padStart(7)} ${String(k).padStart(3)} ${steps(done.map((r) => r.steps!), runs.length).padStart(12)} ${steps(met.map((r) => r.followedSteps!), runs.length).padStart(16)}   ${residual(geometricMean(runs.map((r) => r.residual!))).padStart(10)} ${residual(geometricMean(runs.map((r) => r.followedResidual!))).padStart(14)} ${residual(geometricMean(runs.map((r) => r.predictedResidual).filter((p): p is number => p !== null && p > 0))).padStart(12)}`,
      );
    }
  }
  return lines;
}
