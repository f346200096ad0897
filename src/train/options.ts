import type { OptimizerSettings } from '../engine.js';
import { checkKeys } from '../check-keys.js';
import { ConfigError } from '../errors.js';
import type { DataInput, LabelInput } from '../input.js';
import { type Binarization, checkBinarization } from '../data/binarize.js';
import type { RateReadout } from './rate.js';
import { type BetaSchedule, checkBetaSchedule, checkEarlyStopping, checkLearningRateSchedule, type EarlyStopping, type LearningRateSchedule } from './schedule.js';

/** What onBatchEnd receives after each optimiser step. */
export interface BatchLog extends RateReadout {
  /** 1-based over the model's life, like EpochLog.epoch. */
  epoch: number;
  /** 1-based within the epoch. */
  batch: number;
  /** Batches in this epoch. */
  batches: number;
  /** Mean loss per example of this batch, nats (reconstruction + β·KL). */
  loss: number;
  /** Mean reconstruction term of this batch, nats per example. */
  reconstruction: number;
  /** Mean KL term of this batch (before β), nats per example. */
  kl: number;
}

export interface EpochLog {
  /** 1-based over the model's life: a second fit() continues the count. */
  epoch: number;
  /** Mean negative ELBO over the epoch's examples, nats per example (reconstruction + β·KL). */
  loss: number;
  /** Mean reconstruction term, nats per example. */
  reconstruction: number;
  /** Mean KL(q(z|x) ‖ N(0, I)) before β, nats per example. */
  kl: number;
  /** With FitOptions.validation: the same three figures on the validation rows (fixed noise). */
  valLoss?: number;
  valReconstruction?: number;
  valKl?: number;
  /** β and the learning rate at the epoch's last step (they follow betaSchedule and learningRateSchedule). */
  beta: number;
  learningRate: number;
  /** Wall time of the epoch's training steps (validation not included). */
  seconds: number;
  /** Rows trained per second over the epoch. */
  samplesPerSecond: number;
}

export interface History {
  epochs: EpochLog[];
  /** True when the signal stopped training before all epochs ran. */
  aborted: boolean;
  /** Set when early stopping ended the fit: the best epoch, whose parameters the model now holds. */
  stoppedEarly?: { bestEpoch: number; bestValLoss: number };
  /** With earlyStopping: the epoch (1-based, over the model's life) whose parameters the model holds after fit. */
  bestEpoch?: number;
  warnings: string[];
}

/** A number of workers, or 'auto' for the number of available cores. */
export type WorkerCount = number | 'auto';

/** Options of vae.fit(); every field is optional. */
export interface FitOptions {
  /**
   * Worker threads that split each batch: a count or 'auto' (one per core, at most 16; in Node
   * fewer when other work keeps cores busy, measured over 100 ms as fit starts, with a warning in
   * history.warnings). Default: CreateOptions.workers, else 1 (this thread).
   */
  workers?: WorkerCount;
  /** Passes over the data in this call (default 10); a later fit() continues the epoch count. */
  epochs?: number;
  /** Rows per optimiser step (default 128, as PyTorch's VAE example); the last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Step size (default 1e-3). */
  learningRate?: number;
  /** 'adam' (default), 'adamw' (decoupled weight decay, Loshchilov & Hutter 2019) or 'sgd'. */
  optimizer?: 'adam' | 'adamw' | 'sgd';
  /** Adam's first-moment decay (default 0.9). */
  beta1?: number;
  /** Adam's second-moment decay (default 0.999). */
  beta2?: number;
  /** Adam's ε added to √v (default 1e-8, as torch.optim.Adam). */
  epsilon?: number;
  /** L2 weight decay (default 0; 1e-2 for 'adamw'). Adam and SGD add it to the gradient; AdamW decays the weights. */
  weightDecay?: number;
  /** SGD momentum (default 0.9 for 'sgd'). */
  momentum?: number;
  /** SGD: Nesterov momentum (default false). */
  nesterov?: boolean;
  /** Clip the global gradient norm (of the per-example mean gradient) to this value (default 0: no clipping). */
  clipNorm?: number;
  /** Reshuffle the rows every epoch with the model's seed (default true). */
  shuffle?: boolean;
  /** Rows to evaluate after each epoch (EpochLog.valLoss etc.), same format as the training data (default none). */
  validation?: DataInput;
  /** A conditional model's class of every training row (Uint8Array, Int32Array or numbers in [0, classes)). */
  labels?: LabelInput;
  /** A conditional model's class of every validation row. */
  validationLabels?: LabelInput;
  /** Called after every optimiser step with the batch's loss and live throughput; may be async (training waits). */
  onBatchEnd?: (log: BatchLog) => void | Promise<void>;
  /** Called after every epoch (and its validation); may be async (training waits). */
  onEpochEnd?: (log: EpochLog) => void | Promise<void>;
  /** Aborting stops after the current batch; fit resolves with the history so far (aborted: true). */
  signal?: AbortSignal;
  /** β rising to VAEConfig.beta per step: { warmup: epochs } or cyclical { cycles, ratio } (default: constant). */
  betaSchedule?: BetaSchedule;
  /** The learning rate over training: step, exponential or cosine decay, or reduction on a validation plateau (default: constant). */
  learningRateSchedule?: LearningRateSchedule;
  /** Stop when the validation loss stops improving, restoring the best epoch's parameters (needs validation; default off). */
  earlyStopping?: EarlyStopping;
  /** Epochs the schedules span (cosine, cycles), counted from the model's first epoch (default: epochs done so far + epochs). */
  scheduleEpochs?: number;
  /**
   * Train on binarised data, as density-estimation papers do: 'dynamic' draws each value p as 1
   * with probability p afresh every epoch, 'static' once before training; the validation rows are
   * then binarised once (static). Values must lie in [0, 1]. Default 'none'.
   */
  binarize?: Binarization;
  /**
   * What training maximises: { kind: 'elbo' } (default: the ELBO, one z per row, analytic KL) or
   * { kind: 'iwae', samples: k } (Burda et al. 2015: log (1/k) Σ_s p(x, z_s)/q(z_s|x) over k
   * samples per row, its gradient weighting each sample by its normalised importance weight; k = 1
   * is the ELBO). With IWAE, EpochLog.loss is the negative k-sample bound, `reconstruction` the
   * mean −log p(x|z) over the samples and `kl` the rest; validation is still the one-sample ELBO.
   * Needs a Bernoulli likelihood and β = 1.
   */
  objective?: Objective;
}

export type Objective = { kind: 'elbo' } | { kind: 'iwae'; samples: number };

/** The keys FitOptions accepts (unknown keys are refused with a ConfigError). */
export const FIT_OPTION_KEYS: readonly (keyof FitOptions)[] = ['workers', 'epochs', 'batchSize', 'learningRate', 'optimizer', 'beta1', 'beta2',
  'epsilon', 'weightDecay', 'momentum', 'nesterov', 'clipNorm', 'shuffle', 'validation', 'onBatchEnd', 'onEpochEnd', 'signal',
  'betaSchedule', 'learningRateSchedule', 'earlyStopping', 'scheduleEpochs', 'labels', 'validationLabels', 'binarize', 'objective'];

export interface ResolvedFit {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  clipNorm: number;
  optimizer: OptimizerSettings;
  betaSchedule?: BetaSchedule;
  learningRateSchedule?: LearningRateSchedule;
  earlyStopping?: EarlyStopping;
  scheduleEpochs?: number;
  binarize: Binarization;
  objective: Objective;
}

function check(ok: boolean, name: string, want: string, value: unknown): void {
  if (!ok) throw new ConfigError(`${name} must be ${want}, got ${String(value)}`);
}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isNum = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && v >= lo && v <= hi && !Number.isNaN(v);

function checkObjective(o: unknown): Objective {
  if (o === undefined) return { kind: 'elbo' };
  const kind = (o as { kind?: unknown })?.kind;
  if (kind === 'elbo') { checkKeys(o as object, ['kind'], 'objective'); return { kind }; }
  if (kind !== 'iwae') throw new ConfigError(`objective.kind must be 'elbo' or 'iwae', got ${String(kind)}`);
  checkKeys(o as object, ['kind', 'samples'], 'objective');
  const samples = (o as { samples?: unknown }).samples;
  check(isPosInt(samples), 'objective.samples', 'a positive integer (importance samples per row)', samples);
  return { kind, samples: samples as number };
}

export function resolveFit(o: FitOptions): ResolvedFit {
  checkKeys(o, FIT_OPTION_KEYS, 'fit options');
  const epochs = o.epochs ?? 10, batchSize = o.batchSize ?? 128;
  check(isPosInt(epochs), 'epochs', 'a positive integer', epochs);
  check(isPosInt(batchSize), 'batchSize', 'a positive integer', batchSize);
  const kind = o.optimizer ?? 'adam';
  check(kind === 'adam' || kind === 'adamw' || kind === 'sgd', 'optimizer', "'adam', 'adamw' or 'sgd'", kind);
  const optimizer: OptimizerSettings = {
    kind,
    learningRate: o.learningRate ?? 1e-3,
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    epsilon: o.epsilon ?? 1e-8,
    weightDecay: o.weightDecay ?? (kind === 'adamw' ? 1e-2 : 0),
    momentum: o.momentum ?? (kind === 'sgd' ? 0.9 : 0),
    nesterov: o.nesterov ?? false,
  };
  check(isNum(optimizer.learningRate, Number.MIN_VALUE, Infinity) && Number.isFinite(optimizer.learningRate), 'learningRate', 'a finite number > 0', optimizer.learningRate);
  check(isNum(optimizer.beta1, 0, 0.999999999), 'beta1', 'in [0, 1)', optimizer.beta1);
  check(isNum(optimizer.beta2, 0, 0.999999999), 'beta2', 'in [0, 1)', optimizer.beta2);
  check(isNum(optimizer.epsilon, Number.MIN_VALUE, 1), 'epsilon', 'in (0, 1]', optimizer.epsilon);
  check(isNum(optimizer.weightDecay, 0, 1e6), 'weightDecay', 'a number >= 0', optimizer.weightDecay);
  check(isNum(optimizer.momentum, 0, 0.999999999), 'momentum', 'in [0, 1)', optimizer.momentum);
  const clipNorm = o.clipNorm ?? 0;
  check(isNum(clipNorm, 0, Infinity), 'clipNorm', 'a number > 0', clipNorm);
  const betaSchedule = checkBetaSchedule(o.betaSchedule);
  const learningRateSchedule = checkLearningRateSchedule(o.learningRateSchedule);
  const earlyStopping = checkEarlyStopping(o.earlyStopping);
  if ((earlyStopping || learningRateSchedule?.kind === 'plateau') && o.validation === undefined) {
    throw new ConfigError(`${earlyStopping ? 'earlyStopping' : "learningRateSchedule 'plateau'"} watches the validation loss: pass validation data`);
  }
  const scheduleEpochs = o.scheduleEpochs;
  check(scheduleEpochs === undefined || isNum(scheduleEpochs, Number.MIN_VALUE, 1e9), 'scheduleEpochs', 'a number of epochs > 0', scheduleEpochs);
  const binarize = checkBinarization(o.binarize, 'binarize');
  const objective = checkObjective(o.objective);
  return { epochs, batchSize, shuffle: o.shuffle ?? true, clipNorm, optimizer, betaSchedule, learningRateSchedule, earlyStopping, scheduleEpochs, binarize, objective };
}
