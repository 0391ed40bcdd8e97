/** The worker entry of limitKernelAsync: limitKernel on the job's matrices. */
import { Matrix } from '../linalg/matrix.js';
import { serveJob } from '../worker/serve-job.js';
import type { LimitJob, LimitOutcome } from './limit-async.js';
import { limitKernel } from './limits.js';

function run(job: LimitJob): LimitOutcome {
  const X1 = new Matrix(job.X1.rows, job.X1.cols, job.X1.data);
  const X2 = job.X2 === undefined ? undefined : new Matrix(job.X2.rows, job.X2.cols, job.X2.data);
  const result = limitKernel(X1, X2, job.options);
  const { kernel } = result;
  return { ...result, kernel: { rows: kernel.rows, cols: kernel.cols, data: kernel.data } };
}

// The kernel is moved, not copied: the worker is done with it.
serveJob(run, (outcome: LimitOutcome) => [outcome.kernel.data.buffer as ArrayBuffer]);
