/**
 * The distributed path over MPI and ScaLAPACK (docs/distributed.md), for
 * scripts started under `mpirun -n P node script.mjs`:
 *
 * ```js
 * import { distributed } from 'nntk';
 * const session = new distributed.Session();          // MPI_Init_thread, the grid
 * const { kernel } = await distributed.distributedKernel(session, net, X);
 * await distributed.writeDistributedMatrix(session, 'K.npy', kernel);
 * session.end();
 * ```
 *
 * Every function is collective (every rank calls it with the same replicated
 * arguments); a failure on any rank is thrown on all as DistributedError.
 */
export { distributedAvailable, UNAVAILABLE_MESSAGE, type MpiAddon } from './addon.js';
export { chooseGrid, parseGrid, localCount, localIndices, DEFAULT_BLOCK } from './grid.js';
export { Session, type SessionOptions, type Layout } from './session.js';
export {
  distributedKernel,
  distributedDirection,
  distributedSpectrum,
  readDistributedMatrix,
  writeDistributedMatrix,
  gatherMatrix,
  type DistributedMatrix,
  type DistributedKernelOptions,
  type DistributedSpectrumOptions,
} from './operations.js';
export { distributedTrain, type DistributedTrainOptions } from './train.js';
