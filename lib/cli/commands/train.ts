/**
 * `nntk train`: regularized Newton or gradient descent to a relative residual
 * (SPEC §3, §6), in a worker thread so that SIGINT and progress keep working
 * while the synchronous training loop runs.
 */
import { writeFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { Matrix, TwoLayerNetwork } from '../../index.js';
import { choice, flag, lambda, number, optional, required, text, withDefault } from '../args.js';
import { readPoints, readTargets } from '../arrays.js';
import { defineCommand } from '../command.js';
import { EXIT, Failure, UsageError } from '../failures.js';
import { readModel, writeModel } from '../modelfiles.js';
import { Progress } from '../progress.js';
import { note, summary } from '../report.js';
import { fromArrays, JOB_KEY, toArrays, type TrainJob, type TrainOutcome, type WorkerMessage } from '../trainworker.js';

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'Train a model by regularized Newton or gradient descent.',
  synopsis: '--model DIR --x X.npy --y y.npy --method newton|gd [options] --out DIR2 [--history h.json]',
  description: `
Runs until the relative residual |f(X) - y| / |y| <= tol, or a step or time
budget is spent, and writes the last accepted model to DIR2.
newton: theta <- theta - (H + lambda I)^-1 g with Levenberg-Marquardt
  damping starting from --lambda (default auto). The curvature: by default
  Gauss-Newton (H -> J^T J / M), switching to the full Hessian for the rest
  of the run if Gauss-Newton stalls (residual down less than 2x over 5
  accepted steps); --gauss-newton never switches; --full-hessian is the
  paper's regularized Newton, lambda never below the certified auto lambda.
  --max-steps counts accepted steps, --max-attempts all attempts.
gd: theta <- theta - eta g, eta = --lr or 1/mu_max(K_GD) at the start.

--history writes {"method", "reason", "residual", "steps", "attempts",
"history": [...]} ("lr" too for gd): steps accepted, attempts made, and one
history entry per attempt as the library returns them: {"step",
"acceptedSteps", "loss", "residual", "lambda", "hessian", "accepted",
"seconds"}. reason is converged, max-steps, max-attempts, max-seconds,
aborted, stalled or diverged.

Progress goes to stderr: a status line redrawn in place on a terminal, else a
line a second (--quiet: none). stdout: one JSON line {"method", "reason",
"residual", "steps", "attempts"}. Ctrl-C stops at the next step boundary and
writes the model and history (exit 130); a second Ctrl-C quits at once
without writing.
If the loss becomes NaN or infinite, the last finite model and the history
are written and the exit status is 1.`,
  options: {
    model: required('DIR', 'model directory to start from', text),
    x: required('X.npy', 'training points, M x d', text),
    y: required('y.npy', 'targets, M or M x 1', text),
    method: required('M', 'newton or gd', choice(['newton', 'gd'] as const)),
    lambda: optional('L', "newton: starting lambda > 0 or 'auto' (default auto)", lambda),
    gaussNewton: flag('newton: Gauss-Newton steps only'),
    fullHessian: flag('newton: full-Hessian steps only'),
    tol: withDefault('T', 'target relative residual |r|/|y|', number({ above: 0 }), 1e-6),
    maxSteps: optional('S', 'budget of accepted steps (default: the library\'s, 100 for newton, 10000 for gd)', number({ integer: true, min: 0 })),
    maxAttempts: optional('A', 'newton: budget of attempts, rejected steps included (default 10 x max-steps)', number({ integer: true, min: 0 })),
    maxSeconds: optional('S', 'time budget in seconds (default: none)', number({ above: 0 })),
    lr: optional('ETA', 'gd: step size eta > 0 (default 1/mu_max(K_GD))', number({ above: 0 })),
    out: required('DIR2', 'model directory to write', text),
    history: optional('h.json', 'run history to write', text),
    quiet: flag('no progress output'),
  },
  async run(o) {
    const newtonOnly = [[o.lambda !== undefined, '--lambda'], [o.gaussNewton, '--gauss-newton'], [o.fullHessian, '--full-hessian'], [o.maxAttempts !== undefined, '--max-attempts']] as const;
    for (const [given, name] of o.method === 'gd' ? newtonOnly : ([[o.lr !== undefined, '--lr']] as const)) {
      if (given) throw new UsageError(`${name} does not apply to --method ${o.method}`);
    }
    if (o.gaussNewton && o.fullHessian) throw new UsageError('give --gauss-newton or --full-hessian, not both');
    const net = await readModel(o.model);
    const X = await readPoints(o.x, net.config.dim);
    const y = await readTargets(o.y, X.rows, o.x);

    const budget = { tol: o.tol, ...(o.maxSteps === undefined ? {} : { maxSteps: o.maxSteps }), ...(o.maxSeconds === undefined ? {} : { maxSeconds: o.maxSeconds }) };
    const options: TrainJob['options'] =
      o.method === 'gd'
        ? { method: 'gd', ...budget, ...(o.lr === undefined ? {} : { lr: o.lr }) }
        : {
            method: 'newton',
            ...budget,
            ...(o.lambda === undefined ? {} : { lambda: o.lambda }),
            ...(o.maxAttempts === undefined ? {} : { maxAttempts: o.maxAttempts }),
            ...(o.gaussNewton ? { hessian: 'gauss-newton' as const } : o.fullHessian ? { hessian: 'full' as const } : {}),
          };
    const progress = o.quiet ? null : new Progress(process.stderr, budget);
    const outcome = await runWorker(net, X, y, options, progress);

    await writeModel(o.out, fromArrays(outcome.net));
    const { steps, attempts } = outcome;
    const record = { method: o.method, reason: outcome.reason, residual: outcome.residual, steps, attempts, ...(outcome.lr === undefined ? {} : { lr: outcome.lr }) };
    if (o.history !== undefined) await writeFile(o.history, `${JSON.stringify({ ...record, history: outcome.history })}\n`);
    const wrote = `wrote ${o.out}${o.history === undefined ? '' : ` and ${o.history}`}`;
    if (outcome.diverged !== null) {
      throw new Failure(`${outcome.diverged}; ${wrote} (the last finite model)`);
    }
    summary({ method: o.method, reason: outcome.reason, residual: outcome.residual, steps, attempts });
    if (outcome.reason === 'aborted') {
      note('train', `interrupted after step ${steps} at residual ${outcome.residual}; ${wrote}`);
      return EXIT.interrupted;
    }
    note('train', `stopped (${outcome.reason}) after ${steps} steps (${attempts} attempts) at residual ${outcome.residual}; ${wrote}`);
    return EXIT.ok;
  },
});

/** Runs train in a worker; the first SIGINT asks it to stop at the next step, a second one has the default effect. */
function runWorker(net: TwoLayerNetwork, X: Matrix, y: Float64Array, options: TrainJob['options'], progress: Progress | null): Promise<TrainOutcome> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const job: TrainJob = { net: toArrays(net), X: { rows: X.rows, cols: X.cols, data: X.data }, y, options, stop };
  const interrupt = () => {
    Atomics.store(stop, 0, 1);
    const message = 'interrupted: stopping after the current step (Ctrl-C again to quit at once without writing)';
    if (progress === null) note('train', message);
    else progress.interject(`nntk train: ${message}`);
  };
  process.once('SIGINT', interrupt);
  const worker = new Worker(new URL('../trainworker.js', import.meta.url), { workerData: { [JOB_KEY]: job } });
  return new Promise<TrainOutcome>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'progress') progress?.update(message.entry);
      else if (message.kind === 'done') resolve(message.outcome);
      else reject(new Failure(message.message));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Failure(`the training worker exited (code ${code}) without a result`)));
  }).then(
    (outcome) => {
      process.off('SIGINT', interrupt);
      progress?.finish(outcome.history[outcome.history.length - 1]!);
      return outcome;
    },
    (error: unknown) => {
      process.off('SIGINT', interrupt);
      progress?.finish(null);
      throw error;
    },
  );
}
