/** `nntk demo`: the spectral-bias experiment of SPEC §6, with a table, JSON and SVG figures. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { demoFigures, runDemo, type DemoResult, type Method } from '../../experiments/demo.js';
import type { HistoryEntry } from '../../index.js';
import { flag, number, optional, text, withDefault } from '../args.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../failures.js';
import { Progress } from '../progress.js';
import { note } from '../report.js';

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
With --json, writes {"rows": [{"k", "method", "steps", "seconds", "residual", "reached"}, ...],
"config", "lr", "spectra": {"ntk", "nntk"}}. Progress goes to stderr.`,
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
    const onProgress = (k: number, method: Method, entry: HistoryEntry) => {
      if (o.quiet) return;
      const label = `nntk demo k=${k} ${method === 'newton' ? 'Newton' : 'GD'}`;
      if (label !== current) {
        progress?.finish(last);
        current = label;
        progress = new Progress(process.stderr, method === 'newton' ? { tol: 1e-6, maxSteps: 100 } : { tol: 1e-6, maxSeconds: o.gdSeconds }, label);
      }
      progress!.update(entry);
      last = entry;
    };
    const result = runDemo({ gdSeconds: o.gdSeconds, width: o.width, points: o.points, seed: o.seed, onProgress });
    (progress as Progress | null)?.finish(last);
    process.stdout.write(table(result));
    if (o.json !== undefined) {
      const { rows, config, lr, spectra } = result;
      await writeFile(o.json, `${JSON.stringify({ rows, config, lr, spectra }, null, 1)}\n`);
    }
    if (o.out !== undefined) {
      await mkdir(o.out, { recursive: true });
      for (const [name, svg] of Object.entries(demoFigures(result))) await writeFile(join(o.out, name), svg);
      note('demo', `wrote the figures to ${o.out}`);
    }
    return EXIT.ok;
  },
});

function table(result: DemoResult): string {
  const lines = [
    `relative residual target 1e-6; M = ${result.config.points}, N = ${result.config.width}, tanh; GD eta = ${result.lr.toPrecision(4)}`,
    '  k  method      steps   seconds   residual   reached',
  ];
  for (const r of result.rows) {
    lines.push(
      `${String(r.k).padStart(3)}  ${(r.method === 'newton' ? 'Newton' : 'GD').padEnd(8)} ${String(r.steps).padStart(8)} ${r.seconds.toFixed(2).padStart(9)}   ${r.residual.toExponential(2).padStart(8)}   ${r.reached ? 'yes' : 'no (budget)'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
