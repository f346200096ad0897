// The epoch loop: seeded shuffle, batches, optimiser steps, validation, progress and abort.
import type { Arena } from '../arena.js';
import { type DataRef, EVAL_STREAM } from '../engine.js';
import type { Executor } from '../executor.js';
import { type BatchLog, type EpochLog, type FitOptions, type History, resolveFit } from './options.js';
import { permutation } from './shuffle.js';

export interface TrainingState {
  /** Optimiser steps taken so far (Adam's t). */
  step: number;
  /** Epochs completed so far over the model's life. */
  epoch: number;
}

export interface FitInputs {
  arena: Arena;
  executor: Executor;
  seed: number;
  beta: number;
  state: TrainingState;
  train: DataRef;
  validation?: DataRef;
  warnings: string[];
}

/** Lets timers, I/O and UI events run between batches without slowing the loop much. */
const yieldNow: () => Promise<void> = typeof setImmediate === 'function'
  ? () => new Promise((resolve) => setImmediate(resolve))
  : () => new Promise((resolve) => setTimeout(resolve, 0));

export async function fitLoop(inputs: FitInputs, options: FitOptions): Promise<History> {
  const { arena, executor, state, train } = inputs;
  const fit = resolveFit(options);
  const batchSize = Math.min(fit.batchSize, train.rows);
  const idxPtr = arena.alloc(4 * batchSize);
  const history: History = { epochs: [], aborted: false, warnings: inputs.warnings };
  const step = { optimizer: fit.optimizer, clipNorm: fit.clipNorm };
  const batches = Math.ceil(train.rows / batchSize);
  for (let e = 0; e < fit.epochs; e++) {
    if (options.signal?.aborted) { history.aborted = true; break; }
    const epoch = state.epoch; // 0-based stream for this epoch's noise
    const order = permutation(train.rows, inputs.seed, epoch, fit.shuffle);
    const start = performance.now();
    let recon = 0, kl = 0, seen = 0, lastYield = start;
    for (let b = 0; b < batches; b++) {
      const from = b * batchSize, n = Math.min(batchSize, train.rows - from);
      arena.i32(idxPtr, n).set(order.subarray(from, from + n));
      const batchStart = performance.now();
      const sums = await executor.trainStep(train, idxPtr, n, epoch, state.step + 1, step);
      state.step++;
      recon += sums.reconstruction; kl += sums.kl; seen += n;
      const now = performance.now();
      if (options.onBatchEnd) {
        const log: BatchLog = {
          epoch: epoch + 1, batch: b + 1, batches,
          loss: (sums.reconstruction + inputs.beta * sums.kl) / n,
          reconstruction: sums.reconstruction / n, kl: sums.kl / n,
          samplesPerSecond: n / Math.max(1e-9, (now - batchStart) / 1000),
        };
        await options.onBatchEnd(log);
      }
      if (now - lastYield > 25) { await yieldNow(); lastYield = performance.now(); }
      if (options.signal?.aborted) break;
    }
    const seconds = (performance.now() - start) / 1000;
    if (seen < train.rows) { history.aborted = true; break; } // stopped mid-epoch: not a completed epoch
    state.epoch++;
    const log: EpochLog = {
      epoch: state.epoch,
      loss: (recon + inputs.beta * kl) / seen, reconstruction: recon / seen, kl: kl / seen,
      seconds, samplesPerSecond: seen / seconds,
    };
    if (inputs.validation) {
      const v = await executor.evaluate(inputs.validation, inputs.seed, EVAL_STREAM);
      const rows = inputs.validation.rows;
      log.valLoss = (v.reconstruction + inputs.beta * v.kl) / rows;
      log.valReconstruction = v.reconstruction / rows;
      log.valKl = v.kl / rows;
    }
    history.epochs.push(log);
    await options.onEpochEnd?.(log);
  }
  return history;
}
