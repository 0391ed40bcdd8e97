/**
 * `nntk converge`: finite width against the infinite-width limit (docs/math.md §5),
 * with a table, JSON and SVG figures. The experiment runs in a worker
 * (experimentrunner) so that Ctrl-C can stop it and still write what is done.
 */
import { convergeFigures, type ConvergeResult } from '../../experiments/converge.js';
import { writeFileAtomic } from '../../index.js';
import { flag, number, optional, text, withDefault } from '../args.js';
import { defineCommand } from '../command.js';
import { runExperiment } from '../experimentrunner.js';
import { EXIT, UsageError } from '../failures.js';
import { clearStatus, note, noteOverStatus, status, writeFigures } from '../report.js';
import { readResultJson } from '../resultfile.js';

export const converge = defineCommand({
  name: 'converge',
  summary: 'Measure how the finite-width kernels and the Newton flow approach their infinite-width limits.',
  synopsis: '[--out DIR] [--json FILE | --from-json FILE] [--from A] [--to B] [--seeds S] [--points M] [--quiet]',
  description: `
For N = 2^A ... 2^B (default 2^8 ... 2^16) tanh networks (beta = 1/2, sigma_w = sigma_b = 1),
M points on the unit circle and y = sin(2t), averaged over seeds:
  ntk        relative Frobenius distance of K_GD(N) to K_inf/M (theory: slope -1/2)
  nntk       the same for the full-Hessian K_N with lambda_N = N^(-1/4) against
             (K_inf/M)(lambda_N I + K_inf/M)^-1
  cert       min_i lambda_min(S_i + lambda_N I), the kernel path's certificate
  movement   max|theta - theta_0| after Newton training to 1e-6 (the lazy regime)
  flow       max over t in [0, 2] of |f_t - f_inf_t|/|y|: the Newton flow of the
             finite network (Heun's method, steps alpha = 0.05) against the limit
             equation f_t = y + exp(-t K_N_inf)(f_0 - y)
and the least-squares slopes of log(quantity) against log N. Prints a table on
stdout; --json writes {"partial", "rows", "slopes", "config", "discretization"}; --out
writes limit-distance.svg, certificate.svg and movement.svg, each file atomically.
Takes several minutes at the defaults; progress goes to stderr.

--from-json FILE reads a JSON written by --json instead of running the
experiment: prints its table and, with --out, redraws its figures (the run
options are not used, and --json cannot be given with it). A JSON without
"partial" is partial when it has fewer rows than widths.

Ctrl-C stops at the next seed: the width it cuts short is left out, and the
table (with a "partial" line), the JSON ("partial": true) and the figures of
the widths done (titles marked partial; none when no width is done) are
written; exit 130. A second Ctrl-C quits at once without writing.`,
  options: {
    out: optional('DIR', 'directory for the SVG figures (created if missing)', text),
    json: optional('FILE', 'write the results as JSON', text),
    fromJson: optional('FILE', 'redraw the table and figures of a JSON written by --json, without running', text),
    from: withDefault('A', 'smallest width 2^A', number({ integer: true, min: 2, max: 24 }), 8),
    to: withDefault('B', 'largest width 2^B', number({ integer: true, min: 2, max: 24 }), 16),
    seeds: withDefault('S', 'seeds averaged per width', number({ integer: true, min: 1, max: 64 }), 4),
    points: withDefault('M', 'number of points on the circle', number({ integer: true, min: 4 }), 32),
    quiet: flag('no progress on stderr'),
  },
  async run(o) {
    if (o.fromJson !== undefined) {
      if (o.json !== undefined) throw new UsageError('--json cannot be given with --from-json (the results are already in that file)');
      const json = await readResultJson(o.fromJson, { rows: 'array', slopes: 'object', config: 'object', discretization: 'number' });
      const stored = json as unknown as Omit<ConvergeResult, 'partial'> & { partial?: boolean };
      // A JSON written before "partial" was recorded: partial when widths are missing.
      const partial = stored.partial ?? stored.rows.length < stored.config.exponents[1] - stored.config.exponents[0] + 1;
      const result: ConvergeResult = { ...stored, partial };
      process.stdout.write(table(result));
      if (o.out !== undefined) await writeFigures('converge', o.out, convergeFigures(result));
      return EXIT.ok;
    }
    if (o.to - o.from < 1) throw new UsageError('--to must exceed --from (a slope needs two widths)');
    const result = await runExperiment<ConvergeResult>(
      { experiment: 'converge', options: { exponents: [o.from, o.to], seeds: o.seeds, points: o.points } },
      (message) => {
        if (!o.quiet && message.kind === 'converge-progress') status('converge', message.message);
      },
      () => noteOverStatus('converge', 'interrupted: stopping at the next seed, then writing the widths done (Ctrl-C again to quit at once without writing)'),
    );
    if (!o.quiet) clearStatus();
    process.stdout.write(table(result));
    if (o.json !== undefined) {
      const { partial, rows, slopes, config, discretization } = result;
      await writeFileAtomic(o.json, `${JSON.stringify({ partial, rows, slopes, config, discretization }, null, 1)}\n`);
    }
    if (o.out !== undefined) await writeFigures('converge', o.out, convergeFigures(result));
    if (!result.partial) return EXIT.ok;
    note('converge', `interrupted: ${result.rows.length} of ${o.to - o.from + 1} widths done; wrote what is done`);
    return EXIT.interrupted;
  },
});

function table(result: ConvergeResult): string {
  const e = (v: number) => v.toExponential(2).padStart(10);
  const lines = [
    `M = ${result.config.points}, ${result.config.activation}, ${result.config.seeds} seeds; lambda_N = ${result.config.lambda0}*N^-${result.config.gamma}`,
    '      N   lambda_N         ntk        nntk        cert    movement        flow',
  ];
  for (const r of result.rows) {
    lines.push(`${String(r.width).padStart(7)} ${e(r.lambda)}  ${e(r.ntkDistance)}  ${e(r.nntkDistance)}  ${e(r.certificate)}  ${e(r.movement)}  ${e(r.flowDistance)}`);
  }
  const s = result.slopes;
  lines.push(`slopes (log-log, theory -0.5 for the distances): ntk ${s.ntk.toFixed(3)}, nntk ${s.nntk.toFixed(3)}, movement ${s.movement.toFixed(3)}, flow ${s.flow.toFixed(3)}`);
  lines.push(`time-discretization floor of the flow comparison at the largest N: ${result.discretization.toExponential(2)}`);
  if (result.partial) lines.push(`partial: interrupted after ${result.rows.length} of ${result.config.exponents[1] - result.config.exponents[0] + 1} widths`);
  return `${lines.join('\n')}\n`;
}
