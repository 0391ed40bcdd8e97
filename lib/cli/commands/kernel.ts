/** `nntk kernel`: the empirical NTK 𝒦_GD or Newton NTK 𝒦_N of a model at X (docs/math.md §4). */
import { distributed, kernel as empiricalKernel, type Hessian, type KernelOptions } from '../../index.js';
import { choice, flag, lambda, optional, required, text, withDefault } from '../args.js';
import { readPoints, readTargets, writeMatrix } from '../arrays.js';
import { defineCommand } from '../command.js';
import { checkDistributedFlags, DISTRIBUTED_OPTIONS, underMpi } from '../distributed.js';
import { EXIT, UsageError } from '../failures.js';
import { readModel } from '../modelfiles.js';
import { note } from '../report.js';

export const kernel = defineCommand({
  name: 'kernel',
  summary: 'Write the NTK or the Newton NTK of a model at the points X.',
  synopsis: '--model DIR --x X.npy [--x2 X2.npy] [--kind ntk|nntk] [--lambda L|auto] [--gauss-newton] [--y y.npy] [--outputs trace|full] --out K.npy [--distributed [--grid PxQ] [--block NB]]',
  description: `
--kind ntk:  K = J J^T / M                       (M x M; the empirical NTK, K_GD)
--kind nntk: K = J (H + lambda I)^-1 J^T / M     (M x M; the Newton NTK, K_N)
With --gauss-newton, H is replaced by G = J^T J / M and K_N = K_GD (K_GD + lambda I)^-1.
The full Hessian H = G + S depends on the residual f(X) - y, so it needs --y.
With --x2, writes the cross-kernel with the points of X2 as rows (M2 x M):
J(X2) J^T / M, or J(X2) (H + lambda I)^-1 J^T / M for nntk.
lambda is a number > 0 or 'auto' (default): the smallest lambda >= 1e-12 that
makes S + lambda I positive definite with a margin. For nntk, lambda and the
certificate min_i lambda_min(S_i + lambda I) (lambda itself for Gauss-Newton)
are printed on stderr. For a model of C outputs (docs/math.md section 8),
--outputs trace (default) writes the M x M mean of the C diagonal output
blocks; --outputs full the (M C) x (M C) kernel, sample-major (row j C + k is
output k at point j; (M2 C) x (M C) with --x2). Both are the one-output kernel
when C = 1. Inputs: X.npy (M x d), y.npy (M, or M x C for C outputs), float64.
With --distributed (under mpirun -n P), each rank computes its own tiles and
writes them into K.npy in place: no rank holds the M x M matrix.`,
  options: {
    model: required('DIR', 'model directory', text),
    x: required('X.npy', 'training points, M x d', text),
    x2: optional('X2.npy', 'test points (rows of a cross-kernel), M2 x d', text),
    kind: withDefault('KIND', 'ntk or nntk', choice(['ntk', 'nntk'] as const), 'ntk'),
    lambda: optional('L', "nntk: lambda > 0 or 'auto' (default auto)", lambda),
    gaussNewton: flag('nntk: use the Gauss-Newton matrix G instead of the full Hessian'),
    y: optional('y.npy', 'nntk: targets, M or M x 1, M x C for C outputs (required for the full Hessian)', text),
    outputs: withDefault('trace|full', 'C outputs: the mean of the C output blocks, or the full kernel', choice(['trace', 'full'] as const), 'trace'),
    out: required('K.npy', 'kernel file to write', text),
    ...DISTRIBUTED_OPTIONS,
  },
  async run(o) {
    if (o.kind === 'ntk') {
      for (const [given, name] of [[o.lambda !== undefined, '--lambda'], [o.gaussNewton, '--gauss-newton'], [o.y !== undefined, '--y']] as const) {
        if (given) throw new UsageError(`${name} applies to --kind nntk only`);
      }
    }
    const hessian: Hessian = o.gaussNewton ? 'gauss-newton' : 'full';
    if (o.kind === 'nntk' && hessian === 'full' && o.y === undefined) {
      throw new UsageError('the full-Hessian Newton kernel needs --y (S depends on the residual f(X) - y); or give --gauss-newton');
    }
    checkDistributedFlags(o);
    if (o.distributed) {
      return underMpi(o, async (session) => {
        const { net, X1, training, options } = await session.agree(() => inputs(o, hessian));
        const result = await distributed.distributedKernel(session, net, X1, training, options);
        if (session.rank === 0 && o.kind === 'nntk') report(hessian, result);
        await distributed.writeDistributedMatrix(session, o.out, result.kernel);
      });
    }
    const { net, X1, training, options } = await inputs(o, hessian);
    const result = empiricalKernel(net, X1, training, options);
    if (result.kind === 'nntk') report(hessian, { lambda: result.lambda!, certificate: result.certificate! });
    await writeMatrix(o.out, result.kernel);
    return EXIT.ok;
  },
});

interface KernelInputs {
  model: string;
  x: string;
  x2: string | undefined;
  y: string | undefined;
  kind: 'ntk' | 'nntk';
  lambda: number | 'auto' | undefined;
  outputs: 'trace' | 'full';
}

async function inputs(o: KernelInputs, hessian: Hessian) {
  const net = await readModel(o.model);
  const X = await readPoints(o.x, net.config.dim);
  const X2 = o.x2 === undefined ? undefined : await readPoints(o.x2, net.config.dim);
  // The library's convention is neural-tangents': rows X1 = the test points, training set X2.
  const [X1, training] = X2 === undefined ? [X, undefined] : [X2, X];
  const options: KernelOptions =
    o.kind === 'ntk' ? {} : { kind: 'nntk', lambda: o.lambda ?? 'auto', hessian, ...(o.y === undefined ? {} : { y: await readTargets(o.y, X.rows, o.x, net.outputs) }) };
  if (o.outputs === 'full') options.outputs = 'full';
  return { net, X1, training, options };
}

function report(hessian: Hessian, result: { lambda: number; certificate: number }): void {
  const certificate = hessian === 'full' ? 'min_i lambda_min(S_i + lambda I)' : 'Gauss-Newton, lambda';
  note('kernel', `Newton NTK (${hessian} Hessian): lambda = ${result.lambda}, certificate (${certificate}) = ${result.certificate}`);
}
