/**
 * The worker's side of a job (see run-job.ts): an entry module calls
 * serveJob(handler) at its top level; the handler gets the job and a context
 * to post messages and to see the caller's stop request, and its return
 * value (or what it throws) goes back to the caller.
 */
import { parentPort, workerData, type Transferable } from 'node:worker_threads';
import { encodeError } from './error-codec.js';
import { JOB_DATA, type JobData, type JobMessage } from './protocol.js';

export interface JobContext<M> {
  post(message: M, transfer?: readonly Transferable[]): void;
  /** Aborted by `checkStop` once the caller asked to stop. */
  readonly signal: AbortSignal;
  /** Reads the caller's stop flag and aborts `signal` if it is raised; call it at every boundary of the work. */
  checkStop(): boolean;
}

/**
 * Runs `handler` when this module is a job worker's entry (does nothing
 * otherwise). `transferOf` names result buffers to move rather than copy.
 */
export function serveJob<J, M, R>(handler: (job: J, context: JobContext<M>) => R | Promise<R>, transferOf?: (result: R) => readonly Transferable[]): void {
  const data = (workerData as Record<string, JobData<J>> | null)?.[JOB_DATA];
  if (parentPort === null || data === undefined) return;
  const port = parentPort;
  const send = (message: JobMessage<M, R>, transfer?: readonly Transferable[]) => port.postMessage(message, transfer);
  const controller = new AbortController();
  const context: JobContext<M> = {
    post: (message, transfer) => send({ kind: 'message', message }, transfer),
    signal: controller.signal,
    checkStop() {
      if (!controller.signal.aborted && Atomics.load(data.stop, 0) !== 0) controller.abort();
      return controller.signal.aborted;
    },
  };
  Promise.resolve()
    .then(() => handler(data.job, context))
    .then(
      (result) => send({ kind: 'result', result }, transferOf?.(result)),
      (error: unknown) => send({ kind: 'error', error: encodeError(error) }),
    );
}
