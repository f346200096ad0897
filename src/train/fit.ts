// The epoch loop: seeded shuffle, batches, optimiser steps, validation, progress and abort.
import type { Arena } from '../arena.js';
import { type DataRef, EVAL_STREAM, type LossSums, NON_FINITE_LOSS, stepRows } from '../engine.js';
import { DivergenceError, WorkerError } from '../errors.js';
import type { EpochSpec, Executor, StepRun } from '../executor.js';
import { type BatchLog, type EpochLog, type FitOptions, type History, resolveFit } from './options.js';
import { permutation } from './shuffle.js';
import { RateMeter } from './rate.js';
import { newWatch, type WatchState, watchValidation } from './monitors.js';
import { stepValues } from './schedule.js';

export interface TrainingState {
  /** Optimiser steps taken so far over the model's life. */
  step: number;
  /** Steps taken with the current optimiser moments (Adam's t): 0 after loading a file without them. */
  optimizerStep: number;
  /** Epochs completed so far over the model's life. */
  epoch: number;
  /** An epoch stopped part-way (abort, Ctrl-C): the next fit on the same data continues it. */
  partial?: PartialEpoch;
  /** The settings of the last fit (stored in checkpoints, so that a resumed run can be checked against them). */
  settings?: FitSettings;
  /** Plateau and early-stopping counters, and the learning-rate factor of the plateau reductions. */
  watch?: WatchState;
}

/** What a resumed run should not change silently. */
export interface FitSettings {
  optimizer: string;
  learningRate: number;
  batchSize: number;
  /** Adam's ε, the binarisation and the objective ('elbo' or 'iwae:k'); absent in files of wasm-vae before 2026-12-03 (then 1e-8, 'none', 'elbo'). */
  epsilon?: number;
  binarize?: string;
  objective?: string;
}

/** The settings a file without them was trained with. */
export const FIT_SETTING_DEFAULTS = { epsilon: 1e-8, binarize: 'none', objective: 'elbo' };

/** Checks FitSettings read from a file; undefined for anything malformed. */
export function parseFitSettings(text: string | undefined): FitSettings | undefined {
  if (text === undefined) return undefined;
  try {
    const p = JSON.parse(text) as FitSettings;
    const ok = p && typeof p.optimizer === 'string' && Number.isFinite(p.learningRate) && Number.isSafeInteger(p.batchSize) && p.batchSize > 0
      && (p.epsilon === undefined || Number.isFinite(p.epsilon)) && (p.binarize === undefined || typeof p.binarize === 'string')
      && (p.objective === undefined || typeof p.objective === 'string');
    if (!ok) return undefined;
    const { epsilon = FIT_SETTING_DEFAULTS.epsilon, binarize = FIT_SETTING_DEFAULTS.binarize, objective = FIT_SETTING_DEFAULTS.objective } = p;
    return { optimizer: p.optimizer, learningRate: p.learningRate, batchSize: p.batchSize, epsilon, binarize, objective };
  } catch {
    return undefined;
  }
}

/** Where an interrupted epoch stopped, so that continuing it reaches the uninterrupted run exactly. */
export interface PartialEpoch {
  /** Training rows and batch size of the interrupted epoch: a fit with others starts a new epoch. */
  rows: number;
  batchSize: number;
  shuffle: boolean;
  /** Steps of the epoch completed. */
  batches: number;
  /** Loss sums and rows over those steps, and their wall time (loss: Σ reconstruction + β_step·KL). */
  loss?: number;
  reconstruction: number;
  kl: number;
  seen: number;
  seconds: number;
}

/** Checks a PartialEpoch read from a file; returns undefined for anything malformed. */
export function parsePartialEpoch(text: string | undefined): PartialEpoch | undefined {
  if (text === undefined) return undefined;
  let p: Record<string, unknown>;
  try { p = JSON.parse(text) as Record<string, unknown>; } catch { return undefined; }
  if (!p || typeof p !== 'object') return undefined;
  const int = (k: string) => typeof p[k] === 'number' && Number.isSafeInteger(p[k]) && (p[k] as number) >= 0;
  const num = (k: string) => typeof p[k] === 'number' && Number.isFinite(p[k]);
  const ok = int('rows') && int('batchSize') && int('batches') && int('seen') && num('reconstruction') && num('kl') && num('seconds')
    && typeof p.shuffle === 'boolean' && (p.batchSize as number) > 0 && (p.seen as number) <= (p.rows as number)
    && (p.loss === undefined || num('loss'));
  return ok ? p as unknown as PartialEpoch : undefined;
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
  /** Copies the parameters out (the best epoch's, for early stopping) and puts such a copy back. */
  saveParameters: () => Float32Array;
  restoreParameters: (saved: Float32Array) => void;
  /** An error to stop with, checked after every callback (the model was disposed from inside one). */
  stopRequested?: () => Error | undefined;
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
  state.settings = { optimizer: fit.optimizer.kind, learningRate: fit.optimizer.learningRate, batchSize: fit.batchSize,
    epsilon: fit.optimizer.epsilon, binarize: fit.binarize, objective: fit.objective.kind === 'iwae' ? `iwae:${fit.objective.samples}` : 'elbo' };
  const watch = state.watch ??= newWatch();
  const horizon = fit.scheduleEpochs ?? state.epoch + fit.epochs;
  let best: Float32Array | undefined;
  for (let e = 0; e < fit.epochs; e++) {
    if (options.signal?.aborted) { history.aborted = true; break; }
    const epoch = state.epoch; // 0-based stream for this epoch's noise
    // Continue an interrupted epoch of the same data and batching from its next step.
    const p = state.partial;
    const resume = p && p.rows === train.rows && p.batchSize === batchSize && p.shuffle === fit.shuffle ? p : undefined;
    state.partial = undefined;
    const first = resume?.batches ?? 0;
    // The epoch's whole order lives in memory, so a step can be sent before the previous one
    // has finished: a worker starts step t+1 as soon as it is done with step t.
    arena.i32(orderPtr, train.rows).set(permutation(train.rows, inputs.seed, epoch, fit.shuffle));
    const start = performance.now();
    let recon = resume?.reconstruction ?? 0, kl = resume?.kl ?? 0, seen = resume?.seen ?? 0, done = first, lastYield = start;
    let lossSum = resume ? resume.loss ?? recon + inputs.beta * kl : 0;
    const meter = new RateMeter(train.rows, start, seen);
    // Plateau reductions so far apply only while the plateau schedule is on (a later fit without it starts from its own rate).
    const reduced = fit.learningRateSchedule?.kind === 'plateau' ? watch.lrFactor : 1;
    const schedule = { beta: inputs.beta, betaSchedule: fit.betaSchedule, learningRate: fit.optimizer.learningRate * reduced,
      learningRateSchedule: fit.learningRateSchedule, horizon };
    const spec: EpochSpec = {
      data: train, order: orderPtr, rows: train.rows, batchSize, stream: epoch, stepBase: state.optimizerStep - first, settings, schedule,
    };
    // Keep steps released beyond the one being read (worker threads start the next as soon as
    // they are done with the current one: no idle gap, no message between steps).
    const ahead = executor.ahead;
    let run: StepRun | null = null;
    let stopped = false;
    try {
      for (let b = first; b < batches; b++) {
        // A run that a callback finished (to use the model) has run every step it released.
        if (!run || (run.finished && b >= run.released)) run = executor.startRun(spec, b);
        if (!stopped) run.release(b + ahead);
        let sums: LossSums;
        try {
          sums = await run.result(b);
        } catch (err) {
          if (err instanceof WorkerError && err.stepCompleted) { state.step++; state.optimizerStep++; }
          throw err;
        }
        const values = stepValues(spec, fit.optimizer, b);
        if (sums.nonFinite) throw divergence(sums, epoch + 1, b + 1, state.step, values.opt.learningRate);
        state.step++; state.optimizerStep++;
        const n = stepRows(b, batchSize, train.rows).size;
        recon += sums.reconstruction; kl += sums.kl; seen += n; done = b + 1;
        lossSum += sums.reconstruction + values.beta * sums.kl;
        const now = performance.now();
        if (options.onBatchEnd) {
          // Rows complete now (the pool may be steps ahead of the results read so far).
          const rowsDone = Math.min(train.rows, Math.max(b + 1, run.completed()) * batchSize);
          const log: BatchLog = {
            epoch: epoch + 1, batch: b + 1, batches,
            loss: (sums.reconstruction + values.beta * sums.kl) / n,
            reconstruction: sums.reconstruction / n, kl: sums.kl / n,
            ...meter.read(now, rowsDone),
          };
          const current = run;
          await inputs.inCallback(() => current.finish(), () => options.onBatchEnd!(log));
          const stop = inputs.stopRequested?.();
          if (stop) throw stop;
        }
        if (now - lastYield > 25) { await yieldNow(); lastYield = performance.now(); }
        if (options.signal?.aborted) stopped = true; // a step already released still completes
        if (stopped && b + 1 >= run.released) break;
      }
      await run?.finish();
    } catch (err) {
      await run?.finish().catch(() => undefined);
      throw err;
    }
    const seconds = (performance.now() - start) / 1000 + (resume?.seconds ?? 0);
    if (seen < train.rows) { // stopped mid-epoch: not a completed epoch; the next fit continues it
      state.partial = { rows: train.rows, batchSize, shuffle: fit.shuffle, batches: done, loss: lossSum, reconstruction: recon, kl, seen, seconds };
      history.aborted = true;
      break;
    }
    state.epoch++;
    const last = stepValues(spec, fit.optimizer, batches - 1);
    const log: EpochLog = {
      epoch: state.epoch,
      loss: lossSum / seen, reconstruction: recon / seen, kl: kl / seen,
      beta: last.beta, learningRate: last.opt.learningRate,
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
    const verdict = log.valLoss === undefined ? { best: false, stop: false }
      : watchValidation(watch, log.valLoss, log.epoch, fit.optimizer.learningRate, fit.learningRateSchedule, fit.earlyStopping);
    if (verdict.best) best = inputs.saveParameters();
    if (options.onEpochEnd) await inputs.inCallback(async () => undefined, () => options.onEpochEnd!(log));
    const stop = inputs.stopRequested?.();
    if (stop) throw stop;
    if (verdict.stop) {
      history.stoppedEarly = { bestEpoch: watch.bestEpoch, bestValLoss: watch.earlyBest };
      break;
    }
  }
  // Early stopping keeps the best epoch's parameters, whether it stopped or ran out of epochs.
  if (fit.earlyStopping && best) {
    inputs.restoreParameters(best);
    history.bestEpoch = watch.bestEpoch;
  }
  return history;
}

/** The error for a step whose loss or gradients were not finite (the step was not applied). */
function divergence(sums: LossSums, epoch: number, batch: number, lastStep: number, learningRate: number): DivergenceError {
  const what = sums.nonFinite === NON_FINITE_LOSS ? 'loss' : 'gradient';
  const found = what === 'loss' ? `the loss is not finite (reconstruction ${sums.reconstruction}, KL ${sums.kl})` : 'a gradient is not finite (the loss is)';
  return new DivergenceError(`training diverged at epoch ${epoch}, batch ${batch}: ${found}. The step was not applied: the model keeps `
    + `the parameters after step ${lastStep}, the last finite one. Try a smaller learning rate (this run: ${learningRate}), `
    + 'gradient clipping (clipNorm), or data of a smaller scale.', epoch, batch, what);
}
