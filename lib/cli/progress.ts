/**
 * Training progress on stderr. On a terminal: one status line redrawn in
 * place (bar, step, residual, λ, elapsed). Otherwise (a pipe, a log file):
 * a plain line for the first entry and then at most one a second, and the
 * last one. The bar's fraction is the furthest of the step budget, the time
 * budget and log-progress of the residual from its start towards tol.
 */
import type { HistoryEntry } from '../index.js';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface Budget {
  tol: number;
  maxSteps?: number;
  maxSeconds?: number;
}

const BAR_WIDTH = 20;
const PLAIN_INTERVAL_MS = 1000;

export class Progress {
  private readonly started = performance.now();
  private startResidual: number | null = null;
  private lastPlain = -Infinity;
  private lastStep = -1;
  /** Whether a status line is on screen (terminal mode). */
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly budget: Budget,
    /** What the plain lines and the status line start with. */
    private readonly label = 'nntk train',
  ) {}

  update(entry: HistoryEntry): void {
    if (this.stream.isTTY) {
      this.draw(entry);
    } else if (performance.now() - this.lastPlain >= PLAIN_INTERVAL_MS) {
      this.lastPlain = performance.now();
      this.line(entry);
    }
  }

  /** A line of its own: on a terminal, the status line is cleared first and redrawn at the next update. */
  interject(text: string): void {
    this.drawn = false;
    this.stream.write(`${this.stream.isTTY ? '\r\x1b[2K' : ''}${text}\n`);
  }

  /** Shows the final entry (none when training failed) and ends the status line. */
  finish(entry: HistoryEntry | null): void {
    if (this.stream.isTTY) {
      if (entry !== null) this.draw(entry);
      if (this.drawn) this.stream.write('\n');
    } else if (entry !== null && entry.step !== this.lastStep) {
      this.line(entry);
    }
  }

  private draw(entry: HistoryEntry): void {
    this.startResidual ??= entry.residual;
    this.drawn = true;
    const fraction = this.fraction(entry);
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
    const text = `${bar}  ${this.label === 'nntk train' ? '' : `${this.label}  `}${this.status(entry)}`;
    const columns = this.stream.columns || 80; // 0 on a pseudo-terminal without a size
    this.stream.write(`\r\x1b[2K${text.slice(0, Math.max(0, columns - 1))}`);
  }

  private line(entry: HistoryEntry): void {
    this.lastStep = entry.step;
    this.stream.write(`${this.label}: ${this.status(entry)}\n`);
  }

  private status(entry: HistoryEntry): string {
    const steps = this.budget.maxSteps === undefined ? `${entry.acceptedSteps}` : `${entry.acceptedSteps}/${this.budget.maxSteps}`;
    const lambda = entry.lambda === null ? '' : `  lambda ${entry.lambda.toExponential(2)} (${entry.hessian})`;
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1);
    return `step ${steps}  residual ${entry.residual.toExponential(3)}${lambda}  ${seconds}s`;
  }

  private fraction(entry: HistoryEntry): number {
    const { tol, maxSteps, maxSeconds } = this.budget;
    const parts = [0];
    if (maxSteps !== undefined && maxSteps > 0) parts.push(entry.acceptedSteps / maxSteps);
    if (maxSeconds !== undefined) parts.push((performance.now() - this.started) / 1000 / maxSeconds);
    const r0 = this.startResidual!;
    if (r0 > tol && entry.residual > 0) parts.push(Math.log(r0 / entry.residual) / Math.log(r0 / tol));
    return Math.min(1, Math.max(...parts));
  }
}
