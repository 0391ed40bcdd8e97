/** `nntk step`: one regularized Newton step θ⁺ = θ − α·δ (docs/math.md §3). */
import { chooseLambda, distributed, NewtonSystem, type Hessian, type NewtonPath } from '../../index.js';
import { choice, flag, lambda, number, optional, required, text, withDefault } from '../args.js';
import { readPoints, readTargets, writeVector } from '../arrays.js';
import { defineCommand } from '../command.js';
import { checkDistributedFlags, DISTRIBUTED_OPTIONS, underMpi } from '../distributed.js';
import { EXIT, UsageError } from '../failures.js';
import { readModel, writeModel } from '../modelfiles.js';
import { note, summary } from '../report.js';

export const step = defineCommand({
  name: 'step',
  summary: 'Take one regularized Newton step and write the new model.',
  synopsis: '--model DIR --x X.npy --y y.npy --lambda L|auto [--gauss-newton] [--method dense|kernel|auto] [--alpha A] --out DIR2 [--direction d.npy] [--distributed [--grid PxQ] [--block NB]]',
  description: `
theta+ = theta - alpha * delta,  delta = (H + lambda I)^-1 g   (full Hessian H = G + S)
                                 delta = (G + lambda I)^-1 g   (--gauss-newton)
with g = J^T r / M, G = J^T J / M, r = f(X) - y. lambda is a number > 0 or
'auto': the smallest lambda >= 1e-12 making S + lambda I positive definite with
a margin (1e-12 for Gauss-Newton). --method dense forms the P x P system;
--method kernel solves through the M x M system ((M C) x (M C) for a model of
C outputs); auto picks dense when P <= M C. Both give the same delta to
round-off. --direction writes delta as the flat neuron-major vector
(P = N (C + d + 1), or N (C + d) without bias), blocks [c_i, w_i, b_i].
For C > 1 outputs y.npy is M x C. A system that is not positive definite is an error (exit 1).
With --distributed (under mpirun -n P), the kernel path with M I + Q spread
over the ranks (pdpotrf, pdpotrs); delta is the same on every rank, and rank 0
writes the files.

stderr: the loss before and after, lambda and the certificate
min_i lambda_min(S_i + lambda I) (lambda for Gauss-Newton).
stdout: one JSON line {"lossBefore", "lossAfter", "lambda", "certificate",
"hessian", "method", "alpha"}.`,
  options: {
    model: required('DIR', 'model directory', text),
    x: required('X.npy', 'training points, M x d', text),
    y: required('y.npy', 'targets, M or M x 1 (M x C for C outputs)', text),
    lambda: required('L', "lambda > 0 or 'auto'", lambda),
    gaussNewton: flag('use the Gauss-Newton matrix G instead of the full Hessian'),
    method: withDefault('M', 'dense, kernel or auto', choice(['dense', 'kernel', 'auto'] as const), 'auto'),
    alpha: withDefault('A', 'step size alpha > 0', number({ above: 0 }), 1),
    out: required('DIR2', 'model directory to write', text),
    direction: optional('d.npy', 'also write delta (P) here', text),
    ...DISTRIBUTED_OPTIONS,
  },
  async run(o) {
    const hessian: Hessian = o.gaussNewton ? 'gauss-newton' : 'full';
    checkDistributedFlags(o);
    if (o.distributed) {
      if (o.method === 'dense') throw new UsageError('--method dense is not distributed (the distributed step takes the kernel path)');
      return underMpi(o, async (session) => {
        const { net, X, y } = await session.agree(async () => {
          const net = await readModel(o.model);
          const X = await readPoints(o.x, net.config.dim);
          return { net, X, y: await readTargets(o.y, X.rows, o.x, net.outputs) };
        });
        const { direction, lambda: lam, certificate, loss } = await distributed.distributedDirection(session, net, X, y, o.lambda, hessian);
        const next = net.moved(direction, o.alpha);
        const lossAfter = await session.agree(async () => {
          const lossAfter = new NewtonSystem(next, X, y).loss;
          if (session.rank === 0) {
            await writeModel(o.out, next);
            if (o.direction !== undefined) await writeVector(o.direction, direction);
          }
          return lossAfter;
        });
        if (session.rank !== 0) return;
        note('step', `loss ${loss} -> ${lossAfter} (${hessian} Hessian, kernel, distributed over ${session.size} ranks, lambda = ${lam}, certificate = ${certificate}, alpha = ${o.alpha})`);
        summary({ lossBefore: loss, lossAfter, lambda: lam, certificate, hessian, method: 'kernel', alpha: o.alpha });
      });
    }
    const net = await readModel(o.model);
    const X = await readPoints(o.x, net.config.dim);
    const y = await readTargets(o.y, X.rows, o.x, net.outputs);
    const system = new NewtonSystem(net, X, y);
    const { lambda: lam, certificate } = chooseLambda(o.lambda, system, hessian);
    const method: NewtonPath = o.method === 'auto' ? (net.parameterCount <= X.rows * net.outputs ? 'dense' : 'kernel') : o.method;
    const { direction } = system.direction(lam, hessian, method);
    const next = net.moved(direction, o.alpha);
    const lossAfter = new NewtonSystem(next, X, y).loss;
    await writeModel(o.out, next);
    if (o.direction !== undefined) await writeVector(o.direction, direction);
    note('step', `loss ${system.loss} -> ${lossAfter} (${hessian} Hessian, ${method}, lambda = ${lam}, certificate = ${certificate}, alpha = ${o.alpha})`);
    summary({ lossBefore: system.loss, lossAfter, lambda: lam, certificate, hessian, method, alpha: o.alpha });
    return EXIT.ok;
  },
});
