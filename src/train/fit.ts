// The epoch loop: seeded shuffle, batches, optimiser steps, validation, progress and abort.
import type { Arena } from '../arena.js';
import { type DataRef, EVAL_STREAM } from '../engine.js';
import { WorkerError } from '../errors.js';
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
  /** Runs a user callback; model calls made inside it first await `drain` (the step in flight). */
  inCallback: (drain: () => Promise<void>, run: () => Promise<void> | void) => Promise<void>;
}

/** Lets timers, I/O and UI events run between batches without slowing the loop much. */
export const yieldNow: () => Promise<void> = typeof setImmediate === 'function'
  ? () => new Promise((resolve) => setImmediate(resolve))
  : () => new Promise((resolve) => setTimeout(resolve, 0));

export async function fitLoop(inputs: FitInputs, options: FitOptions): Promise<History> {
  const { arena, executor, state, train } = inputs;
  const fit = resolveFit(options);
  const batchSize = Math.min(fit.batchSize, train.rows);
  const orderPtr = arena.alloc(4 * train.rows);
  const history: History = { epochs: [], aborted: false, warnings: inputs.warnings };
  const settings = { optimizer: fit.optimizer, clipNorm: fit.clipNorm };
  const batches = Math.ceil(train.rows / batchSize);
  for (let e = 0; e < fit.epochs; e++) {
    if (options.signal?.aborted) { history.aborted = true; break; }
    const epoch = state.epoch; // 0-based stream for this epoch's noise
    // The epoch's whole order lives in memory, so a step can be sent before the previous one
    // has finished: a worker starts step t+1 as soon as it is done with step t.
    arena.i32(orderPtr, train.rows).set(permutation(train.rows, inputs.seed, epoch, fit.shuffle));
    const start = performance.now();
    let recon = 0, kl = 0, seen = 0, lastYield = start, lastDone = start;
    const firstStep = state.step;
    const send = (b: number) => {
      const from = b * batchSize, n = Math.min(batchSize, train.rows - from);
      const result = executor.trainStep(train, orderPtr + 4 * from, n, epoch, firstStep + b + 1, settings);
      result.catch(() => undefined); // observed below; a step sent after a failure is rejected too
      return { n, result };
    };
    // With worker threads, keep one step queued behind the running one (no idle gap between
    // steps); in this thread a step runs when it is sent, so there is nothing to overlap.
    const pipeline = executor.threads;
    let inFlight: ReturnType<typeof send> | null = null;
    let stopped = false;
    for (let b = 0; b < batches; b++) {
      const current = inFlight ?? send(b);
      inFlight = pipeline && !stopped && b + 1 < batches ? send(b + 1) : null;
      let sums;
      try {
        sums = await current.result;
      } catch (err) {
        if (err instanceof WorkerError && err.stepCompleted) state.step++;
        await inFlight?.result.catch(() => undefined);
        throw err;
      }
      state.step++;
      const n = current.n;
      recon += sums.reconstruction; kl += sums.kl; seen += n;
      const now = performance.now();
      if (options.onBatchEnd) {
        const log: BatchLog = {
          epoch: epoch + 1, batch: b + 1, batches,
          loss: (sums.reconstruction + inputs.beta * sums.kl) / n,
          reconstruction: sums.reconstruction / n, kl: sums.kl / n,
          samplesPerSecond: n / Math.max(1e-9, (now - lastDone) / 1000),
        };
        const pending = inFlight;
        await inputs.inCallback(async () => { await pending?.result.catch(() => undefined); }, () => options.onBatchEnd!(log));
      }
      lastDone = now;
      if (now - lastYield > 25) { await yieldNow(); lastYield = performance.now(); }
      if (options.signal?.aborted) stopped = true; // a step already sent still completes
      if (stopped && !inFlight) break;
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
    if (options.onEpochEnd) await inputs.inCallback(async () => undefined, () => options.onEpochEnd!(log));
  }
  return history;
}
