/**
 * `nntk demo`: the spectral-bias experiment of docs/math.md §6, with a table, JSON
 * and SVG figures. The experiment runs in a worker (experimentrunner) so
 * that Ctrl-C can stop it and still write what is done.
 */
import { demoFigures, type DemoResult } from '../../experiments/demo.js';
import { writeFileAtomic, type HistoryEntry } from '../../index.js';
import { flag, number, optional, text, withDefault } from '../args.js';
import { defineCommand } from '../command.js';
import { runExperiment } from '../experimentrunner.js';
import { EXIT } from '../failures.js';
import { Progress } from '../progress.js';
import { note, writeFigures } from '../report.js';

export const demo = defineCommand({
  name: 'demo',
  summary: 'Gradient descent against regularized Newton on sin(k t): spectral bias in one table and four plots.',
  synopsis: '[--out DIR] [--json FILE] [--gd-seconds S] [--width N] [--points M] [--seed S] [--quiet]',
  description: `
M points on the unit circle, x_j = (cos t_j, sin t_j), t_j = 2 pi j / M, targets
y = sin(k t) for k = 1, 2, 4, 8, 16; one tanh network of width N (seeded), trained
from the same initial parameters by gradient descent (eta = 1/mu_max of the NTK)
and by regularized Newton (library defaults) to a relative residual |r|/|y| of
1e-6, or until the budget: 100 Newton steps, --gd-seconds of gradient descent per k.

Prints a table on stdout: per k and method the steps, seconds, final relative
residual and whether 1e-6 was reached. With --out, writes the figures:
  spectra.svg              eigenvalues of the NTK and of the Newton NTK at initialisation
  target-content.svg       where each target sin(k t) lives in the NTK's eigenbasis
  residual-vs-step.svg     relative residual against step, per k and method
  residual-vs-seconds.svg  the same against time
With --json, writes {"partial", "rows": [{"k", "method", "steps", "seconds", "residual",
"reached"}, ...], "config", "lr", "spectra": {"ntk", "nntk"}}. Progress goes to stderr.
Every file is written atomically (the previous one stays whole until the new one is).

Ctrl-C stops at the next training step: the run it cuts short is left out,
and the table (with a "partial" line), the JSON ("partial": true) and the
figures of the runs done (titles marked partial) are written; exit 130. A
second Ctrl-C quits at once without writing.`,
  options: {
    out: optional('DIR', 'directory for the SVG figures (created if missing)', text),
    json: optional('FILE', 'write the results as JSON', text),
    gdSeconds: withDefault('S', 'gradient descent time budget per k, in seconds', number({ min: 0.01 }), 10),
    width: withDefault('N', 'network width', number({ integer: true, min: 2 }), 4096),
    points: withDefault('M', 'number of points on the circle', number({ integer: true, min: 4 }), 64),
    seed: withDefault('S', 'initialisation seed', number({ integer: true, min: 0, max: 2 ** 32 - 1 }), 0),
    quiet: flag('no progress on stderr'),
  },
  async run(o) {
    let progress: Progress | null = null;
    let current = '';
    let last: HistoryEntry | null = null;
    const result = await runExperiment<DemoResult>(
      { experiment: 'demo', options: { gdSeconds: o.gdSeconds, width: o.width, points: o.points, seed: o.seed } },
      (message) => {
        if (o.quiet || message.kind !== 'demo-progress') return;
        const { k, method, entry } = message;
        const label = `nntk demo k=${k} ${method === 'newton' ? 'Newton' : 'GD'}`;
        if (label !== current) {
          progress?.finish(last);
          current = label;
          progress = new Progress(process.stderr, method === 'newton' ? { tol: 1e-6, maxSteps: 100 } : { tol: 1e-6, maxSeconds: o.gdSeconds }, label);
        }
        progress!.update(entry);
        last = entry;
      },
      () => {
        const message = 'interrupted: stopping at the next step, then writing the runs done (Ctrl-C again to quit at once without writing)';
        if (progress === null) note('demo', message);
        else progress.interject(`nntk demo: ${message}`);
      },
    );
    (progress as Progress | null)?.finish(last);
    process.stdout.write(table(result));
    if (o.json !== undefined) {
      const { partial, rows, config, lr, spectra } = result;
      await writeFileAtomic(o.json, `${JSON.stringify({ partial, rows, config, lr, spectra }, null, 1)}\n`);
    }
    if (o.out !== undefined) await writeFigures('demo', o.out, demoFigures(result));
    if (!result.partial) return EXIT.ok;
    note('demo', `interrupted: ${result.rows.length} of ${2 * result.config.ks.length} runs done; wrote what is done`);
    return EXIT.interrupted;
  },
});

function table(result: DemoResult): string {
  const lines = [
    `relative residual target 1e-6; M = ${result.config.points}, N = ${result.config.width}, tanh; GD eta = ${result.lr === null ? 'n/a' : result.lr.toPrecision(4)}`,
    '  k  method      steps   seconds   residual   reached',
  ];
  for (const r of result.rows) {
    lines.push(
      `${String(r.k).padStart(3)}  ${(r.method === 'newton' ? 'Newton' : 'GD').padEnd(8)} ${String(r.steps).padStart(8)} ${r.seconds.toFixed(2).padStart(9)}   ${r.residual.toExponential(2).padStart(8)}   ${r.reached ? 'yes' : 'no (budget)'}`,
    );
  }
  if (result.partial) lines.push(`partial: interrupted after ${result.rows.length} of ${2 * result.config.ks.length} runs`);
  return `${lines.join('\n')}\n`;
}
