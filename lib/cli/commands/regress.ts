/**
 * `nntk regress`: the kernel-regression predictors of docs/math.md §9 at test
 * points, from a model's empirical kernels (--model) or the infinite-width
 * limit kernels (--limit).
 */
import {
  ACTIVATIONS,
  defaultLearningRate,
  limitKernel,
  limitPrediction,
  Matrix,
  networkPrediction,
  spectrum,
  type Activation,
  type NetworkPredictorOptions,
  type PredictionTime,
  type Prediction,
} from '../../index.js';
import { choice, flag, lambda, number, optional, required, text, withDefault } from '../args.js';
import { readArray, readTargets, shapeText, writeMatrix, writeVector } from '../arrays.js';
import { defineCommand } from '../command.js';
import { EXIT, Failure, UsageError } from '../failures.js';
import { readModel } from '../modelfiles.js';
import { note } from '../report.js';

export const regress = defineCommand({
  name: 'regress',
  summary: 'Write the linearised (kernel-regression) prediction of gradient or Newton flow at test points.',
  synopsis:
    '(--model DIR | --limit A [--sigma-w S] [--sigma-b S] [--no-bias]) --x X.npy --y y.npy --x-test Xs.npy [--kind ntk|nntk] [--lambda L] [--gauss-newton] [--time T|inf | --steps S [--step-size A]] [--ridge R] [--outputs trace|full] --out f.npy [--train-out fX.npy]',
  description: `
With K the M x M kernel of the training points X, K* = K(Xs, X) its
cross-kernel, r0 = f0(X) - y and rho the ridge:
  f(Xs) = f0(Xs) - K* w,   w = phi(K + rho I) r0,
  phi(mu) = (1 - exp(-t mu)) / mu          --time T (flow for a time T)
  phi(mu) = (1 - (1 - a mu)^S) / mu        --steps S --step-size a
  phi(mu) = 1 / mu                         --time inf (the default)
--kind ntk (default): gradient flow, K = K_GD = J J^T / M, the convention of
  neural-tangents' predict.gradient_descent_mse for one output; with --steps,
  S steps of gradient descent of size a (default 1/mu_max(K_GD)).
--kind nntk: Newton flow, K = K_N = J (H + lambda I)^-1 J^T / M (full Hessian,
  needing y; --gauss-newton for H -> G); --steps S --step-size a is S Newton
  steps of size a (default 1) of the linearised model.
--model DIR: the kernels and f0 of the model's parameters (lambda auto by default).
--limit A: the infinite-width kernels of 'nntk limit' (activation A), f0 = 0;
  --kind nntk needs a fixed --lambda.
The time t is that of dtheta/dt = -grad L with L = |f(X) - y|^2 / (2M): t = S eta
for S gradient steps of size eta.
Writes f(Xs) to --out (M2,) and, with --train-out, f(X) (M,): the linearised
training dynamics at the same time. Inputs: X.npy (M x d), y.npy (M or M x 1),
Xs.npy (M2 x d), float64.
C outputs (docs/math.md section 8): y.npy is M x C and the predictions M2 x C
and M x C. With --model (a model of C outputs) the kernels are the full
(M C) x (M C) ones by default, the linearised network's own dynamics;
--outputs trace regresses each output on the M x M traced kernel
(neural-tangents' convention). With --limit, C is y's number of columns and
each output is regressed on K_inf, which is what K_inf (x) I_C predicts.`,
  options: {
    model: optional('DIR', 'model directory: its empirical kernels', text),
    limit: optional('A', `the infinite-width kernels of this activation (${ACTIVATIONS.join(', ')})`, choice(ACTIVATIONS)),
    sigmaW: optional('S', '--limit: standard deviation of the inner weights (default 1)', number({ min: 0 })),
    sigmaB: optional('S', '--limit: standard deviation of the biases (default 1)', number({ min: 0 })),
    noBias: flag('--limit: a network without biases'),
    x: required('X.npy', 'training points, M x d', text),
    y: required('y.npy', 'training targets, M or M x 1', text),
    xTest: required('Xs.npy', 'test points, M2 x d', text),
    kind: withDefault('KIND', 'ntk (gradient flow) or nntk (Newton flow)', choice(['ntk', 'nntk'] as const), 'ntk'),
    lambda: optional('L', "nntk: lambda > 0, or 'auto' with --model (default auto)", lambda),
    gaussNewton: flag('nntk with --model: the Gauss-Newton matrix G instead of the full Hessian'),
    time: optional('T', "flow time T >= 0, or 'inf' (default inf)", flowTime),
    steps: optional('S', 'discrete steps instead of a flow time', number({ integer: true, min: 0 })),
    stepSize: optional('A', 'with --steps: the step size (default 1/mu_max(K_GD) for ntk, 1 for nntk)', number({ above: 0 })),
    ridge: withDefault('R', 'rho >= 0 added to the training kernel diagonal', number({ min: 0 }), 0),
    outputs: optional('trace|full', '--model of C outputs: the full kernels (default) or the traced ones', choice(['trace', 'full'] as const)),
    out: required('f.npy', 'test predictions to write, M2', text),
    trainOut: optional('fX.npy', 'training-point predictions to write, M', text),
  },
  async run(o) {
    if ((o.model === undefined) === (o.limit === undefined)) throw new UsageError('give --model DIR or --limit ACTIVATION (one of them)');
    if (o.time !== undefined && o.steps !== undefined) throw new UsageError('give --time or --steps, not both');
    if (o.stepSize !== undefined && o.steps === undefined) throw new UsageError('--step-size applies with --steps only');
    if (o.kind === 'ntk') {
      for (const [given, name] of [[o.lambda !== undefined, '--lambda'], [o.gaussNewton, '--gauss-newton']] as const) {
        if (given) throw new UsageError(`${name} applies to --kind nntk only`);
      }
    }
    if (o.model !== undefined) {
      for (const [given, name] of [[o.sigmaW !== undefined, '--sigma-w'], [o.sigmaB !== undefined, '--sigma-b'], [o.noBias, '--no-bias']] as const) {
        if (given) throw new UsageError(`${name} applies to --limit only (a model has its own parameters)`);
      }
    }
    let prediction: Prediction;
    let outputs: number;
    if (o.model !== undefined) {
      const net = await readModel(o.model);
      outputs = net.outputs;
      const X = await readPoints(o.x, net.config.dim, 'training points');
      const y = await readTargets(o.y, X.rows, o.x, outputs);
      const Xtest = await readPoints(o.xTest, net.config.dim, 'test points');
      const stepSize = o.stepSize ?? (o.kind === 'ntk' ? () => defaultLearningRate(net, X) : () => 1);
      const options: NetworkPredictorOptions = { kind: o.kind, when: when(o.time, o.steps, stepSize), ridge: o.ridge };
      if (o.kind === 'nntk') {
        options.hessian = o.gaussNewton ? 'gauss-newton' : 'full';
        options.lambda = o.lambda ?? 'auto';
      }
      if (o.outputs !== undefined) options.outputs = o.outputs;
      prediction = networkPrediction(net, X, y, Xtest, options);
    } else {
      if (o.outputs !== undefined) throw new UsageError('--outputs applies to --model only (the limit kernel of C outputs is K_inf (x) I_C: both forms predict the same)');
      if (o.gaussNewton) throw new UsageError('--gauss-newton applies to --model only (the limit Newton kernel is Gauss-Newton)');
      if (o.kind === 'nntk' && typeof o.lambda !== 'number') throw new UsageError('--limit with --kind nntk needs a fixed --lambda L');
      const X = await readPoints(o.x, null, 'training points');
      outputs = await targetColumns(o.y);
      const y = await readTargets(o.y, X.rows, o.x, outputs);
      const Xtest = await readPoints(o.xTest, X.cols, 'test points');
      const limitOptions = {
        activation: o.limit as Activation,
        bias: !o.noBias,
        ...(o.sigmaW === undefined ? {} : { sigmaW: o.sigmaW }),
        ...(o.sigmaB === undefined ? {} : { sigmaB: o.sigmaB }),
      };
      const stepSize = o.stepSize ?? (o.kind === 'ntk' ? () => 1 / largest(limitKernel(X, limitOptions).kernel) : () => 1);
      prediction = limitPrediction(X, y, Xtest, {
        ...limitOptions,
        kind: o.kind,
        when: when(o.time, o.steps, stepSize),
        ridge: o.ridge,
        outputCount: outputs,
        ...(o.kind === 'nntk' ? { lambda: o.lambda as number } : {}),
      });
    }
    if (prediction.lambda !== undefined) note('regress', `Newton kernel: lambda = ${prediction.lambda}`);
    await writeOutputs(o.out, prediction.test, outputs);
    if (o.trainOut !== undefined) await writeOutputs(o.trainOut, prediction.train, outputs);
    return EXIT.ok;
  },
});

/** C of targets (M, C); 1 for (M,) and anything readTargets will refuse. */
async function targetColumns(path: string): Promise<number> {
  const { shape } = await readArray(path);
  return shape.length === 2 && shape[1]! > 1 ? shape[1]! : 1;
}

/** Predictions of one output as (n,), of C outputs as (n, C) (sample-major data). */
async function writeOutputs(path: string, f: Float64Array, outputs: number): Promise<void> {
  if (outputs === 1) await writeVector(path, f);
  else await writeMatrix(path, new Matrix(f.length / outputs, outputs, f));
}

/** A flow time: a number ≥ 0 or 'inf'. */
function flowTime(value: string, name: string): number {
  return value === 'inf' ? Infinity : number({ min: 0 })(value, name);
}

/** The prediction time; the default step size is computed only when steps are asked for without one. */
function when(time: number | undefined, steps: number | undefined, stepSize: number | (() => number)): PredictionTime {
  if (steps === undefined) return { time: time ?? Infinity };
  return { steps, stepSize: typeof stepSize === 'number' ? stepSize : stepSize() };
}

function largest(K: Matrix): number {
  return spectrum(K, { vectors: false, largest: 1 }).values[0]!;
}

/** Points as rows, M x d (d = `dim`, any d ≥ 1 when null), named in the message. */
async function readPoints(path: string, dim: number | null, what: string): Promise<Matrix> {
  const { shape, data } = await readArray(path);
  if (shape.length !== 2 || shape[0]! < 1 || shape[1]! < 1 || (dim !== null && shape[1] !== dim)) {
    const expected = dim === null ? '(M, d) with M, d >= 1' : `(M, ${dim}) with M >= 1 (d = ${dim})`;
    throw new Failure(`${path}: ${what} must be a 2-D array of shape ${expected}, found shape ${shapeText(shape)}`);
  }
  return new Matrix(shape[0]!, shape[1]!, data);
}
