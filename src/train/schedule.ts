// β and learning-rate schedules, evaluated per optimiser step as pure functions of where the
// step stands in training (epochs over the model's life, fractional), so that the main thread,
// every worker and a resumed run compute the same values. Plateau reductions and early stopping
// act at epoch ends on the validation loss (fit.ts keeps their state).
import type { OptimizerSettings } from '../engine.js';
import { ConfigError } from '../errors.js';

/**
 * β over training, rising to the model's β (VAEConfig.beta): `{ warmup: E }` linearly from 0
 * over the first E epochs (Bowman et al. 2016); `{ cycles: M, ratio: R }` cyclical annealing
 * (Fu et al. 2019): the schedule's span is cut into M cycles, and in each β rises linearly from 0
 * over the first fraction R (default 0.5) of the cycle and then holds.
 */
export type BetaSchedule = { warmup: number } | { cycles: number; ratio?: number };

/**
 * The learning rate over training, from FitOptions.learningRate: 'step' multiplies it by gamma
 * every `every` epochs; 'exponential' by gamma per epoch (continuously, per step); 'cosine'
 * anneals it to `min` (default 0) over the schedule's span (Loshchilov & Hutter 2017, one cycle);
 * 'plateau' multiplies it by `factor` (default 0.1) when the validation loss has not improved by
 * more than minDelta (default 0) for `patience` epochs, not below `min` (default 0).
 */
export type LearningRateSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; gamma: number }
  | { kind: 'exponential'; gamma: number }
  | { kind: 'cosine'; min?: number }
  | { kind: 'plateau'; patience: number; factor?: number; min?: number; minDelta?: number };

/** Stop when the validation loss has not improved by more than minDelta (default 0) for `patience` epochs; the best epoch's parameters are restored. */
export interface EarlyStopping {
  patience: number;
  minDelta?: number;
}

/** What a step needs to evaluate the schedules; plain data, sent to the workers with each run. */
export interface StepSchedule {
  /** The model's β (the schedule's target). */
  beta: number;
  betaSchedule?: BetaSchedule;
  /** Learning rate before the schedule (after any plateau reductions so far). */
  learningRate: number;
  learningRateSchedule?: LearningRateSchedule;
  /** Epochs the schedules span (cosine, cycles), counted from the model's first epoch. */
  horizon: number;
}

/** β at `position` epochs into training. */
export function betaAt(s: StepSchedule, position: number): number {
  const b = s.betaSchedule;
  if (!b) return s.beta;
  if ('warmup' in b) return b.warmup === 0 ? s.beta : s.beta * Math.min(1, position / b.warmup);
  const period = s.horizon / b.cycles, ratio = b.ratio ?? 0.5;
  const tau = (position % period) / period;
  return s.beta * Math.min(1, tau / ratio);
}

/** Learning rate at `position` epochs into training. */
export function learningRateAt(s: StepSchedule, position: number): number {
  const l = s.learningRateSchedule;
  switch (l?.kind) {
    case 'step': return s.learningRate * l.gamma ** Math.floor(position / l.every);
    case 'exponential': return s.learningRate * l.gamma ** position;
    case 'cosine': {
      const min = l.min ?? 0, t = Math.min(1, position / s.horizon);
      return min + (s.learningRate - min) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
    default: return s.learningRate;
  }
}

/** What places a step: the epoch (0-based over the model's life), its rows and batch size, and the schedules. */
export interface StepOfEpoch {
  stream: number;
  rows: number;
  batchSize: number;
  schedule: StepSchedule;
}

/** β and the optimiser settings of step b of an epoch: the schedules evaluated at the step's position. */
export function stepValues(spec: StepOfEpoch, opt: OptimizerSettings, b: number): { beta: number; opt: OptimizerSettings } {
  const position = stepPosition(spec.stream, b, Math.ceil(spec.rows / spec.batchSize));
  return { beta: betaAt(spec.schedule, position), opt: { ...opt, learningRate: learningRateAt(spec.schedule, position) } };
}

/** Where step b of an epoch stands: epochs done plus the fraction of this epoch before the step. */
export function stepPosition(epoch: number, b: number, batches: number): number {
  return epoch + b / batches;
}

const finite = (v: unknown, lo: number, hi = Infinity): v is number => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;

function fail(name: string, want: string, value: unknown): never {
  throw new ConfigError(`${name} must be ${want}, got ${JSON.stringify(value) ?? String(value)}`);
}

/** Checks a β schedule; ConfigError names the field. */
export function checkBetaSchedule(b: unknown): BetaSchedule | undefined {
  if (b === undefined) return undefined;
  if (!b || typeof b !== 'object') fail('betaSchedule', "{ warmup: epochs } or { cycles, ratio }", b);
  const o = b as Record<string, unknown>;
  if ('warmup' in o) {
    if (!finite(o.warmup, 0)) fail('betaSchedule.warmup', 'a finite number of epochs >= 0', o.warmup);
    return { warmup: o.warmup as number };
  }
  if (!Number.isInteger(o.cycles) || (o.cycles as number) < 1) fail('betaSchedule.cycles', 'a positive integer', o.cycles);
  if (o.ratio !== undefined && !finite(o.ratio, Number.MIN_VALUE, 1)) fail('betaSchedule.ratio', 'in (0, 1]', o.ratio);
  return { cycles: o.cycles as number, ...(o.ratio === undefined ? {} : { ratio: o.ratio as number }) };
}

/** Checks a learning-rate schedule; ConfigError names the field. */
export function checkLearningRateSchedule(l: unknown): LearningRateSchedule | undefined {
  if (l === undefined) return undefined;
  const o = (l && typeof l === 'object' ? l : {}) as Record<string, unknown>;
  switch (o.kind) {
    case 'constant': return { kind: 'constant' };
    case 'step':
      if (!finite(o.every, Number.MIN_VALUE)) fail('learningRateSchedule.every', 'a number of epochs > 0', o.every);
      if (!finite(o.gamma, Number.MIN_VALUE, 1)) fail('learningRateSchedule.gamma', 'in (0, 1]', o.gamma);
      return { kind: 'step', every: o.every as number, gamma: o.gamma as number };
    case 'exponential':
      if (!finite(o.gamma, Number.MIN_VALUE, 1)) fail('learningRateSchedule.gamma', 'in (0, 1]', o.gamma);
      return { kind: 'exponential', gamma: o.gamma as number };
    case 'cosine':
      if (o.min !== undefined && !finite(o.min, 0)) fail('learningRateSchedule.min', 'a finite number >= 0', o.min);
      return { kind: 'cosine', ...(o.min === undefined ? {} : { min: o.min as number }) };
    case 'plateau':
      if (!Number.isInteger(o.patience) || (o.patience as number) < 1) fail('learningRateSchedule.patience', 'a positive integer', o.patience);
      if (o.factor !== undefined && !finite(o.factor, Number.MIN_VALUE, 1)) fail('learningRateSchedule.factor', 'in (0, 1]', o.factor);
      if (o.min !== undefined && !finite(o.min, 0)) fail('learningRateSchedule.min', 'a finite number >= 0', o.min);
      if (o.minDelta !== undefined && !finite(o.minDelta, 0)) fail('learningRateSchedule.minDelta', 'a finite number >= 0', o.minDelta);
      return { kind: 'plateau', patience: o.patience as number, factor: (o.factor as number | undefined) ?? 0.1,
        min: (o.min as number | undefined) ?? 0, minDelta: (o.minDelta as number | undefined) ?? 0 };
    default:
      return fail('learningRateSchedule.kind', "'constant', 'step', 'exponential', 'cosine' or 'plateau'", o.kind);
  }
}

/** Checks early stopping; ConfigError names the field. */
export function checkEarlyStopping(e: unknown): EarlyStopping | undefined {
  if (e === undefined) return undefined;
  const o = (e && typeof e === 'object' ? e : {}) as Record<string, unknown>;
  if (!Number.isInteger(o.patience) || (o.patience as number) < 1) fail('earlyStopping.patience', 'a positive integer', o.patience);
  if (o.minDelta !== undefined && !finite(o.minDelta, 0)) fail('earlyStopping.minDelta', 'a finite number >= 0', o.minDelta);
  return { patience: o.patience as number, minDelta: (o.minDelta as number | undefined) ?? 0 };
}
