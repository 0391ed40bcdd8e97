/**
 * `nntk train`: regularized Newton or gradient descent to a relative residual
 * (docs/math.md §3, §6), through trainAsync (a worker thread) so that SIGINT, progress and checkpoint
 * writes keep working while the synchronous training loop runs. The model
 * goes to --out as a unit (writeModel), with train.json: the run record
 * (method, reason, residual, steps, seconds, lr, history) that --resume
 * continues from.
 */
import {
  DivergenceError,
  trainAsync,
  writeFileAtomic,
  type HistoryEntry,
  type Matrix,
  type StopReason,
  type TrainAsyncOptions,
  type TrainCheckpoint,
  type TrainResult,
  type TwoLayerNetwork,
} from '../../index.js';
import { choice, flag, lambda, number, optional, required, text, withDefault } from '../args.js';
import { readPoints, readTargets } from '../arrays.js';
import { Checkpoints } from '../checkpoints.js';
import { defineCommand } from '../command.js';
import { EXIT, Failure, UsageError } from '../failures.js';
import { readModel, writeModel } from '../modelfiles.js';
import { Progress } from '../progress.js';
import { note, summary } from '../report.js';
import { continueHistory, lastOf, readResumable, type RunRecord } from '../runrecord.js';

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'Train a model by regularized Newton or gradient descent.',
  synopsis: '--model DIR --x X.npy --y y.npy --method newton|gd [options] [--x-val Xv.npy --y-val yv.npy [--patience K]] --out DIR2 [--history h.json] [--checkpoint-every S] [--checkpoint-steps K] [--resume]',
  description: `
Runs until the relative residual |f(X) - y| / |y| <= tol, or a step or time
budget is spent, and writes the last accepted model to DIR2. For a model of
C > 1 outputs y.npy is M x C (the loss |f(X) - y|^2 / (2M) over all entries).
newton: theta <- theta - (H + lambda I)^-1 g with Levenberg-Marquardt
  damping starting from --lambda (default auto). The curvature: by default
  Gauss-Newton (H -> J^T J / M), switching to the full Hessian for the rest
  of the run if Gauss-Newton stalls (residual down less than 2x over 15
  accepted steps); --gauss-newton never switches; --full-hessian is the
  paper's regularized Newton, lambda never below the certified auto lambda.
  --max-steps counts accepted steps, --max-attempts all attempts.
gd: theta <- theta - eta g, eta = --lr or 1/mu_max(K_GD) at the start.

DIR2 is written as a unit: whatever instant the command is killed at, or if
the disk fills up, DIR2 holds its previous model or the new one, whole
(DIR2 may be DIR). Besides the model files it gets train.json, the run
record {"method", "reason", "residual", "steps", "attempts", "seconds",
"history": [...]} ("lr" too for gd): steps accepted, attempts made; other
files in DIR2 are kept. --history writes the same record to a file of its
own. A history entry is one attempt as the library returns it: {"step",
"acceptedSteps", "loss", "residual", "lambda", "hessian", "accepted",
"seconds"}. reason is converged, max-steps, max-attempts, max-seconds,
aborted, stalled, diverged, or checkpoint (training was still running).

Checkpoints: --checkpoint-every S and --checkpoint-steps K write the
parameters in force and the history so far to DIR2 (and --history), the same
way, after the first attempt that ends S seconds or K attempts after the
previous checkpoint (either or both).
--resume continues the run recorded in DIR2/train.json (a checkpoint or a
finished run) instead of starting from DIR, which is then not read: the
history is appended to (step numbers and seconds continue), the budgets
--max-steps, --max-attempts and --max-seconds count the whole run, newton
continues from the lambda and the curvature of the last attempt and gd with
the recorded eta (--lambda and --lr apply to a fresh start only). --method
must be the recorded one. Without DIR2/train.json (no checkpoint was written
yet), the run starts from DIR.

Progress goes to stderr: a status line redrawn in place on a terminal, else a
line a second (--quiet: none). stdout: one JSON line {"method", "reason",
"residual", "steps", "attempts"}. Ctrl-C stops at the next step boundary and
writes the model and history (exit 130); a second Ctrl-C quits at once
without writing.
If the loss becomes NaN or infinite, the last finite model and the history
are written and the exit status is 1.

Validation: with --x-val Xv.npy --y-val yv.npy every history entry gains
"validationLoss" = |f(Xv) - yv|^2 / (2 Mv) and, when every target of yv is
+1 or -1, "validationAccuracy" (the fraction with sign f = y; for a model of
C > 1 outputs, yv is Mv x C and when every row is one-hot the fraction where
the largest output is the row's 1); the record
gains "best" {"step", "acceptedSteps", "validationLoss"}, the entry of the
lowest validation loss. --patience K stops (reason patience) after K accepted
steps without a lower validation loss, and DIR2 gets the best model, not the
last, whatever the reason training stopped (not with --resume).`,
  options: {
    model: required('DIR', 'model directory to start from', text),
    x: required('X.npy', 'training points, M x d', text),
    y: required('y.npy', 'targets, M or M x 1 (M x C for C outputs)', text),
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
    history: optional('h.json', 'run record to write', text),
    checkpointEvery: optional('S', 'write a checkpoint to DIR2 every S seconds', number({ above: 0 })),
    checkpointSteps: optional('K', 'write a checkpoint to DIR2 every K steps', number({ integer: true, min: 1 })),
    resume: flag('continue the run recorded in DIR2/train.json'),
    xVal: optional('Xv.npy', 'validation points, Mv x d', text),
    yVal: optional('yv.npy', 'validation targets, Mv or Mv x 1 (Mv x C for C outputs)', text),
    patience: optional('K', 'stop after K accepted steps without a lower validation loss; keep the best model', number({ integer: true, min: 1 })),
    quiet: flag('no progress output'),
  },
  async run(o) {
    const newtonOnly = [[o.lambda !== undefined, '--lambda'], [o.gaussNewton, '--gauss-newton'], [o.fullHessian, '--full-hessian'], [o.maxAttempts !== undefined, '--max-attempts']] as const;
    for (const [given, name] of o.method === 'gd' ? newtonOnly : ([[o.lr !== undefined, '--lr']] as const)) {
      if (given) throw new UsageError(`${name} does not apply to --method ${o.method}`);
    }
    if (o.gaussNewton && o.fullHessian) throw new UsageError('give --gauss-newton or --full-hessian, not both');
    if ((o.xVal === undefined) !== (o.yVal === undefined)) throw new UsageError('--x-val and --y-val go together');
    if (o.patience !== undefined && o.xVal === undefined) throw new UsageError('--patience needs a validation set (--x-val and --y-val)');
    // The best model of the earlier parts is not in the record: patience would restart from the checkpoint's.
    if (o.patience !== undefined && o.resume) throw new UsageError('--patience does not combine with --resume');
    const previous = o.resume ? await readResumable(o.out, o.method) : null;
    if (o.resume && previous === null) note('train', `--resume: ${o.out} has no train.json yet; starting from ${o.model}`);
    const net = previous === null ? await readModel(o.model) : await readModel(o.out);
    if (previous !== null) note('train', `resuming the run in ${o.out} after step ${previous.steps} (${previous.seconds.toFixed(1)} s)`);
    const X = await readPoints(o.x, net.config.dim);
    const y = await readTargets(o.y, X.rows, o.x, net.outputs);
    const xVal = o.xVal === undefined ? undefined : await readPoints(o.xVal, net.config.dim);
    const validation = xVal === undefined ? {} : { validation: { x: xVal, y: await readTargets(o.yVal!, xVal.rows, o.xVal!, net.outputs) }, ...(o.patience === undefined ? {} : { patience: o.patience }) };

    const done = { steps: previous?.steps ?? 0, attempts: previous?.attempts ?? 0, seconds: previous?.seconds ?? 0 };
    const maxSteps = o.maxSteps ?? (o.method === 'newton' ? 100 : 10_000);
    // The library's default for newton, counted over the whole run when resuming.
    const maxAttempts = o.maxAttempts ?? 10 * maxSteps;
    const budget = {
      ...validation,
      tol: o.tol,
      maxSteps: Math.max(0, maxSteps - done.steps),
      // The library needs a time budget > 0; the smallest one stops before the first step.
      ...(o.maxSeconds === undefined ? {} : { maxSeconds: Math.max(Number.MIN_VALUE, o.maxSeconds - done.seconds) }),
    };
    const last = previous === null ? undefined : lastOf(previous.history, (e) => e.lambda !== null);
    const startLambda = previous === null ? o.lambda : (last?.lambda ?? undefined);
    // 'auto' switches to the full Hessian for good once Gauss–Newton stalls: a resumed run that had switched stays switched.
    const curvature = o.gaussNewton ? 'gauss-newton' : o.fullHessian || last?.hessian === 'full' ? 'full' : undefined;
    const lr = previous === null ? o.lr : previous.lr;
    const options: TrainAsyncOptions =
      o.method === 'gd'
        ? { method: 'gd', ...budget, ...(lr === undefined ? {} : { lr }) }
        : {
            method: 'newton',
            ...budget,
            maxAttempts: Math.max(0, maxAttempts - done.attempts),
            ...(startLambda === undefined ? {} : { lambda: startLambda }),
            ...(curvature === undefined ? {} : { hessian: curvature }),
          };
    const record = (history: HistoryEntry[], seconds: number, reason: StopReason | 'checkpoint', lrUsed: number | undefined, result?: TrainResult): RunRecord => {
      const whole = previous === null ? history : continueHistory(previous, history);
      const steps = whole.at(-1)!.acceptedSteps;
      // With patience the model written is the best one, and the residual recorded is its own.
      const residual = o.patience !== undefined && result !== undefined ? result.residual : lastOf(whole, (e) => e.accepted)!.residual;
      const best = o.xVal === undefined ? {} : { best: bestOf(whole) };
      return { method: o.method, reason, residual, steps, attempts: whole.length - 1, seconds: done.seconds + seconds, ...(lrUsed === undefined ? {} : { lr: lrUsed }), ...best, history: whole };
    };
    const save = async (model: TwoLayerNetwork, run: RunRecord) => {
      await writeModel(o.out, model, run);
      if (o.history !== undefined) await writeFileAtomic(o.history, `${JSON.stringify(run)}\n`);
    };
    const progress = o.quiet ? null : new Progress(process.stderr, { ...budget, maxSteps });
    const checkpoints = new Checkpoints(async (c) => save(c.net, record(c.history, c.seconds, 'checkpoint', c.lr)), (message) => {
      if (progress === null) note('train', message);
      else progress.interject(`nntk train: ${message}`);
    });
    const checkpointing = o.checkpointSteps !== undefined || o.checkpointEvery !== undefined;
    const checkpoint = {
      ...(o.checkpointSteps === undefined ? {} : { steps: o.checkpointSteps }),
      ...(o.checkpointEvery === undefined ? {} : { seconds: o.checkpointEvery }),
      onCheckpoint: (c: TrainCheckpoint) => checkpoints.offer(c),
    };
    const outcome = await runTraining(net, X, y, checkpointing ? { ...options, checkpoint } : options, progress, done);
    await checkpoints.settled();

    const { result } = outcome;
    const run = record(result.history, outcome.seconds, result.reason, result.lr, result);
    await save(result.net, run);
    const { steps, attempts, residual } = run;
    const wrote = `wrote ${o.out}${o.history === undefined ? '' : ` and ${o.history}`}`;
    if (outcome.diverged !== null) {
      throw new Failure(`${outcome.diverged}; ${wrote} (the last finite model)`);
    }
    summary({ method: o.method, reason: result.reason, residual, steps, attempts, ...(run.best === undefined ? {} : { best: run.best }) });
    if (result.reason === 'aborted') {
      note('train', `interrupted after step ${steps} at residual ${residual}; ${wrote}`);
      return EXIT.interrupted;
    }
    note('train', `stopped (${result.reason}) after ${steps} steps (${attempts} attempts) at residual ${residual}; ${wrote}`);
    return EXIT.ok;
  },
});

/**
 * The accepted entry of the lowest validation loss over the whole run (resumed parts included),
 * the earliest of equals: the rule by which train keeps its best parameters.
 */
function bestOf(history: readonly HistoryEntry[]): { step: number; acceptedSteps: number; validationLoss: number } {
  // A resumed part that had no validation set has no scores: only the scored entries compete.
  let best: { step: number; acceptedSteps: number; validationLoss: number } | null = null;
  for (const { accepted, validationLoss, step, acceptedSteps } of history) {
    if (accepted && validationLoss !== undefined && (best === null || validationLoss < best.validationLoss)) best = { step, acceptedSteps, validationLoss };
  }
  return best!;
}

/**
 * Runs trainAsync; the first SIGINT aborts it at the next step boundary, a second one has the default
 * effect. A DivergenceError resolves to its result, with the message beside it.
 */
async function runTraining(
  net: TwoLayerNetwork,
  X: Matrix,
  y: Float64Array,
  options: TrainAsyncOptions,
  progress: Progress | null,
  offset: { steps: number; attempts: number },
): Promise<{ result: TrainResult; diverged: string | null; seconds: number }> {
  const controller = new AbortController();
  const interrupt = () => {
    controller.abort();
    const message = 'interrupted: stopping after the current step (Ctrl-C again to quit at once without writing)';
    if (progress === null) note('train', message);
    else progress.interject(`nntk train: ${message}`);
  };
  // Progress counts the steps of the whole run when resuming.
  const shown = (entry: HistoryEntry): HistoryEntry => ({ ...entry, step: entry.step + offset.attempts, acceptedSteps: entry.acceptedSteps + offset.steps });
  process.once('SIGINT', interrupt);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const outcome = await trainAsync(net, X, y, { ...options, signal: controller.signal, onProgress: (entry) => progress?.update(shown(entry)) }).then(
      (result) => ({ result, diverged: null, seconds: seconds() }),
      (error: unknown) => {
        if (error instanceof DivergenceError) return { result: error.result, diverged: error.message, seconds: seconds() };
        throw error;
      },
    );
    progress?.finish(shown(outcome.result.history.at(-1)!));
    return outcome;
  } catch (error) {
    progress?.finish(null);
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
  }
}
