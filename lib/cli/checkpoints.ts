/** The checkpoint writer of `nntk train`. */
import type { TrainCheckpoint } from '../index.js';

/**
 * Writes the checkpoints trainAsync delivers, one at a time: one that arrives
 * while the previous is being written waits, and is replaced by a newer one.
 * A failed checkpoint (a full disk) is reported and training goes on; the
 * previous checkpoint stays intact.
 */
export class Checkpoints {
  private writing: Promise<void> = Promise.resolve();
  private pending: TrainCheckpoint | null = null;
  private busy = false;

  constructor(
    private readonly write: (checkpoint: TrainCheckpoint) => Promise<void>,
    private readonly warn: (message: string) => void,
  ) {}

  offer(checkpoint: TrainCheckpoint): void {
    this.pending = checkpoint;
    if (!this.busy) this.writing = this.drain();
  }

  /** Resolves when no checkpoint is being written or waiting. */
  settled(): Promise<void> {
    return this.writing;
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.pending !== null) {
      const next = this.pending;
      this.pending = null;
      await this.write(next).catch((error: unknown) => this.warn(`checkpoint not written: ${error instanceof Error ? error.message : String(error)}`));
    }
    this.busy = false;
  }
}

