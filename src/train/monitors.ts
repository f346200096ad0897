// What fit does at an epoch's end with the validation loss: reduce the learning rate on a
// plateau, and stop early when it has stopped improving (the caller restores the best epoch's
// parameters). The counters live in the training state, so a resumed run counts on.
import type { EarlyStopping, LearningRateSchedule } from './schedule.js';

export interface WatchState {
  /** Multiplies the learning rate: the product of the plateau reductions so far. */
  lrFactor: number;
  plateauBest: number;
  plateauBad: number;
  earlyBest: number;
  earlyBad: number;
  /** The epoch (1-based) with the best validation loss so far. */
  bestEpoch: number;
}

export function newWatch(): WatchState {
  return { lrFactor: 1, plateauBest: Infinity, plateauBad: 0, earlyBest: Infinity, earlyBad: 0, bestEpoch: 0 };
}

/** Checks a WatchState read from a file; undefined for anything malformed. */
export function parseWatch(text: string | undefined): WatchState | undefined {
  if (text === undefined) return undefined;
  try {
    const w = JSON.parse(text, (_, v) => (v === 'Infinity' ? Infinity : v)) as WatchState;
    const num = (v: unknown) => typeof v === 'number' && !Number.isNaN(v);
    return w && [w.lrFactor, w.plateauBest, w.plateauBad, w.earlyBest, w.earlyBad, w.bestEpoch].every(num) && w.lrFactor > 0 ? w : undefined;
  } catch {
    return undefined;
  }
}

export function stringifyWatch(w: WatchState): string {
  return JSON.stringify(w, (_, v) => (v === Infinity ? 'Infinity' : v));
}

/**
 * Takes epoch `epoch`'s validation loss: a plateau of `patience` epochs without an improvement
 * of more than minDelta multiplies the learning rate by `factor` (not below `min`, given the base
 * rate `learningRate`); early stopping reports whether this is the best epoch and whether to stop.
 */
export function watchValidation(w: WatchState, valLoss: number, epoch: number, learningRate: number,
                                lr: LearningRateSchedule | undefined, early: EarlyStopping | undefined): { best: boolean; stop: boolean } {
  if (lr?.kind === 'plateau') {
    if (valLoss < w.plateauBest - (lr.minDelta ?? 0)) { w.plateauBest = valLoss; w.plateauBad = 0; } else if (++w.plateauBad >= lr.patience) {
      w.lrFactor = Math.max(w.lrFactor * (lr.factor ?? 0.1), (lr.min ?? 0) / learningRate);
      w.plateauBad = 0;
    }
  }
  if (!early) return { best: false, stop: false };
  if (valLoss < w.earlyBest - (early.minDelta ?? 0)) {
    w.earlyBest = valLoss; w.earlyBad = 0; w.bestEpoch = epoch;
    return { best: true, stop: false };
  }
  return { best: false, stop: ++w.earlyBad >= early.patience };
}
