/**
 * The run record of `nntk train`: what train.json (in the model directory)
 * and --history hold, and how --resume reads and continues it.
 */
import { join } from 'node:path';
import { resolveDirectory, type HistoryEntry, type StopReason } from '../index.js';
import { Failure, UsageError } from './failures.js';
import { readRunRecord } from './modelfiles.js';

/** What train.json and --history hold. */
export interface RunRecord {
  method: 'newton' | 'gd';
  reason: StopReason | 'checkpoint';
  residual: number;
  /** Accepted steps, over all resumed parts. */
  steps: number;
  /** Attempts, rejected ones included: history.length − 1. */
  attempts: number;
  /** Wall-clock seconds of training, over all resumed parts. */
  seconds: number;
  lr?: number;
  /** With a validation set: the entry of the lowest validation loss (with --patience, the model written). */
  best?: { step: number; acceptedSteps: number; validationLoss: number };
  history: HistoryEntry[];
}

export function lastOf(history: readonly HistoryEntry[], which: (entry: HistoryEntry) => boolean): HistoryEntry | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (which(history[i]!)) return history[i];
  return undefined;
}

/** The resumed run's history followed by this part's steps (its step 0 is the checkpoint's state again), renumbered. */
export function continueHistory(previous: RunRecord, history: HistoryEntry[]): HistoryEntry[] {
  return [...previous.history, ...history.slice(1).map((e) => ({ ...e, step: e.step + previous.attempts, acceptedSteps: e.acceptedSteps + previous.steps }))];
}

/** DIR2/train.json checked for what --resume needs; null when DIR2 or its train.json does not exist yet. */
export async function readResumable(dir: string, method: 'newton' | 'gd'): Promise<RunRecord | null> {
  if ((await resolveDirectory(dir)) === null) return null;
  const json = await readRunRecord(dir);
  if (json === null) return null;
  const path = join(dir, 'train.json');
  const r = json as Partial<RunRecord>;
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (typeof r !== 'object' || r === null || !Array.isArray(r.history) || r.history.length === 0 || !Number.isSafeInteger(r.steps) || !Number.isSafeInteger(r.attempts) || r.attempts !== r.history.length - 1 || r.steps !== r.history.at(-1)?.acceptedSteps || !finite(r.seconds)) {
    throw new Failure(`${path}: not a run record of nntk train (expected "steps", "attempts", "seconds" and a "history" of attempts + 1 entries ending at "steps" accepted)`);
  }
  if (r.method !== method) throw new UsageError(`--resume: ${path} records --method ${String(r.method)}, not ${method}`);
  if (r.lr !== undefined && !finite(r.lr)) throw new Failure(`${path}: "lr" must be a number, got ${JSON.stringify(r.lr)}`);
  return r as RunRecord;
}

