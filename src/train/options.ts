import type { OptimizerSettings } from '../engine.js';
import { ConfigError } from '../errors.js';
import type { DataInput } from '../input.js';

export interface BatchLog {
  epoch: number;
  batch: number;
  batches: number;
  /** Mean loss per example of this batch, nats (reconstruction + β·KL). */
  loss: number;
  reconstruction: number;
  kl: number;
  samplesPerSecond: number;
}

export interface EpochLog {
  /** 1-based over the model's life: a second fit() continues the count. */
  epoch: number;
  /** Mean over the epoch's examples, nats per example. */
  loss: number;
  reconstruction: number;
  kl: number;
  valLoss?: number;
  valReconstruction?: number;
  valKl?: number;
  seconds: number;
  samplesPerSecond: number;
}

export interface History {
  epochs: EpochLog[];
  /** True when the signal stopped training before all epochs ran. */
  aborted: boolean;
  warnings: string[];
}

/** A number of workers, or 'auto' for the number of available cores. */
export type WorkerCount = number | 'auto';

export interface FitOptions {
  /** Workers that split each batch (default: the model's CreateOptions.workers, else 1). */
  workers?: WorkerCount;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  optimizer?: 'adam' | 'adamw' | 'sgd';
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /** SGD momentum (default 0.9). */
  momentum?: number;
  nesterov?: boolean;
  /** Clip the global gradient norm (of the per-example mean gradient) to this value. */
  clipNorm?: number;
  shuffle?: boolean;
  validation?: DataInput;
  onBatchEnd?: (log: BatchLog) => void | Promise<void>;
  onEpochEnd?: (log: EpochLog) => void | Promise<void>;
  /** Aborting stops after the current batch; fit resolves with the history so far (aborted: true). */
  signal?: AbortSignal;
}

export interface ResolvedFit {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  clipNorm: number;
  optimizer: OptimizerSettings;
}

function check(ok: boolean, name: string, want: string, value: unknown): void {
  if (!ok) throw new ConfigError(`${name} must be ${want}, got ${String(value)}`);
}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isNum = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && v >= lo && v <= hi && !Number.isNaN(v);

export function resolveFit(o: FitOptions): ResolvedFit {
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
  return { epochs, batchSize, shuffle: o.shuffle ?? true, clipNorm, optimizer };
}
