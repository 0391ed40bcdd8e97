/**
 * Regularized Newton training over the ranks of an mpirun
 * (docs/distributed.md, "Training"): the single process's loop
 * (lib/method/train.ts, docs/math.md §3) with each direction by the
 * distributed kernel path (kernelDirection). The parameters stay replicated;
 * every quantity the loop decides by is made the same on every rank first —
 * the residual of each system (rank 0's), λ (rank 0's), δ and gᵀδ (sums
 * broadcast from rank 0), the stop reason (rank 0's clock and signal) — so
 * that every rank accepts, rejects, damps and stops alike and θ stays the
 * same bits everywhere.
 */
import { DivergenceError, trainWith, type NewtonEngine, type NewtonTrainOptions, type StopReason, type TrainResult } from '../method/train.js';
import { startingLambdaFrom } from '../method/lambda.js';
import { NewtonSystem } from '../method/newton.js';
import type { Matrix } from '../linalg/matrix.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { checkOptionKeys, keysOf } from '../options.js';
import { kernelDirection, sharedPoints } from './operations.js';
import type { Session } from './session.js';
import { gramTile, pointsAt } from './tiles.js';

/** train()'s Newton options, without what is not distributed: the dense path and a validation set. */
export type DistributedTrainOptions = Omit<NewtonTrainOptions, 'path' | 'validation' | 'patience'>;

const DISTRIBUTED_TRAIN_OPTIONS = keysOf<DistributedTrainOptions>({
  method: true,
  hessian: true,
  maxAttempts: true,
  lambda: true,
  damping: true,
  alpha: true,
  tol: true,
  maxSteps: true,
  maxSeconds: true,
  onProgress: true,
  signal: true,
});

const STOP_REASONS: readonly StopReason[] = ['converged', 'max-steps', 'max-attempts', 'max-seconds', 'aborted', 'stalled', 'diverged', 'patience'];

/** Points per block when the diagonal of J·Jᵀ is taken from small square tiles (startingLambda). */
const DIAGONAL_BLOCK = 64;

/**
 * train(net, X, y, options) by regularized Newton on every rank (collective:
 * every rank passes the same replicated arguments) and the same result on
 * every rank. `onProgress` is called on every rank. A failure on any rank is
 * thrown on all as DistributedError; a DivergenceError (damping 'none') is
 * thrown on all as itself, with the last finite parameters.
 */
export async function distributedTrain(
  session: Session,
  net: TwoLayerNetwork,
  X: Matrix,
  y: Float64Array,
  options: DistributedTrainOptions = {},
): Promise<TrainResult> {
  await session.agree(() => {
    if (typeof options !== 'object' || options === null) throw new TypeError('distributed train: options must be an object');
    const method = (options as { method?: unknown }).method;
    if (method !== undefined && method !== 'newton') throw new RangeError(`distributed train: only method 'newton' is distributed, got ${String(method)}`);
    checkOptionKeys('distributed train', options, DISTRIBUTED_TRAIN_OPTIONS);
    net.requireSingleOutput('distributed train');
  });
  const engine: NewtonEngine = {
    // Each sequence of collectives starts with a rendezvous: a rank that failed since the last one meets the others there.
    system: (at, points, targets, workspace) =>
      // Its directions come from the ranks' tiles (kernelDirection), never from a local J·Jᵀ.
      new NewtonSystem(at, points, targets, workspace, false, (residual) => {
        session.rendezvous();
        session.broadcast(residual);
      }),
    direction: (system, lambda, hessian) => kernelDirection(session, system, X, lambda, hessian),
    startingLambda: (system) => startingLambdaFrom(largestGramDiagonal(session, system.net, X), X.rows),
    agreeStop: (reason) => {
      session.rendezvous();
      const code = session.broadcast(new Float64Array([reason === null ? -1 : STOP_REASONS.indexOf(reason)]))[0]!;
      return code < 0 ? null : STOP_REASONS[code]!;
    },
  };
  // The divergence is seen by every rank at once (from agreed losses): it needs no agreement, and keeps its result.
  const outcome = session.agreeNow(() => {
    try {
      return { result: trainWith(net, X, y, { ...options, path: 'kernel' }, engine), diverged: null };
    } catch (error) {
      if (error instanceof DivergenceError) return { result: null, diverged: error };
      throw error;
    }
  });
  if (outcome.diverged !== null) throw outcome.diverged;
  return outcome.result!;
}

/** max_j (J·Jᵀ)_jj over all points, from the diagonals of square tiles of each rank's share (an exact max over the ranks). */
function largestGramDiagonal(session: Session, net: TwoLayerNetwork, X: Matrix): number {
  const largest = session.agreeNow(() => {
    const mine = sharedPoints(session, X.rows);
    let max = 0;
    for (let from = 0; from < mine.length; from += DIAGONAL_BLOCK) {
      const points = pointsAt(X, mine.subarray(from, Math.min(mine.length, from + DIAGONAL_BLOCK)));
      const tile = gramTile(net, points, points, 1);
      for (let i = 0; i < points.rows; i++) max = Math.max(max, tile[i * points.rows + i]!);
    }
    return new Float64Array([max]);
  });
  session.mpi.allreduce(largest, 'x');
  return largest[0]!;
}
