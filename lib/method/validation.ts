/**
 * Held-out evaluation during training: the validation loss (the training
 * loss's 1/(2M) form on the validation points), the accuracy where it is
 * defined, and early stopping by patience, which keeps the parameters of the
 * lowest validation loss seen.
 */
import type { Matrix } from '../linalg/matrix.js';
import { checkData, checkFiniteArray } from '../model/data.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { checkOptionKeys } from '../options.js';

/** Held-out points and their targets. */
export interface ValidationSet {
  /** Mv × d, the network's d. */
  x: Matrix;
  /** Mv·C targets, Mv × C sample-major (Mv for C = 1). */
  y: Float64Array;
}

/** What a history entry records of the validation set. */
export interface ValidationScore {
  /** (1/(2Mv))·Σᵥ |f(xᵥ) − yᵥ|². */
  loss: number;
  /**
   * C = 1 with ±1 targets: the fraction of points where sign f(xᵥ) = yᵥ (f = 0
   * counts as wrong); C > 1 with one-hot targets (each row one 1, the rest 0):
   * the fraction where the largest output of f(xᵥ) is the target's 1 (ties
   * count as wrong); else null.
   */
  accuracy: number | null;
}

/** The parameters with the lowest validation loss so far, and when they were in force. */
export interface BestState {
  net: TwoLayerNetwork;
  /** The history step at which they were in force. */
  step: number;
  acceptedSteps: number;
  validationLoss: number;
  /** |r|/|y| on the training set of these parameters. */
  residual: number;
}

/** Scores parameters on the validation set and tracks the best, for train's loop. */
export class ValidationWatch {
  private readonly signs: boolean;
  private readonly oneHot: boolean;
  best: BestState | null = null;

  constructor(
    private readonly set: ValidationSet,
    /** Accepted steps without a lower validation loss before training stops; Infinity: never. */
    private readonly patience: number,
    /** C, the outputs per point. */
    private readonly outputs = 1,
  ) {
    this.signs = outputs === 1 && set.y.every((v) => v === 1 || v === -1);
    this.oneHot = outputs > 1 && isOneHot(set.y, outputs);
  }

  /** Checks `validation` and `patience` as train's options (null when no validation set is given). */
  static fromOptions(where: string, validation: ValidationSet | undefined, patience: number | undefined, dim: number, outputs = 1): ValidationWatch | null {
    if (validation === undefined) {
      if (patience !== undefined) throw new TypeError(`${where}: patience needs a validation set (option validation: { x, y })`);
      return null;
    }
    if (typeof validation !== 'object' || validation === null) throw new TypeError(`${where}: validation must be an object { x, y }`);
    checkOptionKeys(`${where}: validation`, validation, ['x', 'y']);
    checkData(where, validation.x, null, dim, 'validation.x');
    if (!(validation.y instanceof Float64Array)) throw new TypeError(`${where}: validation.y must be a Float64Array`);
    if (validation.y.length !== validation.x.rows * outputs) {
      throw new RangeError(
        `${where}: validation.y has ${validation.y.length} entries, validation.x has ${validation.x.rows} rows` +
          (outputs === 1 ? '' : ` and the network ${outputs} outputs (validation.y must be Mv×C = ${validation.x.rows}×${outputs}, sample-major)`),
      );
    }
    checkFiniteArray(where, 'validation.y', validation.y, outputs);
    if (patience !== undefined && !(Number.isSafeInteger(patience) && patience >= 1)) throw new RangeError(`${where}: patience must be an integer ≥ 1, got ${patience}`);
    return new ValidationWatch(validation, patience ?? Infinity, outputs);
  }

  score(net: TwoLayerNetwork): ValidationScore {
    const f = net.predict(this.set.x);
    const { y } = this.set;
    const points = this.set.x.rows;
    let squares = 0;
    let right = 0;
    for (let j = 0; j < y.length; j++) {
      squares += (f[j]! - y[j]!) ** 2;
      if (Math.sign(f[j]!) === y[j]) right++;
    }
    if (this.oneHot) right = argmaxAgreements(f, y, this.outputs);
    return { loss: squares / (2 * points), accuracy: this.signs || this.oneHot ? right / points : null };
  }

  /**
   * Records the score of the parameters in force at a step; true when the
   * last `patience` accepted steps brought no lower validation loss.
   */
  observe(net: TwoLayerNetwork, step: number, acceptedSteps: number, residual: number, loss: number): boolean {
    if (this.best === null || loss < this.best.validationLoss) {
      this.best = { net, step, acceptedSteps, validationLoss: loss, residual };
      return false;
    }
    return acceptedSteps - this.best.acceptedSteps >= this.patience;
  }

  /** Whether training keeps (and returns) the best parameters rather than the last. */
  get early(): boolean {
    return this.patience !== Infinity;
  }
}

/** Whether every row of C entries has one 1 and C − 1 zeros. */
function isOneHot(y: Float64Array, outputs: number): boolean {
  for (let j = 0; j < y.length; j += outputs) {
    let ones = 0;
    for (let k = 0; k < outputs; k++) {
      if (y[j + k] === 1) ones++;
      else if (y[j + k] !== 0) return false;
    }
    if (ones !== 1) return false;
  }
  return true;
}

/** The rows where f's unique largest entry is where the one-hot y has its 1. */
function argmaxAgreements(f: Float64Array, y: Float64Array, outputs: number): number {
  let right = 0;
  for (let j = 0; j < y.length; j += outputs) {
    let best = 0;
    let tie = false;
    for (let k = 1; k < outputs; k++) {
      if (f[j + k]! > f[j + best]!) {
        best = k;
        tie = false;
      } else if (f[j + k] === f[j + best]) tie = true;
    }
    if (!tie && y[j + best] === 1) right++;
  }
  return right;
}
